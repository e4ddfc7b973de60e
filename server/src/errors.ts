/**
 * Every error tablecast raises on purpose is a TablecastError with a stable `code`, so callers
 * can branch on `error.code` instead of matching messages.
 */
export type TablecastErrorCode =
  | 'TABLE_NOT_STARTED'
  | 'TABLE_ALREADY_STARTED'
  | 'TABLE_STOPPED'
  | 'TABLE_FAILED'
  | 'TOPIC_NOT_FOUND'
  | 'TOPIC_POLICY_MISMATCH'
  | 'WRITER_NOT_STARTED'
  | 'WRITER_STOPPED'
  | 'TOPIC_RECREATED'
  | 'KAFKA_ERROR'
  | 'KAFKA_AUTH_FAILED'
  | 'KAFKA_NOT_AUTHORIZED'
  | 'KAFKA_TLS_ERROR'
  | 'KAFKA_PROTOCOL_ERROR';

export class TablecastError extends Error {
  readonly code: TablecastErrorCode;

  constructor(code: TablecastErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class TopicNotFoundError extends TablecastError {
  readonly topic: string;
  constructor(topic: string, options?: { cause?: unknown }) {
    super(
      'TOPIC_NOT_FOUND',
      `Topic "${topic}" does not exist. Create it (ensureTopic) or enable ensureTopic.`,
      options,
    );
    this.topic = topic;
  }
}

export class TopicPolicyError extends TablecastError {
  readonly topic: string;
  readonly cleanupPolicy: string;
  constructor(topic: string, cleanupPolicy: string) {
    super(
      'TOPIC_POLICY_MISMATCH',
      `Topic "${topic}" has cleanup.policy=${cleanupPolicy}; a table needs "compact" or old keys ` +
        'are evicted by retention. Set cleanup.policy=compact, or pass ' +
        "onPolicyMismatch: 'reconcile' to let tablecast do it.",
    );
    this.topic = topic;
    this.cleanupPolicy = cleanupPolicy;
  }
}

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new TablecastError('KAFKA_ERROR', `Non-error thrown: ${String(value)}`, { cause: value });
}
