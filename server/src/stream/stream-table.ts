import { randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Codec } from '../../../shared/src/codecs/codec.js';
import { json } from '../../../shared/src/codecs/json.js';
import { KafkaTable } from '../kafka-table.js';
import { type KafkaTableOptions, validatePositiveInteger } from '../kafka-table-options.js';
import type { TableKind } from '../table-kind.js';
import type { StreamRow } from './stream-row.js';
import { type StreamStart, streamStartOffsets, validateStreamStart } from './stream-start.js';
import { StreamState } from './stream-state.js';

/** What a stream table does not take from KafkaTableOptions: it never creates or checks its topic. */
type NotForStreams =
  | 'valueCodec'
  | 'ensureTopic'
  | 'topicConfigs'
  | 'numPartitions'
  | 'onPolicyMismatch';

export interface StreamTableOptions<T> extends Omit<KafkaTableOptions<T>, NotForStreams> {
  /** Decodes each record's value; a value that does not decode is counted and its record skipped. */
  readonly valueCodec: Codec<T>;
  /** How many rows the table holds; the oldest arrival leaves first. Default 1000. */
  readonly limit?: number;
  /** Rows older than stream time minus this leave (stream time: the highest record time seen). */
  readonly retainMs?: number;
  /** Where each partition starts. Default `{ lastPerPartition: limit }`: enough to fill the ring. */
  readonly start?: StreamStart;
  /** Put each record's headers (as UTF-8 text) in its row. Default false. */
  readonly headers?: boolean;
}

export const DEFAULT_STREAM_LIMIT = 1000;

/**
 * A topic (compacted or not, never created or checked) read as a live window of its recent
 * records: each record is a row `{ key, value, timestamp, partition, offset, headers? }` under
 * the row id `"<partition>:<offset>"`. The ring keeps the last `limit` rows, and with `retainMs`
 * only those of the last period. `caught_up` once the range chosen at start has been read.
 *
 * A ring's content depends on when it started, so its positions are only meaningful to this
 * table: `topicId` is the topic's id plus this ring's own id, and a client resuming with a
 * position from another bridge (or from before a restart) is reset rather than resumed.
 */
export class StreamTable<T> extends KafkaTable<StreamRow<T>> {
  constructor(options: StreamTableOptions<T>) {
    const { limit = DEFAULT_STREAM_LIMIT, retainMs, headers, valueCodec, ...rest } = options;
    validatePositiveInteger('limit', limit);
    if (retainMs !== undefined) validatePositiveInteger('retainMs', retainMs);
    if (headers !== undefined && typeof headers !== 'boolean') {
      throw new TypeError('headers must be true or false.');
    }
    const start = options.start ?? { lastPerPartition: limit };
    validateStreamStart(start);
    const kind: TableKind<StreamRow<T>> = {
      createState: (context) => new StreamState(context, { valueCodec, limit, retainMs, headers }),
      startAt: (offsets, source, topic) => streamStartOffsets(start, offsets, source, topic),
      headers: headers === true,
      compacted: false,
      identity: ringIdentity(),
    };
    // Rows are stored by the state from the value codec; the table-level codec only has to pass
    // validation and is never used to decode.
    // A valid resume needs at most `limit` deletes (the rows the client held); any more and a row
    // that arrived after its position is gone, which resets it anyway. So the history is the
    // ring's size, not the 100k a compacted table keeps.
    super(
      {
        ...rest,
        valueCodec: json<StreamRow<T>>(),
        ensureTopic: false,
        tombstoneHistory: options.tombstoneHistory ?? limit,
      },
      kind,
    );
  }

  /** A stream of JSON values, validated and typed by a Standard Schema when given. */
  static override json<S extends StandardSchemaV1>(
    options: Omit<StreamTableOptions<unknown>, 'valueCodec'> & { readonly schema: S },
  ): StreamTable<StandardSchemaV1.InferOutput<S>>;
  static override json<T = unknown>(
    options: Omit<StreamTableOptions<T>, 'valueCodec'>,
  ): StreamTable<T>;
  static override json(
    options: Omit<StreamTableOptions<unknown>, 'valueCodec'> & {
      readonly schema?: StandardSchemaV1;
    },
  ): StreamTable<unknown> {
    const { schema, ...rest } = options;
    return new StreamTable({ ...rest, valueCodec: schema ? json({ schema }) : json() });
  }
}

/** `<topicId>/ring-<id>`: positions of this ring only, see the class comment. */
function ringIdentity(): (topicId: string) => string {
  const ring = randomUUID().slice(0, 8);
  return (topicId) => `${topicId}/ring-${ring}`;
}
