import { type Accumulator, type AggregateOp, accumulator } from './aggregate-op.js';

/**
 * Windows on record time. Tumbling when `advanceMs` is absent (or equals `sizeMs`), hopping
 * otherwise: a record counts in every window `[start, start + sizeMs)` that holds its timestamp,
 * with starts at multiples of `advanceMs` since the epoch.
 *
 * Time is the stream's time: the highest record timestamp seen, never the wall clock, so a
 * replay of the same log rebuilds the same windows.
 */
export interface WindowSpec {
  readonly sizeMs: number;
  readonly advanceMs?: number;
  /**
   * How long a window stays kept after its end (Faust's `expires`); past it the window is
   * dropped and reported deleted. Default `sizeMs`.
   */
  readonly retainMs?: number;
  /**
   * How late a record may arrive: a record is dropped from a window once stream time has passed
   * the window's end by more than this. Default: as long as the window is kept, as in Faust,
   * which takes late records until a window expires.
   */
  readonly graceMs?: number;
}

export interface WindowedSpec<V> {
  readonly window: WindowSpec;
  readonly groupBy: (value: V, key: string | null) => string | undefined;
  readonly op: AggregateOp;
  readonly field?: (value: V) => unknown;
}

/** What a window key of an aggregate table holds. */
export interface WindowValue {
  readonly group: string;
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

export interface WindowChange {
  readonly key: string;
  /** Undefined when the window expired. */
  readonly value: WindowValue | undefined;
}

interface Window {
  readonly group: string;
  readonly start: number;
  readonly acc: Accumulator;
}

/** The table key of a group's window: the group, then the window's start in ISO 8601 (UTC). */
export function windowKey(group: string, start: number): string {
  return `${group}@${isoTime(start)}`;
}

/**
 * Formatting a date is most of a windowed record's cost, and the same few window starts come up
 * again and again, so their texts are kept (a bounded set, dropped whole when full).
 */
const isoTimes = new Map<number, string>();

function isoTime(ms: number): string {
  let text = isoTimes.get(ms);
  if (text === undefined) {
    if (isoTimes.size >= 4_096) isoTimes.clear();
    text = new Date(ms).toISOString();
    isoTimes.set(ms, text);
  }
  return text;
}

/** Windowed aggregates of a stream of records. No I/O; fed in log order, per partition. */
export class WindowState<V> {
  readonly #windows = new Map<string, Window>();
  readonly #dirty = new Set<string>();
  readonly #size: number;
  readonly #advance: number;
  readonly #retain: number;
  readonly #grace: number;
  #nextExpiry = Number.POSITIVE_INFINITY;
  streamTime = Number.NEGATIVE_INFINITY;
  lateRecords = 0;

  constructor(readonly spec: WindowedSpec<V>) {
    const { sizeMs, advanceMs = sizeMs, retainMs = sizeMs } = spec.window;
    for (const [name, ms] of Object.entries({ sizeMs, advanceMs, retainMs })) {
      if (!Number.isInteger(ms) || ms <= 0) {
        throw new RangeError(`window.${name} must be a positive integer, got ${String(ms)}.`);
      }
    }
    if (advanceMs > sizeMs) {
      throw new RangeError(
        'window.advanceMs must not exceed sizeMs: records would fall between windows.',
      );
    }
    const graceMs = spec.window.graceMs ?? retainMs;
    if (!Number.isInteger(graceMs) || graceMs < 0 || graceMs > retainMs) {
      throw new RangeError(
        `window.graceMs must be an integer from 0 to retainMs, got ${String(graceMs)}.`,
      );
    }
    this.#size = sizeMs;
    this.#advance = advanceMs;
    this.#retain = retainMs;
    this.#grace = graceMs;
  }

  apply(key: string | null, value: V, timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp;
    const group = this.spec.groupBy(value, key);
    if (group !== undefined) this.#add(group, value, timestamp);
    this.#expire();
  }

  #add(group: string, value: V, timestamp: number): void {
    let x = 0;
    if (this.spec.op !== 'count') {
      const field = this.spec.field?.(value);
      if (typeof field !== 'number' || !Number.isFinite(field)) return;
      x = field;
    }
    let counted = false;
    const last = Math.floor(timestamp / this.#advance) * this.#advance;
    for (let start = last; start > timestamp - this.#size; start -= this.#advance) {
      if (start + this.#size + this.#grace <= this.streamTime) continue;
      const key = windowKey(group, start);
      let window = this.#windows.get(key);
      if (window === undefined) {
        window = { group, start, acc: accumulator(this.spec.op) };
        this.#windows.set(key, window);
        this.#nextExpiry = Math.min(this.#nextExpiry, start + this.#size + this.#retain);
      }
      window.acc.add(x);
      this.#dirty.add(key);
      counted = true;
    }
    if (!counted) this.lateRecords++;
  }

  #expire(): void {
    // Scanning only when the earliest deadline has passed keeps a record's cost independent of
    // how many windows are open.
    if (this.streamTime < this.#nextExpiry) return;
    this.#nextExpiry = Number.POSITIVE_INFINITY;
    for (const [key, window] of this.#windows) {
      const deadline = window.start + this.#size + this.#retain;
      if (deadline > this.streamTime) {
        this.#nextExpiry = Math.min(this.#nextExpiry, deadline);
        continue;
      }
      this.#windows.delete(key);
      this.#dirty.add(key);
    }
  }

  flush(): WindowChange[] {
    const changes: WindowChange[] = [];
    for (const key of this.#dirty) changes.push({ key, value: this.get(key) });
    this.#dirty.clear();
    return changes;
  }

  get(key: string): WindowValue | undefined {
    const window = this.#windows.get(key);
    if (window === undefined) return undefined;
    return {
      group: window.group,
      start: window.start,
      end: window.start + this.#size,
      value: window.acc.value!,
    };
  }

  /** The running aggregate of one window, to combine with other parts of it. */
  part(key: string): Accumulator | undefined {
    return this.#windows.get(key)?.acc;
  }

  *entries(): IterableIterator<[string, WindowValue]> {
    for (const key of this.#windows.keys()) yield [key, this.get(key)!];
  }
}
