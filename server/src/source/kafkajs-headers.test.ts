import { describe, expect, it } from 'vitest';
import type { IHeaders } from '../kafkajs.js';
import { headersOf } from './kafkajs-source.js';

/** The object kafkajs' record decoder builds from a header list (its reduce, verbatim). */
function asKafkajsDoes(list: Array<[string, Buffer | null]>): IHeaders {
  return list.reduce<Record<string, unknown>>(
    (obj, [key, value]) => ({
      // biome-ignore lint/performance/noAccumulatingSpread: kafkajs' own reduce, as it is.
      ...obj,
      [key]:
        obj[key] === undefined
          ? value
          : Array.isArray(obj[key])
            ? (obj[key] as unknown[]).concat([value])
            : [obj[key], value],
    }),
    {},
  ) as IHeaders;
}

const text = (headers: ReturnType<typeof headersOf>) =>
  headers.map(({ key, value }) => [
    key,
    value === null ? null : Buffer.from(value).toString('utf8'),
  ]);

describe('headersOf (kafkajs headers as a header list)', () => {
  it('keeps every value of a repeated name and null values, grouped under the first appearance', () => {
    const headers = asKafkajsDoes([
      ['dup', Buffer.from('1')],
      ['nul', null],
      ['dup', Buffer.from('2')],
      ['ключ', Buffer.from('значение')],
    ]);
    expect(text(headersOf(headers))).toEqual([
      ['dup', '1'],
      ['dup', '2'],
      ['nul', null],
      ['ключ', 'значение'],
    ]);
  });

  it('drops the inherited members kafkajs mixes into names such as constructor and __proto__', () => {
    const headers = asKafkajsDoes([
      ['constructor', Buffer.from('c')],
      ['__proto__', Buffer.from('p')],
      ['toString', null],
    ]);
    expect(text(headersOf(headers))).toEqual([
      ['constructor', 'c'],
      ['__proto__', 'p'],
      ['toString', null],
    ]);
  });
});
