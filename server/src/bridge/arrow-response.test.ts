import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KafkaTable } from '../kafka-table.js';
import { sendArrow } from './arrow-response.js';
import { resolveBridgeOptions } from './bridge-options.js';

const table = {} as KafkaTable<unknown>;

describe('Arrow out', () => {
  it('answers 501 with what to install when apache-arrow is missing', async () => {
    const written: { status?: number; body?: string | undefined } = {};
    const response = {
      req: { method: 'GET' },
      writeHead(status: number) {
        written.status = status;
        return this;
      },
      end(body?: string) {
        written.body = body;
      },
    } as unknown as ServerResponse;
    const missing = Object.assign(new Error("Cannot find package 'apache-arrow'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await sendArrow(response, 't', table, undefined, () => Promise.reject(missing));
    expect(written.status).toBe(501);
    expect(written.body).toContain('npm install apache-arrow');
  });

  it('rejects Arrow schemas for unknown tables or with unknown types at construction', () => {
    expect(() =>
      resolveBridgeOptions({ tables: { a: table }, arrowSchemas: { b: 'utf8' } }),
    ).toThrow(/"b", which is not a table/);
    expect(() =>
      resolveBridgeOptions({
        tables: { a: table },
        arrowSchemas: { a: { x: 'decimal' as never } },
      }),
    ).toThrow(TypeError);
    expect(
      resolveBridgeOptions({ tables: { a: table }, arrowSchemas: { a: 'json' } }).arrowSchemas,
    ).toEqual({
      a: 'json',
    });
  });
});
