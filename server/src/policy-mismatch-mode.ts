/**
 * What to do with an existing topic whose cleanup.policy lacks `compact`: 'warn' logs and goes
 * on, 'raise' throws TopicPolicyError, 'reconcile' adds `compact` and keeps the topic's other
 * explicit settings. A leaf module: table options and ensureTopic both need it.
 */
export type PolicyMismatchMode = 'warn' | 'raise' | 'reconcile';
