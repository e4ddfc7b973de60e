import { describe, expect, it } from 'vitest';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import type { RawClient } from '../../../test/raw-client.js';
import { replay } from '../../../test/raw-client.js';

const bed = bridgeTestBed('sweep');
const { fixture, serve, client } = bed;

/** Subscribes every client to `table` and waits for each snapshot's end. */
async function subscribeAll(clients: readonly RawClient[], table: string): Promise<void> {
  for (const c of clients) c.send({ type: 'subscribe', sub: 's', table });
  await Promise.all(clients.map((c) => c.next('snapshot-end', () => true, 60_000)));
}

describe('bridge: deltas by a sweep', () => {
  it('I2, I5, I6, I11 with hundreds of sockets and joins while changes stream: every socket ends equal to the table', async () => {
    const { writer, table } = await fixture(2);
    for (let i = 0; i < 100; i++) await writer.set(`k${i}`, -1);
    expect(await table.barrier(10_000)).toBe(true);
    const { url } = await serve({ t: table });

    // Enough sockets that a pass spans several slices, so the sweep holds changes back between
    // seals and sockets sit at different points of the log.
    const early = await Promise.all(Array.from({ length: 250 }, () => client(url)));
    await subscribeAll(early, 't');

    const late: RawClient[] = [];
    let joining: Promise<void> | undefined;
    for (let round = 0; round < 30; round++) {
      // Sets and deletes over keys that repeat, so deltas compact and deletes follow sets.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const key = `k${(round * 7 + i) % 120}`;
          return (round + i) % 5 === 0 ? writer.delete(key) : writer.set(key, round * 100 + i);
        }),
      );
      if (round === 10) {
        // Sockets that go live while the sweep is busy: their deltas must never end before their
        // snapshots (the checker fails the test on a position that moves back, I5).
        joining = (async () => {
          const joined = await Promise.all(Array.from({ length: 30 }, () => client(url)));
          late.push(...joined);
          await subscribeAll(joined, 't');
        })();
      }
    }
    await joining;
    expect(await table.barrier(10_000)).toBe(true);
    const want = Object.fromEntries(table.entries());
    const end = table.position;
    for (const c of [...early, ...late]) {
      // Caught up once a delta, or the snapshot itself, is at the table's final position.
      const at = [...c.messages]
        .reverse()
        .find((m) => m.type === 'delta' || m.type === 'snapshot-end');
      if (
        at === undefined ||
        !('position' in at) ||
        JSON.stringify(at.position.offsets) !== JSON.stringify(end)
      ) {
        await c.next('delta', (d) => JSON.stringify(d.position.offsets) === JSON.stringify(end));
      }
      expect(Object.fromEntries(replay(c.messages, 's', 't'))).toEqual(want);
      expect(c.violations).toEqual([]);
    }
  }, 120_000);
});
