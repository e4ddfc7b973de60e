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
  rateLimited = 0;
  /** Subscriptions waiting for this bridge to reach the client's position (I3). */
  waitingSubscriptions = 0;
  snapshotRestarts = 0;
  revokedSessions = 0;
  refusedConnections = 0;
  reauthorizeErrors = 0;
  /** HTTP snapshots being streamed (`?format=snapshot`), and the bytes of their bodies. */
  httpSnapshots = 0;
  httpSnapshotBytes = 0;

  /**
   * Prometheus text exposition format, version 0.0.4. Per-table series only for the tables in
   * `visible`: a caller learns nothing of tables it may not read.
   */
  render(
    bridgeId: string,
    allTables: ReadonlyMap<string, KafkaTable<unknown>>,
    visible: ReadonlySet<string> | 'all' = 'all',
  ): string {
    const tables =
      visible === 'all' ? allTables : new Map([...allTables].filter(([name]) => visible.has(name)));
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
      'Times a socket had more to send than room in its budget (deltas skipped, snapshots paused).',
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
    const counters: Array<[string, 'gauge' | 'counter', string, number]> = [
      [
        'tablecast_rate_limited_total',
        'counter',
        'Client messages refused by the rate limit.',
        this.rateLimited,
      ],
      [
        'tablecast_waiting_subscriptions',
        'gauge',
        'Subscriptions waiting for this bridge to reach their position.',
        this.waitingSubscriptions,
      ],
      [
        'tablecast_snapshot_restarts_total',
        'counter',
        'Streamed snapshots begun again because the table changed too much meanwhile.',
        this.snapshotRestarts,
      ],
      [
        'tablecast_revoked_sessions_total',
        'counter',
        'Sessions closed by revoke() or re-authorization.',
        this.revokedSessions,
      ],
      [
        'tablecast_refused_connections_total',
        'counter',
        'Upgrades refused by maxConnections or maxConnectionsPerAddress.',
        this.refusedConnections,
      ],
      [
        'tablecast_reauthorize_errors_total',
        'counter',
        'Re-authorizations where authorize threw.',
        this.reauthorizeErrors,
      ],
      [
        'tablecast_http_snapshots',
        'gauge',
        'Snapshots being streamed over HTTP (format=snapshot).',
        this.httpSnapshots,
      ],
      [
        'tablecast_http_snapshot_bytes_total',
        'counter',
        'Bytes of snapshot bodies streamed over HTTP.',
        this.httpSnapshotBytes,
      ],
    ];
    for (const [name, type, help, value] of counters) metric(name, type, help, [[bridge, value]]);

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
      'tablecast_table_value_too_large_total',
      'counter',
      "Records whose value was longer than the table's maxValueBytes.",
      perTable((t) => t.stats.valueTooLargeErrors),
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
