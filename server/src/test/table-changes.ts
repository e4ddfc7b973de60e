import type { TableChange } from '../table-types.js';

/** A set as a table reports it: the value stored as its JSON text. */
export function setChange(key: string, value: unknown, offset = 0): TableChange<unknown> {
  return {
    key,
    deleted: false,
    value,
    text: JSON.stringify(value),
    plain: true,
    partition: 0,
    offset,
  };
}

export function deleteChange(key: string, offset = 0): TableChange<unknown> {
  return { key, deleted: true, partition: 0, offset };
}
