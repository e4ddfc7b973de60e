// `useWrite`, written once for React and Preact like the other hooks (see bindings.ts).
import type { TablecastClient } from '../create-client.js';
import { type TablecastClientError, toClientError } from '../errors.js';
import type { WriteReceipt } from '../pending-writes.js';
import type { WriteOptions } from '../table-handle.js';
import type { ClientOption, HookPrimitives } from './bindings.js';

export interface UseWriteOptions extends ClientOption, WriteOptions {}

/** What `useWrite` returns: writers for one table, and the state of their writes. */
export interface TableWriter<V> {
  /** Resolves once the table shows the write (read-your-writes); rejects like `handle.set`. */
  set(key: string, value: V): Promise<WriteReceipt>;
  delete(key: string): Promise<WriteReceipt>;
  /** Keys with a write in flight, for a pending look (a spinner, a disabled switch). */
  readonly pending: ReadonlySet<string>;
  /** The last write's error, until the next write starts. */
  readonly error: TablecastClientError | undefined;
}

interface WriterState {
  readonly pending: Set<string>;
  error: TablecastClientError | undefined;
  version: number;
}

/**
 * Binds `useWrite(name)`. It takes a handle of the table only for the time of each write, so it
 * holds no subscription of its own; while the component also reads the table (`useTable`), the
 * write goes through that same shared handle and resolves when that very map shows it.
 */
export function bindWriteHook(
  fw: Pick<HookPrimitives, 'useMemo' | 'useState' | 'useClient'>,
): <V = unknown>(name: string, options?: UseWriteOptions) => TableWriter<V> {
  return function useWrite<V>(name: string, options: UseWriteOptions = {}): TableWriter<V> {
    const contextClient = fw.useClient();
    const found = (options.client ?? contextClient) as TablecastClient | null;
    if (found === null) {
      throw new Error(
        `tablecast: useWrite('${name}') has no client. Wrap the tree in ` +
          '<TablecastProvider client={client}>, or pass { client } in the hook options.',
      );
    }
    const client: TablecastClient = found;
    const [, setVersion] = fw.useState(0);
    const timeoutMs = options.timeoutMs;
    return fw.useMemo(() => {
      const state: WriterState = { pending: new Set(), error: undefined, version: 0 };
      const changed = () => setVersion(++state.version);
      const run = async (
        key: string,
        write: (handle: ReturnType<typeof client.table<V>>) => Promise<WriteReceipt>,
      ) => {
        state.pending.add(key);
        state.error = undefined;
        changed();
        const handle = client.table<V>(name);
        try {
          return await write(handle);
        } catch (error) {
          state.error = toClientError(error);
          throw state.error;
        } finally {
          handle.close();
          state.pending.delete(key);
          changed();
        }
      };
      const writeOptions = timeoutMs === undefined ? {} : { timeoutMs };
      return {
        set: (key: string, value: V) => run(key, (h) => h.set(key, value, writeOptions)),
        delete: (key: string) => run(key, (h) => h.delete(key, writeOptions)),
        get pending() {
          return state.pending as ReadonlySet<string>;
        },
        get error() {
          return state.error;
        },
      };
    }, [client, name, timeoutMs]);
  };
}
