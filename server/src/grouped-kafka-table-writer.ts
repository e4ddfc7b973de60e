import {
  type CompositeKeyCodec,
  defaultCompositeKeyCodec,
} from '../../shared/src/codecs/composite-key.js';
import type { GroupedKafkaTable } from './grouped-kafka-table.js';
import type { KafkaTableWriter } from './kafka-table-writer.js';
import type { LogPosition } from './table-types.js';

/**
 * Writes the members of a grouped table (see `GroupedKafkaTable`), as the Python ktables
 * `GroupedKafkaTableWriter` does: `set` upserts one member under its composite key and
 * `delete` tombstones it. Every member is its own key, so independent writers of one group
 * never overwrite each other. Composes a `KafkaTableWriter`, which keeps its own guarantees
 * (acks=all, idempotence, murmur2 partitioning); the keys go through its UTF-8 key codec.
 */
export class GroupedKafkaTableWriter<V> {
  readonly writer: KafkaTableWriter<V>;
  readonly keyCodec: CompositeKeyCodec;

  constructor(
    writer: KafkaTableWriter<V>,
    options: { readonly keyCodec?: CompositeKeyCodec } = {},
  ) {
    this.writer = writer;
    this.keyCodec = options.keyCodec ?? defaultCompositeKeyCodec;
  }

  get topic(): string {
    return this.writer.topic;
  }

  start(): Promise<void> {
    return this.writer.start();
  }

  stop(): Promise<void> {
    return this.writer.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Upserts one member; resolves with where it landed once the broker acked it. */
  set(group: string, member: string, value: V): Promise<LogPosition> {
    return this.writer.set(this.#key(group, member), value);
  }

  /** Tombstones one member; its group disappears with its last member. */
  delete(group: string, member: string): Promise<LogPosition> {
    return this.writer.delete(this.#key(group, member));
  }

  /**
   * Tombstones every member `table` holds for `group` now. Not atomic: a member another writer
   * adds meanwhile survives, and readers may see the group shrink member by member.
   */
  async deleteGroup(group: string, table: GroupedKafkaTable<unknown>): Promise<LogPosition[]> {
    const members = [...table.members(group).keys()];
    return Promise.all(members.map((member) => this.delete(group, member)));
  }

  #key(group: string, member: string): string {
    if (typeof group !== 'string' || typeof member !== 'string') {
      throw new TypeError(
        `Groups and members are strings, got ${typeof group} and ${typeof member}.`,
      );
    }
    return this.keyCodec.encode(group, member);
  }
}
