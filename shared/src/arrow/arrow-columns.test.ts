import { describe, expect, it } from 'vitest';
import { declaredColumns, inferColumns, type ValueColumn } from './arrow-columns.js';

const shape = (columns: ValueColumn[]) => columns.map((c) => [c.name, c.type]);
const cells = (columns: ValueColumn[], value: unknown) => columns.map((c) => c.read(value));

describe('Arrow columns', () => {
  it('types the fields of objects whose non-null values agree, JSON text otherwise', () => {
    const values = [
      { name: 'a', latency: 1.5, up: true, at: new Date(5), tags: ['x'], mixed: 1 },
      { name: 'b', latency: null, up: false, mixed: 'one', extra: 7n },
      { name: 'c', key: 'k' },
    ];
    const columns = inferColumns(values);
    expect(shape(columns)).toEqual([
      ['name', 'utf8'],
      ['latency', 'float64'],
      ['up', 'bool'],
      ['at', 'timestamp'],
      ['tags', 'json'],
      ['mixed', 'json'],
      ['extra', 'int64'],
      ['value.key', 'utf8'], // the key column is called `key`
    ]);
    expect(cells(columns, values[0])).toEqual(['a', 1.5, true, 5, '["x"]', '1', null, null]);
    expect(cells(columns, values[1])).toEqual(['b', null, false, null, null, '"one"', 7n, null]);
  });

  it('makes one value column for anything that is not all plain objects', () => {
    expect(shape(inferColumns([true, false, null]))).toEqual([['value', 'bool']]);
    expect(shape(inferColumns([1, 'x']))).toEqual([['value', 'json']]);
    expect(shape(inferColumns([{ a: 1 }, [1]]))).toEqual([['value', 'json']]);
    expect(shape(inferColumns([new Map()]))).toEqual([['value', 'json']]);
    expect(shape(inferColumns([]))).toEqual([['value', 'json']]);
  });

  it('reads declared columns without coercion: a value of another type is null', () => {
    const columns = declaredColumns({ n: 'float64', i: 'int64', t: 'timestamp', s: 'utf8' });
    expect(cells(columns, { n: '1', i: 3, t: '1970-01-01T00:00:01Z', s: 2 })).toEqual([
      null,
      3n,
      1000,
      null,
    ]);
    expect(cells(columns, 'not an object')).toEqual([null, null, null, null]);
    expect(cells(declaredColumns('int64'), 1.5)).toEqual([null]);
    expect(() => declaredColumns({ a: 'decimal' as never })).toThrow(TypeError);
  });
});
