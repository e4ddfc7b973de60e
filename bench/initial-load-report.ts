/**
 * What bench/initial-load.ts measured: the run shapes of its JSON result, the summary and the
 * readable table.
 */
import type { PayloadSummary } from './lib/data.js';
import { fmtBytes, fmtNumber, fmtRatio, max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

export interface Run {
  readonly run: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly seconds: number;
  readonly connectSeconds: number | null;
  readonly firstSnapshotFrameSeconds: number | null;
  readonly keys: number | null;
  readonly keysPerSecond: number;
  readonly clientFrames: number | null;
  readonly clientBytes: number | null;
  readonly bridgeBytesSent: number;
  readonly bridgeFramesSent: number;
  readonly bridgeSnapshotMs: number | null;
  readonly processWallSeconds: number;
  /** Chromium only: the page's main thread busy in tasks, and in script, over the run. */
  readonly mainThreadTaskMs: number | null;
  readonly mainThreadScriptMs: number | null;
  /** Chromium only: when the last frame before caught_up arrived. */
  readonly lastFrameSeconds: number | null;
  /** Chromium only: when the socket's own snapshot ended (over HTTP: the resume after it). */
  readonly socketSnapshotEndSeconds?: number | null;
  /** Chromium only: main-thread tasks over 50 ms while loading. */
  readonly longTasks: ReadonlyArray<{
    readonly startMs: number;
    readonly durationMs: number;
  }> | null;
}

export interface BareRun {
  readonly run: number;
  readonly ok: boolean;
  readonly seconds: number;
  readonly mainThreadTaskMs: number | null;
  readonly mainThreadScriptMs: number | null;
  readonly longTasks: Run['longTasks'];
}

/** The browser's transport alone for the bare server's bytes: nothing parsed. */
export interface TransportRun {
  readonly run: number;
  readonly via: 'ws' | 'fetch';
  readonly ok: boolean;
  readonly seconds: number;
  readonly bytes: number | null;
}

function transportSummary(runs: readonly TransportRun[]) {
  const of = (via: TransportRun['via']) => {
    const ok = runs.filter((r) => r.ok && r.via === via).map((r) => r.seconds);
    return {
      okRuns: ok.length,
      medianSeconds: median(ok),
      minSeconds: min(ok),
      maxSeconds: max(ok),
    };
  };
  return { ws: of('ws'), fetch: of('fetch') };
}

function httpSummary(runs: readonly Run[], payload: PayloadSummary, socketMedianSeconds: number) {
  const ok = runs.filter((r) => r.ok);
  const medianSeconds = median(ok.map((r) => r.seconds));
  const medianWireBytes = median(ok.map((r) => r.bridgeBytesSent));
  return {
    okRuns: ok.length,
    medianSeconds,
    minSeconds: min(ok.map((r) => r.seconds)),
    maxSeconds: max(ok.map((r) => r.seconds)),
    medianSocketResumedSeconds: median(ok.map((r) => r.socketSnapshotEndSeconds ?? Number.NaN)),
    medianWireBytes,
    wireToRawRatio: medianWireBytes / payload.finalPayloadBytes,
    longestTaskMs: Math.max(0, ...ok.flatMap((r) => (r.longTasks ?? []).map((t) => t.durationMs))),
    longTaskCount: ok.flatMap((r) => r.longTasks ?? []).length,
    overSocketRatio: medianSeconds / socketMedianSeconds,
  };
}

function bareSummary(bareRuns: readonly BareRun[], tablecastMedianSeconds: number) {
  const ok = bareRuns.filter((r) => r.ok);
  const medianSeconds = median(ok.map((r) => r.seconds));
  return {
    okRuns: ok.length,
    medianSeconds,
    minSeconds: min(ok.map((r) => r.seconds)),
    maxSeconds: max(ok.map((r) => r.seconds)),
    medianMainThreadTaskMs: median(ok.map((r) => r.mainThreadTaskMs ?? Number.NaN)),
    medianMainThreadScriptMs: median(ok.map((r) => r.mainThreadScriptMs ?? Number.NaN)),
    longestTaskMs: Math.max(0, ...ok.flatMap((r) => (r.longTasks ?? []).map((t) => t.durationMs))),
    tablecastOverBare: tablecastMedianSeconds / medianSeconds,
  };
}

function longTaskCell(tasks: Run['longTasks']): string {
  if (tasks === null) return '—';
  if (tasks.length === 0) return '0';
  return `${tasks.length} (${fmtNumber(Math.max(...tasks.map((t) => t.durationMs)), 0)})`;
}

/** A run's last cells: main thread busy (script), long tasks, and whether it went well. */
function browserCells(r: Run): string[] {
  const busy =
    r.mainThreadTaskMs === null
      ? '—'
      : `${fmtNumber(r.mainThreadTaskMs, 0)} (${fmtNumber(r.mainThreadScriptMs ?? Number.NaN, 0)})`;
  return [busy, longTaskCell(r.longTasks), r.ok ? '✓' : `✗ ${r.error ?? ''}`];
}

export interface InitialLoadInput {
  readonly results: readonly Run[];
  /** Chromium: the same client with its first snapshot over HTTP (httpSnapshots()). */
  readonly httpResults: readonly Run[];
  readonly bareRuns: readonly BareRun[];
  readonly transportRuns: readonly TransportRun[];
  readonly keys: number;
  readonly valueBytes: number;
  readonly partitions: number;
  readonly runs: number;
  readonly clientKind: string;
  readonly clientDescription: string;
  readonly brokers: string;
  readonly payload: PayloadSummary;
  readonly catchUpSeconds: number;
  readonly finalStats: { readonly rss: number; readonly heapUsed: number };
  readonly withBare: boolean;
}

export function initialLoadReport(input: InitialLoadInput) {
  const { results, bareRuns, keys, valueBytes, partitions, runs, clientKind } = input;
  const { clientDescription, brokers, payload, catchUpSeconds, finalStats, withBare } = input;
  const ok = results.filter((r) => r.ok);
  const secs = ok.map((r) => r.seconds);
  const medSeconds = median(secs);
  const medClientBytes = median(ok.map((r) => r.clientBytes ?? Number.NaN));
  const medBridgeBytes = median(ok.map((r) => r.bridgeBytesSent));
  const snapshotMs = ok.map((r) => r.bridgeSnapshotMs).filter((v): v is number => v !== null);
  const summary = {
    okRuns: ok.length,
    runs: results.length,
    medianSeconds: medSeconds,
    minSeconds: min(secs),
    maxSeconds: max(secs),
    keysPerSecond: keys / medSeconds,
    medianConnectSeconds: median(ok.map((r) => r.connectSeconds ?? Number.NaN)),
    medianFirstSnapshotFrameSeconds: median(
      ok.map((r) => r.firstSnapshotFrameSeconds ?? Number.NaN),
    ),
    rawPayloadBytes: payload.finalPayloadBytes,
    clientBytesReceived: medClientBytes,
    bridgeBytesSent: medBridgeBytes,
    wireToRawRatio: medClientBytes / payload.finalPayloadBytes,
    wireMiBPerSecond: medClientBytes / 1024 / 1024 / medSeconds,
    bridgeSnapshotMedianMs: snapshotMs.length > 0 ? median(snapshotMs) : null,
    bridgeTableCatchUpSeconds: catchUpSeconds,
    bridgeRssAfterBytes: finalStats.rss,
    bridgeHeapAfterBytes: finalStats.heapUsed,
    longestTaskMs:
      clientKind === 'chromium'
        ? Math.max(0, ...ok.flatMap((r) => (r.longTasks ?? []).map((t) => t.durationMs)))
        : null,
    longTaskCount: clientKind === 'chromium' ? ok.flatMap((r) => r.longTasks ?? []).length : null,
    medianMainThreadTaskMs:
      clientKind === 'chromium' ? median(ok.map((r) => r.mainThreadTaskMs ?? Number.NaN)) : null,
    medianMainThreadScriptMs:
      clientKind === 'chromium' ? median(ok.map((r) => r.mainThreadScriptMs ?? Number.NaN)) : null,
    overHttp:
      input.httpResults.length > 0 ? httpSummary(input.httpResults, payload, medSeconds) : null,
    bareFloor: withBare ? bareSummary(bareRuns, medSeconds) : null,
    transportFloor: withBare ? transportSummary(input.transportRuns) : null,
  };

  const out: string[] = [''];
  out.push(
    `initial load: ${fmtNumber(keys)} keys × ~${valueBytes} B JSON, ${partitions} partitions, ` +
      `${runs} run(s), each ${clientDescription} — Kafka at ${brokers}`,
  );
  out.push(
    `raw table: ${fmtBytes(payload.finalPayloadBytes)} key+value bytes ` +
      `(${fmtNumber(payload.finalPayloadBytesPerKey, 1)} B/key); bridge table caught up in ${catchUpSeconds.toFixed(2)} s`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'run', align: 'left' },
        { header: 'subscribe→caught_up s' },
        { header: 'keys/s' },
        { header: 'connect ms' },
        { header: 'first part ms' },
        { header: 'bridge snapshot ms' },
        { header: 'frames' },
        { header: 'wire bytes' },
        { header: 'wire/raw' },
        { header: 'main thread ms (script)' },
        { header: 'long tasks (max ms)' },
        { header: 'ok' },
      ],
      [
        ...results.map((r) => [
          String(r.run),
          Number.isFinite(r.seconds) ? r.seconds.toFixed(3) : '—',
          fmtNumber(r.keysPerSecond),
          r.connectSeconds === null ? '—' : fmtNumber(r.connectSeconds * 1000, 1),
          r.firstSnapshotFrameSeconds === null
            ? '—'
            : fmtNumber(r.firstSnapshotFrameSeconds * 1000, 1),
          r.bridgeSnapshotMs === null ? '—' : fmtNumber(r.bridgeSnapshotMs, 0),
          r.clientFrames === null ? '—' : fmtNumber(r.clientFrames),
          r.clientBytes === null ? '—' : fmtBytes(r.clientBytes),
          fmtRatio((r.clientBytes ?? Number.NaN) / payload.finalPayloadBytes),
          ...browserCells(r),
        ]),
        [
          'median',
          medSeconds.toFixed(3),
          fmtNumber(summary.keysPerSecond),
          fmtNumber(summary.medianConnectSeconds * 1000, 1),
          fmtNumber(summary.medianFirstSnapshotFrameSeconds * 1000, 1),
          summary.bridgeSnapshotMedianMs === null
            ? '—'
            : fmtNumber(summary.bridgeSnapshotMedianMs, 0),
          '',
          fmtBytes(medClientBytes),
          fmtRatio(summary.wireToRawRatio),
          '',
          '',
          `${ok.length}/${results.length}`,
        ],
      ],
    ),
  );
  if (summary.overHttp) {
    const h = summary.overHttp;
    out.push('');
    out.push(
      'the same client with its first snapshot over HTTP (snapshotSource: httpSnapshots()), in a fresh page each run:',
    );
    out.push(
      renderTable(
        [
          { header: 'run', align: 'left' },
          { header: 'table()→caught_up s' },
          { header: 'socket resumed s' },
          { header: 'wire bytes (HTTP + socket)' },
          { header: 'wire/raw' },
          { header: 'main thread ms (script)' },
          { header: 'long tasks (max ms)' },
          { header: 'ok' },
        ],
        [
          ...input.httpResults.map((r) => [
            String(r.run),
            Number.isFinite(r.seconds) ? r.seconds.toFixed(3) : '—',
            r.socketSnapshotEndSeconds == null ? '—' : r.socketSnapshotEndSeconds.toFixed(3),
            fmtBytes(r.bridgeBytesSent),
            fmtRatio(r.bridgeBytesSent / payload.finalPayloadBytes),
            ...browserCells(r),
          ]),
          [
            'median',
            h.medianSeconds.toFixed(3),
            h.medianSocketResumedSeconds.toFixed(3),
            fmtBytes(h.medianWireBytes),
            fmtRatio(h.wireToRawRatio),
            '',
            '',
            `${h.okRuns}/${input.httpResults.length}`,
          ],
        ],
      ),
    );
    out.push(`over HTTP / over the socket = ${fmtRatio(h.overSocketRatio)} (medians, caught_up)`);
  }
  if (summary.bareFloor) {
    const floor = summary.bareFloor;
    out.push('');
    out.push(
      `bare floor (the same frames from a bare ws server; the page only JSON.parses each frame into a Map): ` +
        `${bareRuns.map((r) => (r.ok ? r.seconds.toFixed(3) : '✗')).join(', ')} s; median ${floor.medianSeconds.toFixed(3)} s, ` +
        `main thread ${fmtNumber(floor.medianMainThreadTaskMs, 0)} ms (script ${fmtNumber(floor.medianMainThreadScriptMs, 0)}); ` +
        `tablecast / bare = ${fmtRatio(floor.tablecastOverBare)}`,
    );
  }
  if (summary.transportFloor) {
    const { ws, fetch } = summary.transportFloor;
    const cell = (t: typeof ws) =>
      `median ${t.medianSeconds.toFixed(3)} s (${t.minSeconds.toFixed(3)}–${t.maxSeconds.toFixed(3)}, ${t.okRuns} runs)`;
    out.push(
      `transport only (the same bytes received and dropped, nothing parsed): WebSocket ${cell(ws)}; ` +
        `one fetch body read as text ${cell(fetch)}`,
    );
  }
  out.push('');
  out.push(
    'subscribe→caught_up: client.table() until whenCaughtUp() resolves, in the client process (includes ' +
      'connect and welcome). wire bytes: payload of every frame the client received (WebSocket framing adds ' +
      `2–10 B/frame); the bridge's metrics.bytesSent delta agrees: ${fmtBytes(medBridgeBytes)}. ` +
      'bridge snapshot ms: from sending snapshot-begin to sending snapshot-end in the bridge process; ' +
      'parts are produced as the socket drains, so this is paced by the reader (--client raw: the bridge alone). ' +
      "main thread ms (Chromium): the page's main thread busy in tasks over the run, and in script within them " +
      "(the rest is the browser's own work, such as reading the socket and building the message strings).",
  );
  return { summary, text: `${out.join('\n')}\n` };
}
