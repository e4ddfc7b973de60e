import { HTTP_SNAPSHOT_SUB } from '../../../shared/src/protocol/messages.js';
import { parseServerMessage } from '../../../shared/src/protocol/parse-server-message.js';
import { scanSnapshotPart } from '../../../shared/src/protocol/scan-snapshot-part.js';
import { quote } from '../../../shared/src/protocol/validate.js';
import { TablecastClientError } from '../errors.js';
import { FRAME_BUDGET_CHARS, type NextTask, nextTask } from '../frame-pump.js';
import { SnapshotBuffer } from '../snapshot-buffer.js';
import type { SnapshotBody } from '../snapshot-source.js';
import type { WireValues } from '../wire-values.js';

/**
 * Reads the body of `GET /tables/:name?format=snapshot` (PROTOCOL.md §19): lines of bridge
 * messages, a `snapshot-begin` (again when the bridge restarts the snapshot), parts, and a
 * `snapshot-end`. Each line is checked by the protocol's own parser and its values decoded as
 * they arrive, at most about FRAME_BUDGET_CHARS of them per task (a browser may hold megabytes
 * of body ready at once), into a chunked map that nobody sees before the end.
 *
 * Resolves only with a complete snapshot: a body that ends, is cut, or holds anything else
 * rejects with a `PROTOCOL` error, and nothing of it is kept (I16); so does a line longer than
 * `maxLineChars` (the client's `maxMessageBytes`: a character is at least a byte), so a body
 * that never ends its line cannot grow without bound. `chunk` is called for every piece of body
 * received (the client's stall timer).
 */
export async function readSnapshotBody<V>(
  body: ReadableStream<Uint8Array>,
  table: string,
  values: WireValues,
  chunk: () => void,
  maxLineChars: number = Number.POSITIVE_INFINITY,
  next: NextTask = nextTask,
): Promise<SnapshotBody<V>> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines = new SnapshotLines<V>(table, values);
  // Pieces of a line not ended yet: joined once its newline arrives, so a line that spans many
  // reads is copied once.
  let pieces: string[] = [];
  let pending = 0;
  let spent = 0;
  /** Waits for the next task once a budget of work was done in this one. */
  const pace = async (work: number) => {
    spent += work;
    if (spent < FRAME_BUDGET_CHARS) return;
    spent = 0;
    await new Promise<void>((resolve) => next(resolve));
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (!done) chunk();
      // One read may hold megabytes (the page's profile had 14–17 ms of decoding in tasks of
      // 50–60 ms): a read is decoded a slice at a time, inside the same per-task budget as the
      // lines it ends (a byte decoded costs about a quarter of a character handled, as profiled).
      const bytes = value ?? EMPTY;
      let from = 0;
      do {
        let to = Math.min(bytes.length, from + DECODE_SLICE_BYTES);
        // Cut after the slice's last newline where it has one (in UTF-8 that byte is only
        // ever a newline), so a line is rarely split between two texts to be joined: a copy.
        const newline = to < bytes.length ? bytes.subarray(from, to).lastIndexOf(0x0a) : -1;
        if (newline !== -1) to = from + newline + 1;
        const text = decoder.decode(bytes.subarray(from, to), {
          stream: !(done && to === bytes.length),
        });
        await pace((to - from) / 4);
        from = to;
        let start = 0;
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
          pieces.push(text.slice(start, end));
          const line = pieces.length === 1 ? pieces[0]! : pieces.join('');
          pieces = [];
          pending = 0;
          start = end + 1;
          if (line.length > maxLineChars) throw failure(table, tooLong(maxLineChars));
          lines.take(line);
          await pace(line.length);
        }
        if (start < text.length) {
          pieces.push(text.slice(start));
          pending += text.length - start;
          if (pending > maxLineChars) throw failure(table, tooLong(maxLineChars));
        }
      } while (from < bytes.length);
      if (done) break;
    }
  } catch (cause) {
    // The rest of the body is not wanted: stop the download too.
    reader.cancel(cause).catch(() => {});
    throw cause instanceof TablecastClientError
      ? cause
      : failure(table, `its body could not be read: ${String(cause)}`, cause);
  } finally {
    reader.releaseLock();
  }
  if (pieces.join('') !== '') lines.take(pieces.join(''));
  return lines.result();
}

const EMPTY = new Uint8Array(0);
/** Bytes decoded at once: well under a millisecond in Chromium, a quarter of a task's budget. */
const DECODE_SLICE_BYTES = FRAME_BUDGET_CHARS;

/** Checks the sequence of lines and builds the map (a separate job from reading the stream). */
class SnapshotLines<V> {
  readonly #table: string;
  readonly #values: WireValues;
  /** The parts since the last snapshot-begin; undefined before the first. */
  #buffer: SnapshotBuffer<V> | undefined;
  #end: SnapshotBody<V> | undefined;

  constructor(table: string, values: WireValues) {
    this.#table = table;
    this.#values = values;
  }

  take(line: string): void {
    if (line === '') return;
    if (this.#end !== undefined) throw failure(this.#table, 'it has lines after its snapshot-end');
    // Parts of plain values keep their objects as text (see MessageRouter.handle).
    const part = this.#values.plainAsIs === true ? scanSnapshotPart(line) : undefined;
    if (part !== undefined) {
      if (part.sub !== HTTP_SNAPSHOT_SUB) {
        throw failure(this.#table, 'it holds a snapshot-part that is not for sub "http"');
      }
      this.#repeated(this.#started('snapshot-part').addScanned(part));
      return;
    }
    let message: ReturnType<typeof parseServerMessage>;
    try {
      message = parseServerMessage(line);
    } catch (cause) {
      throw failure(this.#table, `a line is not a bridge message: ${String(cause)}`, cause);
    }
    if (!('sub' in message) || message.sub !== HTTP_SNAPSHOT_SUB) {
      throw failure(this.#table, `it holds a ${message.type} that is not for sub "http"`);
    }
    switch (message.type) {
      case 'snapshot-begin':
        if (message.table !== this.#table || message.mode !== 'reset') {
          throw failure(
            this.#table,
            `it begins a ${message.mode} snapshot of table "${message.table}"`,
          );
        }
        // Again after parts: the bridge restarted the snapshot, the parts so far are dropped.
        this.#buffer = new SnapshotBuffer<V>();
        return;
      case 'snapshot-part': {
        const buffer = this.#started(message.type);
        const { fromWire } = this.#values;
        let sets: [string, V][];
        try {
          sets = message.sets.map(([key, wire]) => [key, fromWire(wire) as V]);
        } catch (cause) {
          throw failure(this.#table, `a value does not decode: ${String(cause)}`, cause);
        }
        this.#repeated(buffer.add(sets, message.deletes));
        return;
      }
      case 'snapshot-end':
        this.#end = {
          map: this.#started(message.type).sets,
          position: message.position,
          status: message.status,
        };
        return;
      default:
        throw failure(this.#table, `it holds a ${message.type}`);
    }
  }

  result(): SnapshotBody<V> {
    if (this.#end === undefined) throw failure(this.#table, 'its body ended before snapshot-end');
    return this.#end;
  }

  #started(type: string): SnapshotBuffer<V> {
    if (this.#buffer === undefined) throw failure(this.#table, `a ${type} comes before its begin`);
    return this.#buffer;
  }

  /** I11: a key named twice in one snapshot voids it. */
  #repeated(key: string | undefined): void {
    if (key !== undefined) {
      throw failure(this.#table, `it names key ${quote(key)} twice (I11)`);
    }
  }
}

const tooLong = (max: number) => `a line is longer than maxMessageBytes (${max})`;

function failure(table: string, what: string, cause?: unknown): TablecastClientError {
  return new TablecastClientError('PROTOCOL', `The HTTP snapshot of table "${table}": ${what}`, {
    table,
    ...(cause === undefined ? {} : { cause }),
  });
}
