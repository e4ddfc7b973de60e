import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serve as bridgeAt, rawClient } from '../../../test/bridge-fixtures.js';
import { Cleanup, liveTopic } from '../../../test/fixtures.js';
import { RawClient } from '../../../test/raw-client.js';
import type { AuthorizeRequest, BridgeOptions } from './bridge-options.js';

let cleanup: Cleanup;
beforeEach(() => {
  cleanup = new Cleanup();
});
afterEach(() => cleanup.dispose());

const serve = (tables: BridgeOptions['tables'], extra: Partial<BridgeOptions> = {}) =>
  bridgeAt(cleanup, tables, extra);
const client = (url: string, options?: Parameters<typeof RawClient.connect>[1]) =>
  rawClient(cleanup, url, options);
const tokenOf = (r: AuthorizeRequest) =>
  r.url.searchParams.get('token') ?? r.headers.authorization?.slice(7);

async function twoTables() {
  const one = await liveTopic(cleanup, 'access');
  const two = await liveTopic(cleanup, 'access');
  await one.writer.set('a', 1);
  await two.writer.set('b', 2);
  await Promise.all([one.table.barrier(10_000), two.table.barrier(10_000)]);
  return { public: one.table, secret: two.table };
}

/** Sends a raw request line and returns the status line: fetch() refuses malformed paths. */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d) => {
      text += String(d);
    });
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('bridge: what HTTP tells whom', () => {
  it('shows callers only the tables they may read, and everything to ops', async () => {
    const tables = await twoTables();
    const { http } = await serve(tables, {
      authorize: (r) => (tokenOf(r) === 'reader' ? { tables: ['public'] } : tokenOf(r) === 'admin'),
      opsToken: 'ops-token-0123456789',
    });
    const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    expect(await (await fetch(`${http}/readyz`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${http}/readyz`, as('reader'))).json()).toEqual({ ready: true });
    expect(await (await fetch(`${http}/readyz`, as('ops-token-0123456789'))).json()).toEqual({
      ready: true,
      tables: { public: 'caught_up', secret: 'caught_up' },
    });
    expect((await fetch(`${http}/metrics`)).status).toBe(401);
    expect((await fetch(`${http}/metrics`, as('admin'))).status).toBe(401);
    const metrics = await (await fetch(`${http}/metrics`, as('ops-token-0123456789'))).text();
    expect(metrics).toMatch(/^tablecast_table_keys\{table="secret"\} 1$/m);
  });

  it('without ops credentials configured, /readyz and /metrics list only what authorize allows', async () => {
    const tables = await twoTables();
    const { http } = await serve(tables, {
      authorize: (r) => (tokenOf(r) === 'reader' ? { tables: ['public'] } : false),
    });
    const reader = { headers: { authorization: 'Bearer reader' } };
    expect(await (await fetch(`${http}/readyz`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${http}/readyz`, reader)).json()).toEqual({
      ready: true,
      tables: { public: 'caught_up' },
    });
    const anonymous = await (await fetch(`${http}/metrics`)).text();
    expect(anonymous).not.toContain('table="');
    expect(anonymous).toMatch(/^tablecast_connections\{bridge="[^"]+"\} 0$/m);
    const metrics = await (await fetch(`${http}/metrics`, reader)).text();
    expect(metrics).toContain('table="public"');
    expect(metrics).not.toContain('table="secret"');
  });

  it('answers malformed percent-encoding in a path with 400', async () => {
    const tables = await twoTables();
    const { port } = await serve(tables);
    expect(await rawGet(port, '/tables/%E0%A4%A')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawGet(port, '/tables/public/%zz')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawGet(port, '/tables/public')).toMatch(/^HTTP\/1\.1 200/);
  });
});

describe('bridge: revocation', () => {
  it('revoke() closes the sessions it picks with FORBIDDEN and 4403, by the session authorize gave', async () => {
    const tables = await twoTables();
    const { url, bridge } = await serve(tables, {
      authorize: (r) => ({ session: { user: tokenOf(r) } }),
    });
    const alice = await client(`${url}?token=alice`);
    const bob = await client(`${url}?token=bob`);
    await Promise.all([alice.next('welcome'), bob.next('welcome')]);
    expect(bridge.revoke(({ session }) => (session as { user: string }).user === 'alice')).toBe(1);
    expect(await alice.next('error')).toMatchObject({ code: 'FORBIDDEN' });
    await alice.closed();
    expect(alice.closeCode).toBe(4403);
    bob.send({ type: 'subscribe', sub: 's', table: 'secret' });
    await bob.next('snapshot-end');
  });

  it('re-authorizes open sockets: a table no longer allowed ends with FORBIDDEN, a refused session closes with 4403', async () => {
    const tables = await twoTables();
    const grants = new Map<string, string[] | false>([
      ['carol', ['public', 'secret']],
      ['dave', ['public']],
    ]);
    const { url } = await serve(tables, {
      reauthorizeIntervalMs: 50,
      authorize: (r) => {
        const grant = grants.get(tokenOf(r) ?? '');
        return grant ? { tables: grant } : false;
      },
    });
    const carol = await client(`${url}?token=carol`);
    const dave = await client(`${url}?token=dave`);
    carol.send({ type: 'subscribe', sub: 'p', table: 'public' });
    carol.send({ type: 'subscribe', sub: 's', table: 'secret' });
    await carol.next('snapshot-end', (m) => m.sub === 's');
    dave.send({ type: 'subscribe', sub: 'p', table: 'public' });
    await dave.next('snapshot-end');
    grants.set('carol', ['public']);
    grants.set('dave', false);
    expect(await carol.next('error')).toMatchObject({ code: 'FORBIDDEN', sub: 's' });
    await dave.closed();
    expect(dave.closeCode).toBe(4403);
    // Carol keeps what she may still read.
    carol.send({ type: 'unsubscribe', sub: 'p' });
    await carol.next('unsubscribed', (m) => m.sub === 'p');
  });
});

describe('bridge: connection caps', () => {
  it('refuses upgrades past maxConnections with 503 and past maxConnectionsPerAddress with 429', async () => {
    const tables = await twoTables();
    const total = await serve(tables, { maxConnections: 2 });
    const held = [await client(total.url), await client(total.url)];
    await expect(RawClient.connect(total.url)).rejects.toThrow(/503/);
    await held[0]!.close();
    // The slot is free again once the socket closed.
    await client(total.url);

    const perAddress = await serve(tables, { maxConnectionsPerAddress: 1 });
    await client(perAddress.url);
    await expect(RawClient.connect(perAddress.url)).rejects.toThrow(/429/);
  });
});
