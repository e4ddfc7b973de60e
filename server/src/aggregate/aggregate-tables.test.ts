import { describe, expect, it } from 'vitest';
import { groupByTable } from './group-by-table.js';
import { windowedTable } from './windowed-table.js';

const base = { brokers: ['127.0.0.1:9092'], topic: 'orders' };
const groupBy = (v: { status: string }) => v.status;

describe('aggregate tables reject what cannot work at construction, before connecting', () => {
  it.each([
    [{ aggregates: { n: 'count' } }, /groupBy/],
    [{ groupBy, aggregates: {} }, /at least one aggregate/],
    [{ groupBy, aggregates: { n: 'median' } }, /aggregates\.n: op must be one of/],
    [{ groupBy, aggregates: { total: 'sum' } }, /'sum' needs a field function/],
  ])('a group-by table with %o', (options, message) => {
    expect(() => groupByTable({ ...base, ...(options as object) } as never)).toThrow(message);
  });

  it.each([
    [{ window: { sizeMs: 1_000, advanceMs: 2_000 } }, /advanceMs must not exceed sizeMs/],
    [
      { window: { sizeMs: 1_000, graceMs: 5_000 } },
      /graceMs must be an integer from 0 to retainMs/,
    ],
    [{ window: { sizeMs: 0 } }, /sizeMs must be a positive integer/],
    [{ window: { sizeMs: 1_000 }, aggregates: { end: 'count' } }, /"end" is taken/],
  ])('a windowed table with %o', (options, message) => {
    expect(() =>
      windowedTable({
        ...base,
        groupBy,
        aggregates: { n: 'count' },
        ...(options as object),
      } as never),
    ).toThrow(message);
  });
});
