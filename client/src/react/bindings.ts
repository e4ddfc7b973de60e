// The hooks of `tablecast/react` and `tablecast/preact`, written once over the few primitives
// both frameworks have. Framework-free: each entry point passes its own hooks and context.
import type { TablecastClient } from '../create-client.js';

import { type GroupedOptions, groupFilter, groupMembers } from '../grouped.js';
import type { TableHandle, TableHandleStatus, TableOptions } from '../table-handle.js';

import type { AnyTablecastClient, TableName } from '../typed-tables.js';

/** The framework hooks the bindings are built on; `useClient` reads the provider's context. */
export interface HookPrimitives {
  useSyncExternalStore<T>(
    subscribe: (onChange: () => void) => () => void,
    getSnapshot: () => T,
    getServerSnapshot: () => T,
  ): T;
  useMemo<T>(factory: () => T, deps: readonly unknown[]): T;
  useState<T>(initial: T): [T, (next: T) => void];
  useEffect(effect: () => () => void, deps: readonly unknown[]): void;
  useClient(): AnyTablecastClient | null;
  /** The provider's `flagsTable`, or undefined outside any provider or when it sets none. */
  useFlagsTable(): string | undefined;
}

/** What a `TablecastProvider` puts in its context. */
export interface ProviderValue {
  readonly client: AnyTablecastClient;
  readonly flagsTable: string | undefined;
}

export interface ClientOption {
  /** Use this client instead of the one from `<TablecastProvider>`. */
  readonly client?: AnyTablecastClient;
}

export interface UseTableOptions<V> extends TableOptions<V>, ClientOption {
  /**
   * Suspend (throw a promise to the nearest `<Suspense>`) until the table is caught up or
   * `timeoutMs` passed, then render with whatever is there. Suspends at most once per handle.
   */
  readonly suspense?: boolean;
  /**
   * How long `suspense` waits; the core's `whenCaughtUp` default (30 s) when absent. The wait is
   * per handle, so the first component to suspend on a table sets it.
   */
  readonly timeoutMs?: number;
}

export type UseTableKeyOptions<V> = TableOptions<V> & ClientOption;

/** `useTable`'s options but the filter, which is the group's; `keyCodec` as in `grouped()`. */
export type UseGroupOptions<V> = Omit<UseTableOptions<V>, 'keys' | 'prefix'> & GroupedOptions;

export interface UseFlagOptions extends ClientOption {
  /** The table holding the flags; else the provider's `flagsTable`, else `'flags'`. */
  readonly table?: string;
}

/** What `useTable` returns; a new object only when one of its fields changes. */
export interface TableView<V> {
  readonly data: ReadonlyMap<string, V>;
  readonly status: TableHandleStatus;
  /** Why the table is `failed` or `degraded`; undefined otherwise. */
  readonly error: string | undefined;
}

export interface TablecastHooks {
  useTable<V = unknown>(name: string, options?: UseTableOptions<V>): TableView<V>;
  useTableKey<V = unknown>(
    name: string,
    key: string,
    options?: UseTableKeyOptions<V>,
  ): V | undefined;
  useFlag<T>(name: string, defaultValue: T, options?: UseFlagOptions): T;
  /** One group of a grouped table as `{ member → value }`; subscribes to that group only. */
  useGroup<V = unknown>(name: string, group: string, options?: UseGroupOptions<V>): TableView<V>;
}

/**
 * How long a handle acquired during render stays referenced if its component never commits
 * (StrictMode's discarded render, an interrupted concurrent render). Long enough that a slow
 * commit finds the same handle, short enough that abandoned subscriptions end soon.
 */
export const RENDER_LEASE_MS = 5_000;

/**
 * One `client.table()` reference taken during render. Render may run without a commit, so
 * this reference releases itself after `RENDER_LEASE_MS`; a committed component takes its own
 * reference in an effect (released on cleanup) and lets this one go.
 */
class Lease<V> {
  readonly handle: TableHandle<V>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #released = false;

  constructor(handle: TableHandle<V>) {
    this.handle = handle;
    this.#arm();
  }

  release = (): void => {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    this.handle.close();
  };

  /** Keeps the handle while a component is suspended on it, then restarts the countdown. */
  holdUntil(promise: Promise<unknown>): void {
    if (this.#released) return;
    clearTimeout(this.#timer);
    void promise.then(() => {
      if (!this.#released) this.#arm();
    });
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.release, RENDER_LEASE_MS);
  }
}

/** Same name and filter → same handle in the client; the default factory does not count. */
function handleId(name: string, options: TableOptions<unknown>): string {
  const keys = options.keys === undefined ? null : [...new Set(options.keys)].sort();
  return JSON.stringify([name, keys, options.prefix ?? null]);
}

/** The options meant for `client.table()`: all but the hooks' own, so new core options pass. */
function tableOptions<V>(options: UseTableOptions<V>): TableOptions<V> {
  const { client: _client, suspense: _suspense, timeoutMs: _timeoutMs, ...rest } = options;
  return rest;
}

interface Subscribable<T> {
  readonly subscribe: (onChange: () => void) => () => void;
  readonly getSnapshot: () => T;
}

/** One `useTable` view per handle: data and status as one snapshot, stable between changes. */
const tableViews = new WeakMap<TableHandle<unknown>, Subscribable<TableView<unknown>>>();

function tableView<V>(handle: TableHandle<V>): Subscribable<TableView<V>> {
  let view = tableViews.get(handle) as Subscribable<TableView<V>> | undefined;
  if (view !== undefined) return view;
  let last: TableView<V> | undefined;
  view = {
    // Status changes are not batches (a handle can go caught_up with no data change).
    subscribe: (onChange) => both(handle.subscribe(onChange), handle.onStatus(onChange)),
    getSnapshot: () => {
      const data = handle.getSnapshot();
      const { status } = handle;
      const error = status === 'failed' || status === 'degraded' ? handle.statusReason : undefined;
      if (last?.data !== data || last.status !== status || last.error !== error) {
        last = { data, status, error };
      }
      return last;
    },
  };
  tableViews.set(handle, view as Subscribable<TableView<unknown>>);
  return view;
}

/**
 * Per handle, so every render (and every component) throws the same promise and a retry after
 * it settles renders instead of suspending again: suspense happens once per handle.
 */
const suspensions = new WeakMap<TableHandle<unknown>, { promise: Promise<void>; done: boolean }>();

function suspendUntilCaughtUp(
  handle: TableHandle<unknown>,
  lease: Lease<unknown>,
  timeoutMs: number | undefined,
): void {
  if (handle.status === 'caught_up' || handle.status === 'failed' || handle.closed) return;
  let entry = suspensions.get(handle);
  if (entry === undefined) {
    const created = { promise: Promise.resolve(), done: false };
    created.promise = handle.whenCaughtUp(timeoutMs === undefined ? {} : { timeoutMs }).then(() => {
      created.done = true;
    });
    suspensions.set(handle, created);
    entry = created;
  }
  if (entry.done) return;
  // The render that threw never commits: keep its handle alive until the retry renders.
  lease.holdUntil(entry.promise);
  throw entry.promise;
}

/** Handles on which a flag hook saw `caught_up`: later degradation keeps the table's values. */
const caughtUpOnce = new WeakSet<TableHandle<unknown>>();
const NO_FLAG: unique symbol = Symbol('no flag');

function both(a: () => void, b: () => void): () => void {
  return () => {
    a();
    b();
  };
}

/** Flags live in `flags` unless told otherwise; `never` when the declaration has no such table. */
type FlagsTable<T> = 'flags' extends TableName<T> ? 'flags' : never;

/** The table hooks typed by a table declaration; the same functions at runtime. */
export interface TypedTableHooks<T> {
  useTable<N extends TableName<T>>(name: N, options?: UseTableOptions<T[N]>): TableView<T[N]>;
  useTableKey<N extends TableName<T>>(
    name: N,
    key: string,
    options?: UseTableKeyOptions<T[N]>,
  ): T[N] | undefined;
  useFlag<N extends TableName<T> = FlagsTable<T>>(
    name: string,
    defaultValue: T[N],
    options?: UseFlagOptions & { readonly table?: N },
  ): T[N];
  useGroup<N extends TableName<T>>(
    name: N,
    group: string,
    options?: UseGroupOptions<T[N]>,
  ): TableView<T[N]>;
}

/** The hooks bound to one framework's primitives: what each entry point exports. */
export function bindHooks(fw: HookPrimitives): TablecastHooks {
  const hooks: TablecastHooks = {
    useTable: (name, options) => useTableWith(fw, name, options),
    useTableKey: (name, key, options) => useTableKeyWith(fw, name, key, options),
    useFlag: (name, defaultValue, options) => useFlagWith(fw, name, defaultValue, options),
    useGroup: (name, group, options) => useGroupWith(fw, name, group, options),
  };
  return hooks;
}

// The hooks, over a framework's primitives (`fw`): each entry point wraps them with its own.

export function useHandle<V>(
  fw: HookPrimitives,
  hook: string,
  name: string,
  options: UseTableOptions<V>,
): { lease: Lease<V>; handle: TableHandle<V> } {
  const contextClient = fw.useClient();
  // A typed client is the same object with narrower types (see typed-tables.ts).
  const client = (options.client ?? contextClient) as TablecastClient | null;
  if (client === null) {
    throw new Error(
      `tablecast: ${hook}('${name}') has no client. Wrap the tree in ` +
        '<TablecastProvider client={client}>, or pass { client } in the hook options.',
    );
  }
  const id = handleId(name, options);
  // Acquired in render so the first render already has data; see Lease for why it's safe.
  const lease = fw.useMemo(
    () => new Lease(client.table<V>(name, tableOptions(options))),
    [client, id],
  );
  // Set when the lease's handle was shut down before commit and the effect got a new one.
  const [adopted, setAdopted] = fw.useState<
    { lease: Lease<V>; handle: TableHandle<V> } | undefined
  >(undefined);
  fw.useEffect(() => {
    const handle = client.table<V>(name, tableOptions(options));
    // Deferred, so StrictMode's cleanup + re-run (synchronous) never drops the count to zero.
    queueMicrotask(lease.release);
    if (handle !== lease.handle) setAdopted({ lease, handle });
    return () => handle.close();
  }, [lease]);
  return { lease, handle: adopted?.lease === lease ? adopted.handle : lease.handle };
}

export function useTableWith<V>(
  fw: HookPrimitives,
  name: string,
  options: UseTableOptions<V> = {},
): TableView<V> {
  const { lease, handle } = useHandle(fw, 'useTable', name, options);
  const view = tableView(handle);
  // Server render and hydration read the handle too: a table bootstrapped from the same
  // embedded snapshot on both sides renders the same markup, and the first client paint
  // already shows the real values instead of an empty table that then fills in.
  const state = fw.useSyncExternalStore(view.subscribe, view.getSnapshot, view.getSnapshot);
  if (options.suspense === true) suspendUntilCaughtUp(handle, lease, options.timeoutMs);
  return state;
}

export function useGroupWith<V>(
  fw: HookPrimitives,
  name: string,
  group: string,
  options: UseGroupOptions<V> = {},
): TableView<V> {
  const { keyCodec, ...rest } = options;
  // The bridge sends only this group's keys: the filter is the group's exact key prefix.
  const state = useTableWith<V>(fw, name, { ...rest, ...groupFilter(group, keyCodec) });
  // A new object only when the handle's map or status changed, as useTable promises.
  return fw.useMemo(
    () => ({ ...state, data: groupMembers(state.data, group, keyCodec) }),
    [state, group, keyCodec],
  );
}

export function useTableKeyWith<V>(
  fw: HookPrimitives,
  name: string,
  key: string,
  options: UseTableKeyOptions<V> = {},
): V | undefined {
  const { handle } = useHandle(fw, 'useTableKey', name, options);
  const read = fw.useMemo(() => {
    // A default factory may build a new object per call: keep one while the key is missing.
    let fallback: { readonly value: V | undefined } | undefined;
    const getSnapshot = () =>
      handle.has(key) ? handle.get(key) : (fallback ??= { value: handle.get(key) }).value;
    return {
      subscribe: (onChange: () => void) => handle.subscribeKey(key, onChange),
      getSnapshot,
      // As in useTable: a bootstrapped handle renders the same on the server and in hydration.
      getServerSnapshot: getSnapshot,
    };
  }, [handle, key]);
  return fw.useSyncExternalStore(read.subscribe, read.getSnapshot, read.getServerSnapshot);
}

export function useFlagWith<T>(
  fw: HookPrimitives,
  name: string,
  defaultValue: T,
  options: UseFlagOptions = {},
): T {
  const providerTable = fw.useFlagsTable(); // a hook: called on every render
  const table = options.table ?? providerTable ?? 'flags';
  const { handle } = useHandle<unknown>(
    fw,
    'useFlag',
    table,
    options.client === undefined ? {} : { client: options.client },
  );
  const read = fw.useMemo(() => {
    // A sentinel rather than the default, so a new default object per render is no change.
    const getSnapshot = (): unknown => {
      if (handle.status === 'caught_up') caughtUpOnce.add(handle);
      else if (!caughtUpOnce.has(handle)) return NO_FLAG;
      return handle.has(name) ? handle.get(name) : NO_FLAG;
    };
    return {
      subscribe: (onChange: () => void) =>
        both(handle.subscribeKey(name, onChange), handle.onStatus(onChange)),
      getSnapshot,
      // A flags table bootstrapped as caught up gives the real value in the first paint.
      getServerSnapshot: getSnapshot,
    };
  }, [handle, name]);
  const value = fw.useSyncExternalStore(read.subscribe, read.getSnapshot, read.getServerSnapshot);
  if (value === NO_FLAG || value === undefined) return defaultValue;
  // A primitive default fixes the type: a mistyped value in the table must not leak through.
  if (isPrimitive(defaultValue) && typeof value !== typeof defaultValue) return defaultValue;
  return value as T;
}

function isPrimitive(value: unknown): boolean {
  return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string';
}
