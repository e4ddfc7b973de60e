/**
 * Thrown by a codec's `decode` when the bytes cannot become a value. Tables catch it, count a
 * decode error and keep the previous value, so the message must say enough to find the bad record
 * without the bytes at hand.
 */
export class CodecError extends Error {
  /** Stable across bundlers and realms, where `instanceof` checks can fail. */
  readonly code = 'CODEC_ERROR' as const;
  /** `name` of the codec that failed. */
  readonly codec: string;

  constructor(codec: string, message: string, options?: { cause?: unknown }) {
    super(`${codec} codec: ${message}`, options);
    this.name = 'CodecError';
    this.codec = codec;
  }
}
