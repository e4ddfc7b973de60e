import type { ChildProcess } from 'node:child_process';

// Safety net for JVMs still running when this process goes away: an 'exit' hook for normal
// termination, and signal hooks that only act when nobody else handles the signal (so the
// default "die" behaviour would otherwise orphan the JVM).
const live = new Set<ChildProcess>();
const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  killAll();
  removeHooks();
  process.kill(process.pid, signal);
}

export function track(child: ChildProcess): void {
  if (live.size === 0) {
    process.once('exit', killAll);
    for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  }
  live.add(child);
  child.once('exit', () => untrack(child));
}

export function untrack(child: ChildProcess): void {
  if (!live.delete(child) || live.size > 0) return;
  removeHooks();
}

function removeHooks(): void {
  process.removeListener('exit', killAll);
  for (const signal of HANDLED_SIGNALS) process.removeListener(signal, onSignal);
}
