import { BRIDGE_LIMIT_DEFAULTS } from './bridge/bridge-options.js';

export const USAGE = `usage: tablecast serve --config <file.json> [--port N] [--host H] [--workers N|auto]
       tablecast --help | --version`;

/** `tablecast --help`: everything needed to run a bridge without reading the README. */
export function cliHelp(): string {
  const limits = Object.entries(BRIDGE_LIMIT_DEFAULTS)
    .map(([key, value]) => `    ${`"${key}"`.padEnd(33)} default ${value}`)
    .join('\n');
  return `${USAGE}

Runs a bridge: one KafkaTable per configured table (a compacted topic replayed into memory, or
aggregates computed from a topic), served to clients over WebSocket, with /healthz, /readyz,
/metrics and GET /tables/:name.

Options:
  -c, --config <file>  the JSON config file (below); required
      --port <n>       listen port; else PORT, else the config's "port", else 8080
      --host <h>       listen address; else HOST, else the config's "host", else 127.0.0.1
      --workers <n>    bridge processes sharing the port, each with its own table replicas;
                       "auto" is one per core; else TABLECAST_WORKERS, else 1
  -h, --help           this text
  -v, --version        the version of tablecast

Environment:
  KAFKA_BROKERS  bootstrap brokers, comma-separated (127.0.0.1:9092,10.0.0.2:9092);
                 overrides the config's "brokers". One of the two is required.
  PORT, HOST     listen port and address (the options above win)

Config file (JSON):
  {
    "brokers": ["127.0.0.1:9092"],
    "tables": {
      "flags": { "topic": "flags", "value": "json" },
      "registry": { "topic": "services", "catchupTimeoutMs": 60000 }
    },
    "allowedOrigins": ["https://app.example.com"],
    "maxMessageBytes": 65536
  }
  "tables" (required): table name (as clients ask for it) → { "topic" (required),
    "value": "json" | "superjson" | "utf8" | "bytes" (default "json"), "numPartitions",
    "ensureTopic" (default true), "onPolicyMismatch": "warn" | "raise" | "reconcile",
    "catchupTimeoutMs" (default 30000), "maxValueBytes" (default 16777216: longer values are
    rejected and counted), "maxKeyBytes" (default 1048576: records with longer keys are skipped
    and counted), "writable" (default false: clients may write it) }
  A stream table (any topic, never created or checked: its last records as rows keyed
    "<partition>:<offset>"): { "topic", "kind": "stream", "value", "limit" (rows, default
    1000), "retainMs" (rows older than the newest record time minus this leave), "start":
    "earliest" | "latest" | { "timestamp": ms } | { "lastPerPartition": n } (default
    { "lastPerPartition": limit }), "headers" (default false), "catchupTimeoutMs" }
  An aggregate table computed in the bridge:
    { "kind": "group-by", "topic", "groupBy": "status", "aggregates": { "count": "count",
      "total": { "op": "sum", "field": "amount" } } }   (ops: count sum min max avg; also
      "value": "json" | "superjson", "numPartitions", "ensureTopic", "catchupTimeoutMs")
    { "kind": "windowed", "topic", "groupBy": "service", "window": { "sizeMs": 60000,
      "advanceMs", "graceMs", "retainMs" }, "aggregates": { "count": "count" } }
      (any topic; windows on record time; keys "<group>@<window start, ISO 8601>")
    "groupBy" and "field" are dot paths into the JSON value; "groupBy": "$key" is the key.
  "brokers", "port", "host", "allowedOrigins" (default: any origin)
  bridge limits, positive integers:
${limits}
  "controlMessagesPerSecond" (default 50), "maxConnectionsPerAddress", "reauthorizeIntervalMs"
    (default: none), "revealForbiddenTables" (default false), "opsToken" (a bearer token for
    /metrics and /readyz details; TABLECAST_OPS_TOKEN overrides it)
  Unknown fields are errors.`;
}
