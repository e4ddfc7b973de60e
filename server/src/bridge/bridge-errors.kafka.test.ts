import { describe, expect, it } from 'vitest';
import { bridgeTestBed } from '../../../test/bridge-fixtures.js';
import { RawClient } from '../../../test/raw-client.js';

const bed = bridgeTestBed('bridge');
const { fixture, serve, client } = bed;

describe('bridge: errors and limits', () => {
  it('I8, I12: answers bad input with typed errors and keeps serving', async () => {
    const { writer, table } = await fixture();
    await writer.set('a', 1);
    await table.barrier(10_000);
    const { url } = await serve({ t: table }, { maxSubscriptionsPerConnection: 2 });
    const c = await client(url);
    c.send('{not json');
    expect((await c.next('error')).code).toBe('BAD_MESSAGE');
    c.send(JSON.stringify({ type: 'publish', sub: 'x' }));
    expect((await c.next('error')).code).toBe('BAD_MESSAGE');
    c.send({ type: 'subscribe', sub: 'u', table: 'nope' });
    expect(await c.next('error')).toMatchObject({ code: 'UNKNOWN_TABLE', sub: 'u' });
    c.send({ type: 'subscribe', sub: 'a', table: 't' });
    c.send({ type: 'subscribe', sub: 'a', table: 't' });
    expect(await c.next('error')).toMatchObject({ code: 'DUPLICATE_SUBSCRIPTION', sub: 'a' });
    // The same table and filter twice on one socket is refused: it would cost twice for nothing.
    c.send({ type: 'subscribe', sub: 'twin', table: 't' });
    expect(await c.next('error')).toMatchObject({ code: 'DUPLICATE_SUBSCRIPTION', sub: 'twin' });
    c.send({ type: 'subscribe', sub: 'b', table: 't', filter: { prefix: 'a' } });
    c.send({ type: 'subscribe', sub: 'c', table: 't', filter: { prefix: 'b' } });
    expect(await c.next('error')).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', sub: 'c' });
    c.send({ type: 'unsubscribe', sub: 'b' });
    await c.next('unsubscribed', (m) => m.sub === 'b');
    // Still serving on the same socket.
    await writer.set('a', 2);
    await c.next('delta', (d) => d.sets.some(([k]) => k === 'a'));
  });

  it('closes a socket that sends an oversized frame with 1009, and serves other sockets', async () => {
    const { table } = await fixture();
    const { url } = await serve({ t: table }, { maxMessageBytes: 1_024 });
    const big = await client(url);
    const other = await client(url);
    big.send({ type: 'subscribe', sub: 'x'.repeat(10), table: 'x'.repeat(2_000) });
    await big.closed();
    expect(big.closeCode).toBe(1009);
    other.send({ type: 'subscribe', sub: 's', table: 't' });
    await other.next('snapshot-end');
  });

  it('refuses a client without the protocol version with a typed error and close code 4400', async () => {
    const { table } = await fixture();
    const { url } = await serve({ t: table });
    const c = await client(url, { protocol: null });
    expect((await c.next('error')).code).toBe('PROTOCOL_VERSION');
    await c.closed();
    expect(c.closeCode).toBe(4400);
  });

  it('authorizes connections and tables from the upgrade request', async () => {
    const one = await fixture();
    const two = await fixture();
    const { url, http } = await serve(
      { public: one.table, secret: two.table },
      {
        allowedOrigins: ['https://app.example'],
        authorize: ({ url: u, headers }) => {
          const token =
            u.searchParams.get('token') ?? headers.authorization?.replace('Bearer ', '');
          if (token === 'admin') return true;
          if (token === 'reader') return { tables: ['public'] };
          return false;
        },
      },
    );
    await expect(RawClient.connect(`${url}?token=nope`)).rejects.toThrow(/401/);
    await expect(
      RawClient.connect(`${url}?token=admin`, { headers: { origin: 'https://evil.example' } }),
    ).rejects.toThrow(/403/);
    const reader = await client(`${url}?token=reader`, {
      headers: { origin: 'https://app.example' },
    });
    // A forbidden table is answered exactly like one that does not exist: no oracle.
    reader.send({ type: 'subscribe', sub: 's', table: 'secret' });
    const forbidden = await reader.next('error');
    reader.send({ type: 'subscribe', sub: 's', table: 'secret-typo' });
    const unknown = await reader.next('error');
    expect(forbidden).toMatchObject({ code: 'UNKNOWN_TABLE', sub: 's' });
    expect(unknown.message.replace('secret-typo', 'secret')).toBe(forbidden.message);
    reader.send({ type: 'subscribe', sub: 'p', table: 'public' });
    await reader.next('snapshot-end');

    const asReader = { headers: { authorization: 'Bearer reader' } };
    const secret = await fetch(`${http}/tables/secret`, asReader);
    const typo = await fetch(`${http}/tables/secret-typo`, asReader);
    expect([secret.status, typo.status]).toEqual([404, 404]);
    expect((await typo.text()).replace('secret-typo', 'secret')).toBe(await secret.text());
    // Without credentials every table path is 401, existing or not.
    expect((await fetch(`${http}/tables/public`)).status).toBe(401);
    expect((await fetch(`${http}/tables/nope`)).status).toBe(401);
    expect(
      (await fetch(`${http}/tables/secret`, { headers: { authorization: 'Bearer admin' } })).status,
    ).toBe(200);
  });
});
