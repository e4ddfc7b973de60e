import type { WriteMessage, WriteResultMessage } from '../../../shared/src/protocol/index.js';
import { TokenBucket } from './token-bucket.js';

/**
 * One connection's own rate limit on writes (PROTOCOL.md §16): `maxWritesPerSecond`, with a
 * burst of twice that, apart from the limit on all client messages.
 */
export class WriteLimit {
  readonly #bucket: TokenBucket;
  readonly #perSecond: number;

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
    this.#bucket = new TokenBucket(2 * perSecond, perSecond);
  }

  /** The answer to a write over the limit; undefined when the write may go on. */
  refusal(message: WriteMessage): WriteResultMessage | undefined {
    if (this.#bucket.take()) return undefined;
    return refusedWrite(
      message,
      `At most ${this.#perSecond} writes per second per connection; retry later.`,
    );
  }
}

/** A write refused for its rate, before it reached the write service. */
export function refusedWrite(message: WriteMessage, text: string): WriteResultMessage {
  return { type: 'write-result', id: message.id, ok: false, code: 'RATE_LIMITED', message: text };
}
