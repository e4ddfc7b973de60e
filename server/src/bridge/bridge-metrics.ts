import { TABLE_STATUSES } from '../../../shared/src/table-status.js';
import type { KafkaTable } from '../kafka-table.js';

/** Counters the bridge keeps about itself; tables report their own stats. */
export class BridgeMetrics {
  connections = 0;
  subscriptions = 0;
  framesSent = 0;
  bytesSent = 0;
  slowClientEvents = 0;
  slowClientDisconnects = 0;
  protocolErrors = 0;

  /** Prometheus text exposition format, version 0.0.4. */
  render(bridgeId: string, tables: ReadonlyMap<string, KafkaTable<unknown>>): string {
    const lines: string[] = [];
    const metric = (
      name: string,
      type: 'gauge' | 'counter',
      help: string,
      samples: Array<[string, number]>,
    ) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const bridge = `{bridge="${escapeLabel(bridgeId)}"}`;
    metric('tablecast_connections', 'gauge', 'Open WebSocket connections.', [
      [bridge, this.connections],
    ]);
    metric('tablecast_subscriptions', 'gauge', 'Active table subscriptions.', [
      [bridge, this.subscriptions],
    ]);
    metric('tablecast_frames_sent_total', 'counter', 'WebSocket frames sent.', [
      [bridge, this.framesSent],
    ]);
    metric('tablecast_bytes_sent_total', 'counter', 'Bytes of WebSocket frames sent.', [
      [bridge, this.bytesSent],
    ]);
    metric(
      'tablecast_slow_client_events_total',
      'counter',
      'Times a socket stopped getting deltas because it did not drain.',
      [[bridge, this.slowClientEvents]],
    );
    metric(
      'tablecast_slow_client_disconnects_total',
      'counter',
      'Sockets closed for staying stalled.',
      [[bridge, this.slowClientDisconnects]],
    );
    metric('tablecast_protocol_errors_total', 'counter', 'Malformed or refused client messages.', [
      [bridge, this.protocolErrors],
    ]);

    const perTable = (pick: (t: KafkaTable<unknown>) => number | null): Array<[string, number]> =>
      [...tables].map(([name, t]) => [`{table="${escapeLabel(name)}"}`, pick(t) ?? 0]);
    const started = (t: KafkaTable<unknown>) => t.status !== 'unstarted';
    metric(
      'tablecast_table_keys',
      'gauge',
      'Keys in the table.',
      perTable((t) => (started(t) ? t.size : 0)),
    );
    metric(
      'tablecast_table_records_applied_total',
      'counter',
      'Records read from the log.',
      perTable((t) => t.stats.recordsApplied),
    );
    metric(
      'tablecast_table_tombstones_applied_total',
      'counter',
      'Tombstones applied.',
      perTable((t) => t.stats.tombstonesApplied),
    );
    metric(
      'tablecast_table_key_decode_errors_total',
      'counter',
      'Records whose key did not decode.',
      perTable((t) => t.stats.keyDecodeErrors),
    );
    metric(
      'tablecast_table_value_decode_errors_total',
      'counter',
      'Records whose value did not decode.',
      perTable((t) => t.stats.valueDecodeErrors),
    );
    metric(
      'tablecast_table_keyless_records_total',
      'counter',
      'Records without a key.',
      perTable((t) => t.stats.keylessRecords),
    );
    metric(
      'tablecast_table_catch_up_seconds',
      'gauge',
      'Seconds from start to first catch-up (0 until then).',
      perTable((t) => t.stats.catchUpSeconds),
    );
    metric(
      'tablecast_table_status',
      'gauge',
      '1 for the status the table is in.',
      [...tables].flatMap(([name, t]) =>
        TABLE_STATUSES.map((s): [string, number] => [
          `{table="${escapeLabel(name)}",status="${s}"}`,
          t.status === s ? 1 : 0,
        ]),
      ),
    );
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
