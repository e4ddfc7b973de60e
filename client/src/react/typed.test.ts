// biome-ignore-all lint/correctness/useHookAtTopLevel: type-only calls, in functions never run.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createTypedHooks as createPreactTypedHooks,
  useStream as usePreactStream,
} from '../preact/index.js';
import type { StreamRow } from '../stream/stream-row.js';
import type { TableHandle } from '../table-handle.js';
import { type TypedClient, typedClient } from '../typed-tables.js';
import type { TableView } from './bindings.js';
import {
  createTypedHooks,
  type StreamView,
  type TablecastProviderProps,
  useFlag,
  useStream,
  useTable,
} from './index.js';
import { FakeClient } from './test/fake-client.js';

interface Service {
  readonly host: string;
  readonly port: number;
}

/** An app declares its tables once. */
interface AppTables {
  flags: boolean;
  registry: Service;
  /** A stream table is declared as its rows. */
  deploys: StreamRow<Service>;
}

const hooks = createTypedHooks<AppTables>();

// Hooks only run inside components: these bodies are checked by tsc, never called.
function typedHookCalls(client: TypedClient<AppTables>) {
  expectTypeOf(hooks.useTable('registry')).toEqualTypeOf<TableView<Service>>();
  expectTypeOf(hooks.useTable('registry', { client }).data).toEqualTypeOf<
    ReadonlyMap<string, Service>
  >();
  expectTypeOf(hooks.useTableKey('registry', 'billing')).toEqualTypeOf<Service | undefined>();
  expectTypeOf(hooks.useFlag('new-checkout', false)).toEqualTypeOf<boolean>();
  expectTypeOf(
    hooks.useFlag('x', { host: 'h', port: 1 }, { table: 'registry' }),
  ).toEqualTypeOf<Service>();
  expectTypeOf(hooks.useStream('deploys')).toEqualTypeOf<StreamView<Service>>();
  expectTypeOf(
    hooks.useStream('deploys', { limit: 5 }).rows[0]!.value,
  ).toEqualTypeOf<Service | null>();
  // @ts-expect-error: not a stream table
  hooks.useStream('registry');
  // @ts-expect-error: not a declared table
  hooks.useStream('nope');
  // @ts-expect-error: not a declared table
  hooks.useTable('nope');
  // @ts-expect-error: flags are booleans
  hooks.useFlag('new-checkout', 'on');
  // @ts-expect-error: the default factory must build the declared type
  hooks.useTable('registry', { default: () => 1 });
}

function untypedHookCalls() {
  expectTypeOf(useTable('anything').data).toEqualTypeOf<ReadonlyMap<string, unknown>>();
  expectTypeOf(useTable<number>('prices').data).toEqualTypeOf<ReadonlyMap<string, number>>();
  expectTypeOf(useFlag('new-checkout', false)).toEqualTypeOf<boolean>();
  expectTypeOf(useFlag('limit', 10)).toEqualTypeOf<number>();
}

describe('typed tables', () => {
  it('types client.table() by the declaration, as the same client', () => {
    const client = new FakeClient();
    const tables = typedClient<AppTables>(client);
    expect(tables).toBe(client);
    const flags = tables.table('flags');
    expectTypeOf(flags).toEqualTypeOf<TableHandle<boolean>>();
    expectTypeOf(tables.table('registry').get('billing')).toEqualTypeOf<Service | undefined>();
    // @ts-expect-error: not a declared table
    tables.table('nope').close();
    flags.close();
    // A typed client goes wherever a client does.
    expectTypeOf(tables).toExtend<TablecastProviderProps['client']>();
    expect([typedHookCalls, untypedHookCalls]).toHaveLength(2);
  });

  it('createTypedHooks() carries useStream, the same hook, in React and Preact', () => {
    expect(createTypedHooks<AppTables>().useStream).toBe(useStream);
    expect(createTypedHooks<AppTables>().useTable).toBe(useTable);
    expect(createPreactTypedHooks<AppTables>().useStream).toBe(usePreactStream);
  });
});
