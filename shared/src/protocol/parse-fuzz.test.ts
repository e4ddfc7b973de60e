import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './encode-message.js';
import { parseClientMessage } from './parse-client-message.js';
import { parseServerMessage } from './parse-server-message.js';
import { ProtocolError } from './protocol-error.js';

const parsers = [
  ['parseClientMessage', parseClientMessage],
  ['parseServerMessage', parseServerMessage],
] as const;

// Valid messages of every type, then mutated: random JSON rarely gets past the type check, these
// reach every field's checks.
const name = fc.string({ minLength: 1, maxLength: 6 });
const position = fc.record({ topicId: name, offsets: fc.array(fc.nat(), { maxLength: 4 }) });
const json = fc.jsonValue({ maxDepth: 1 });
const wire = fc.oneof(fc.tuple(json), fc.tuple(json, fc.dictionary(fc.string(), json)));
const sets = fc.array(fc.tuple(fc.string(), wire), { maxLength: 4 });
const deletes = fc.array(fc.string(), { maxLength: 4 });
const status = fc.constantFrom('unstarted', 'loading', 'caught_up', 'degraded', 'failed');
const filter = fc.oneof(
  fc.record({ keys: fc.array(fc.string(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ prefix: name }),
);
const optional = { requiredKeys: [] };

const validMessage = fc.oneof(
  fc.record(
    { type: fc.constant('subscribe'), sub: name, table: name, position, filter },
    { requiredKeys: ['type', 'sub', 'table'] },
  ),
  fc.record({ type: fc.constant('unsubscribe'), sub: name }),
  fc.record({ type: fc.constant('welcome'), version: fc.constant(1), bridge: name }),
  fc.record({
    type: fc.constant('snapshot-begin'),
    sub: name,
    table: name,
    mode: fc.constantFrom('reset', 'resume'),
  }),
  fc.record({ type: fc.constant('snapshot-part'), sub: name, sets, deletes }),
  fc.record({ type: fc.constant('snapshot-end'), sub: name, position, status }),
  fc
    .tuple(fc.constantFrom('table', 'sub'), name, sets, deletes, position)
    .map(([to, target, s, d, p]) => ({
      type: 'delta',
      [to]: target,
      sets: s,
      deletes: d,
      position: p,
    })),
  fc.record(
    { type: fc.constant('status'), table: name, status, reason: fc.string() },
    { requiredKeys: ['type', 'table', 'status'] },
  ),
  fc.record({ type: fc.constant('unsubscribed'), sub: name }),
  fc.record(
    {
      type: fc.constant('error'),
      code: fc.constantFrom('BAD_MESSAGE', 'OVERLOADED', 'SOMETHING_NEW'),
      message: fc.string(),
      sub: name,
    },
    { requiredKeys: ['type', 'code', 'message'] },
  ),
  fc.record(
    { type: fc.constant('goaway'), reason: fc.string(), retryAfterMs: fc.nat() },
    { requiredKeys: ['type', 'reason'] },
  ),
);

const badValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', -1, 1.5, 2 ** 53, null, [], {}, 'x'.repeat(257)),
  fc.record({ topicId: fc.string(), offsets: fc.array(fc.integer({ min: -2, max: 5 })) }, optional),
  fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.oneof(wire, json)), { maxLength: 3 }),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.record({ keys: fc.array(fc.oneof(fc.string(), fc.integer())), prefix: fc.string() }, optional),
);
const fieldName = fc.constantFrom('type', 'sub', 'table', 'position', 'sets', 'extra', 'offsets');

const mutated = fc
  .tuple(validMessage, fc.array(fc.tuple(fieldName, fc.option(badValue)), { maxLength: 2 }))
  .map(([message, mutations]) => {
    const fields: Record<string, unknown> = { ...message };
    for (const [field, value] of mutations) {
      if (value === null) delete fields[field];
      else fields[field] = value;
    }
    return JSON.stringify(fields);
  });

const frames = fc.oneof(
  fc.string(),
  fc.json(),
  validMessage.map((message) => JSON.stringify(message)),
  mutated,
  mutated,
);

describe.each(parsers)('%s', (_, parse) => {
  it('throws nothing but ProtocolError, and what it accepts survives a re-encode', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        let message: ReturnType<typeof parse>;
        try {
          message = parse(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect(['BAD_MESSAGE', 'PROTOCOL_VERSION']).toContain((error as ProtocolError).code);
          return;
        }
        expect(parse(encodeMessage(message))).toEqual(message);
      }),
      { numRuns: 3000 },
    );
  });
});
