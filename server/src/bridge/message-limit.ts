import type { ClientMessage } from '../../../shared/src/protocol/index.js';
import { TokenBucket } from './token-bucket.js';

/**
 * What to do with one client message: `admit` it (under the limit), `honour` it although over
 * the limit (an unsubscribe frees resources), `refuse` it, or `close` the socket.
 */
export type MessageVerdict = 'admit' | 'honour' | 'refuse' | 'close';

/**
 * The per-socket rate limit on client messages: a token bucket of `burst` refilled at
 * `perSecond`. A socket that sends more than `burst` messages in a row past the limit is to be
 * closed, honoured unsubscribes included: each costs the bridge a reply, so a flood of them is a
 * flood like any other.
 */
export class MessageLimit {
  readonly #bucket: TokenBucket;
  readonly #burst: number;
  #overInARow = 0;

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#bucket = new TokenBucket(burst, perSecond);
  }

  verdict(message: ClientMessage | undefined): MessageVerdict {
    if (this.#bucket.take()) {
      this.#overInARow = 0;
      return 'admit';
    }
    if (++this.#overInARow > this.#burst) return 'close';
    return message?.type === 'unsubscribe' ? 'honour' : 'refuse';
  }
}
