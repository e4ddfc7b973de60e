/**
 * Reads a Chrome trace of a page (`--page-trace` of the initial-load benchmark, through
 * bench/lib/browser-load.ts) for where its long tasks went: every main-thread task over a
 * threshold, with the trace events inside it summed by name and the time the thread was on a
 * CPU, and V8's collections over the run with their pauses, the main thread's CPU time in each,
 * and its helper threads' time.
 */

export interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  /** Time the thread was on a CPU within the event (wall time is `dur`). */
  readonly tdur?: number;
  readonly args?: Record<string, unknown>;
}

export interface LongTask {
  readonly atMs: number;
  readonly durationMs: number;
  /** NaN when the trace has no thread times. */
  readonly cpuMs: number;
  /** The events inside the task (instant ones count 0 ms), summed by name, longest first. */
  readonly inside: ReadonlyArray<{
    readonly name: string;
    readonly ms: number;
    readonly count: number;
  }>;
}

export interface Collection {
  readonly kind: 'scavenge' | 'mark-compact' | string;
  readonly pauseMs: number;
  /** The main thread's time on a CPU during the pause. */
  readonly cpuMs: number;
  /** V8's helper threads' time on it (for a mark-compact, its concurrent marking too). */
  readonly helperMs: number;
}

export interface PageTrace {
  readonly tasks: number;
  readonly longestTaskMs: number;
  readonly longTasks: readonly LongTask[];
  readonly collections: readonly Collection[];
}

/** The events of a trace file's text (Chrome writes `{ traceEvents }` or a bare array). */
export function traceEvents(text: string): TraceEvent[] {
  const parsed = JSON.parse(text) as { traceEvents: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : parsed.traceEvents;
}

export function readPageTrace(events: readonly TraceEvent[], overMs = 50): PageTrace {
  const threadNames = new Map<string, string>();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') {
      threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name ?? ''));
    }
  }
  const mainThreads = new Set(
    [...threadNames].filter(([, name]) => name === 'CrRendererMain').map(([id]) => id),
  );
  const onMain = (e: TraceEvent) => mainThreads.has(`${e.pid}:${e.tid}`);
  const complete = events.filter((e) => e.ph === 'X' && e.dur !== undefined);
  // What a task may hold: complete events, and instant ones (console.timeStamp, marks).
  const marked = events.filter(
    (e) => (e.ph === 'X' && e.dur !== undefined) || e.ph === 'I' || e.ph === 'i',
  );
  // A task is a RunTask or ThreadControllerImpl::RunTask not inside another: Chrome nests the
  // second in the first, and some tasks have only one of them.
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of complete) {
    if (!onMain(e) || (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask'))
      continue;
    const key = `${e.pid}:${e.tid}`;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  const tasks: TraceEvent[] = [];
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    let end = Number.NEGATIVE_INFINITY;
    for (const e of list) {
      if (e.ts < end) continue;
      tasks.push(e);
      end = e.ts + (e.dur ?? 0);
    }
  }
  tasks.sort((a, b) => a.ts - b.ts);
  const first = tasks[0]?.ts ?? 0;
  const longTasks = tasks
    .filter((t) => (t.dur ?? 0) > overMs * 1000)
    .map((task): LongTask => {
      const end = task.ts + (task.dur ?? 0);
      const byName = new Map<string, { ms: number; count: number }>();
      for (const e of marked) {
        if (e === task || e.pid !== task.pid || e.tid !== task.tid) continue;
        if (e.ts < task.ts || e.ts + (e.dur ?? 0) > end) continue;
        const row = byName.get(e.name) ?? { ms: 0, count: 0 };
        row.ms += (e.dur ?? 0) / 1000;
        row.count++;
        byName.set(e.name, row);
      }
      return {
        atMs: (task.ts - first) / 1000,
        durationMs: (task.dur ?? 0) / 1000,
        cpuMs: (task.tdur ?? Number.NaN) / 1000,
        inside: [...byName].map(([name, row]) => ({ name, ...row })).sort((a, b) => b.ms - a.ms),
      };
    });
  // V8 logs each collection once (V8.GCTraceGCNVP) with its pause and its helper threads'
  // time; the enclosing MinorGC/MajorGC event carries the main thread's CPU time.
  const pauses = complete.filter(
    (e) => onMain(e) && (e.name === 'MinorGC' || e.name === 'MajorGC'),
  );
  const collections: Collection[] = [];
  for (const e of events) {
    if (e.name !== 'V8.GCTraceGCNVP' || !onMain(e)) continue;
    const nvp = JSON.parse(String(e.args?.value ?? '{}')) as Record<string, unknown>;
    const num = (name: string) => (typeof nvp[name] === 'number' ? (nvp[name] as number) : 0);
    const outer = pauses.find((g) => g.ts <= e.ts && e.ts <= g.ts + (g.dur ?? 0));
    collections.push({
      kind: nvp.gc === 's' ? 'scavenge' : nvp.gc === 'mc' ? 'mark-compact' : String(nvp.gc),
      pauseMs: num('pause'),
      cpuMs: (outer?.tdur ?? Number.NaN) / 1000,
      helperMs: Object.keys(nvp)
        .filter((name) => name.startsWith('background.'))
        .reduce((sum, name) => sum + num(name), 0),
    });
  }
  return {
    tasks: tasks.length,
    longestTaskMs: tasks.reduce((max, t) => Math.max(max, (t.dur ?? 0) / 1000), 0),
    longTasks,
    collections,
  };
}

/** The report as text, for a reader. */
export function pageTraceText(trace: PageTrace, overMs = 50): string {
  const lines: string[] = [];
  const f = (n: number) => n.toFixed(1);
  lines.push(
    `${trace.tasks} main-thread tasks, ${trace.longTasks.length} over ${overMs} ms; ` +
      `longest ${f(trace.longestTaskMs)} ms`,
  );
  for (const task of trace.longTasks) {
    lines.push(
      '',
      `task at ${f(task.atMs)} ms: ${f(task.durationMs)} ms, ${f(task.cpuMs)} ms of it on a CPU`,
    );
    for (const row of task.inside.slice(0, 14)) {
      lines.push(`  ${f(row.ms).padStart(8)} ms  ×${String(row.count).padEnd(5)} ${row.name}`);
    }
  }
  lines.push(
    '',
    'collections on the main thread: count, pauses (total, longest); of the longest, the time ' +
      "the main thread was on a CPU and its helper threads' time (concurrent marking included)",
  );
  for (const kind of new Set(trace.collections.map((c) => c.kind))) {
    const rows = trace.collections.filter((c) => c.kind === kind);
    const longest = rows.reduce((a, b) => (b.pauseMs > a.pauseMs ? b : a));
    const total = rows.reduce((sum, c) => sum + c.pauseMs, 0);
    lines.push(
      `  ${kind.padEnd(13)} ×${String(rows.length).padEnd(4)} ${total.toFixed(0).padStart(6)} ms, ` +
        `longest ${f(longest.pauseMs)} ms: ${f(longest.cpuMs)} ms on a CPU, ` +
        `helpers ${f(longest.helperMs)} ms`,
    );
  }
  const over = trace.collections.filter((c) => c.pauseMs > overMs);
  if (over.length > 0) {
    lines.push(`pauses over ${overMs} ms (pause / main thread on a CPU / helper threads, ms):`);
    for (const c of over) {
      lines.push(`  ${c.kind.padEnd(13)} ${[c.pauseMs, c.cpuMs, c.helperMs].map(f).join(' / ')}`);
    }
  }
  return lines.join('\n');
}
