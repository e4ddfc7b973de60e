import { TablecastClientError } from './errors.js';

/** The writes of a handle that has no way to the bridge: each one refused, like the bridge would. */
export function notWritable(table: string) {
  return (): Promise<never> =>
    Promise.reject(
      new TablecastClientError('NOT_WRITABLE', `Table "${table}" has no writer.`, { table }),
    );
}
