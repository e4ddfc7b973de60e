import fc from 'fast-check';

/** One write to a string-keyed table under test (keys `k0`…), or a copy of it. */
export type KeyOp =
  | { op: 'set'; key: number; value: number }
  | { op: 'delete'; key: number }
  | { op: 'clone' };

/** Sequences of writes over keys 0…`maxKey`, mostly sets, now and then a copy. */
export function keyOps(maxKey: number, maxLength: number): fc.Arbitrary<KeyOp[]> {
  return fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          op: fc.constant('set' as const),
          key: fc.nat(maxKey),
          value: fc.nat(9),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.nat(maxKey) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('clone' as const) }) },
    ),
    { maxLength },
  );
}
