import type { StandardSchemaV1 } from '@standard-schema/spec';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Codec } from './codec.js';
import { CodecError } from './codec-error.js';
import { json } from './json.js';

const text = new TextEncoder();
const fromText = (s: string) => text.encode(s);

function decodeError(codec: Codec<unknown>, bytes: Uint8Array): CodecError {
  try {
    codec.decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(CodecError);
    return error as CodecError;
  }
  throw new Error('expected decode to throw');
}

describe('json', () => {
  const codec = json();

  it('is named json', () => {
    expect(codec.name).toBe('json');
  });

  it('behaves like JSON.stringify/JSON.parse for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const encoded = codec.encode(value);
        expect(codec.decode(encoded)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(codec.encode(codec.decode(encoded))).toEqual(encoded);
      }),
    );
  });

  it('round-trips values with non-ASCII strings and keys', () => {
    const value = { clé: ['é€😀', null, true, 1.5, { '': [] }] };
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it('throws TypeError when encoding values JSON cannot represent', () => {
    expect(() => codec.encode(undefined)).toThrow(TypeError);
    expect(() => codec.encode(() => 1)).toThrow(TypeError);
    expect(() => codec.encode(1n)).toThrow(TypeError);
    expect(() => codec.encode({ nested: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => codec.encode(cycle)).toThrow(TypeError);
  });

  it('throws CodecError on empty input', () => {
    const error = decodeError(codec, new Uint8Array());
    expect(error.codec).toBe('json');
    expect(error.message).toMatch(/^json codec: invalid JSON/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each(['{', '{"a":1,}', 'undefined', "'x'", '1 2'])('throws CodecError on %s', (input) => {
    expect(decodeError(codec, fromText(input)).cause).toBeInstanceOf(SyntaxError);
  });

  it('throws CodecError on invalid UTF-8, even inside a JSON string', () => {
    const error = decodeError(codec, new Uint8Array([0x22, 0xc3, 0x28, 0x22]));
    expect(error.message).toBe('json codec: invalid UTF-8');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  describe('with a schema', () => {
    const Settings = z.object({
      on: z.boolean(),
      level: z.number().int().default(3),
      tags: z.array(z.object({ name: z.string() })).default([]),
    });
    const settings = json({ schema: Settings });

    it('returns the schema output, with defaults applied', () => {
      expect(settings.decode(fromText('{"on":true}'))).toEqual({ on: true, level: 3, tags: [] });
    });

    it('returns transformed output', () => {
      const Stamp = z.object({ at: z.iso.datetime().transform((s) => new Date(s)) });
      const stamps = json({ schema: Stamp });
      const decoded = stamps.decode(fromText('{"at":"2024-05-01T12:00:00Z"}'));
      expect(decoded.at).toEqual(new Date('2024-05-01T12:00:00Z'));
      expectTypeOf(stamps).toEqualTypeOf<Codec<{ at: Date }>>();
    });

    it('throws CodecError naming the failing path', () => {
      const error = decodeError(settings, fromText('{"on":"yes","tags":[{"name":1}]}'));
      expect(error.codec).toBe('json');
      expect(error.message).toMatch(/^json codec: schema validation failed: /);
      expect(error.message).toContain('on: ');
      expect(error.message).toContain('tags[0].name: ');
      expect(Array.isArray(error.cause)).toBe(true);
    });

    it('reports a root-level failure', () => {
      expect(decodeError(settings, fromText('[]')).message).toContain('(root): ');
    });

    it('lists only the first few issues', () => {
      const Many = z.object({
        k1: z.string(),
        k2: z.string(),
        k3: z.string(),
        k4: z.string(),
        k5: z.string(),
      });
      const error = decodeError(json({ schema: Many }), fromText('{}'));
      expect(error.message).toContain('k3: ');
      expect(error.message).not.toContain('k4');
      expect(error.message).toContain('and 2 more');
      expect(error.cause).toHaveLength(5);
    });

    it('formats path segments given as objects', () => {
      const schema: StandardSchemaV1<unknown, never> = {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: () => ({
            issues: [{ message: 'bad', path: [{ key: 'items' }, { key: 2 }, 'id'] }],
          }),
        },
      };
      expect(decodeError(json({ schema }), fromText('{}')).message).toContain('items[2].id: bad');
    });

    it('still rejects bytes that are not JSON before validating', () => {
      expect(decodeError(settings, new Uint8Array()).cause).toBeInstanceOf(SyntaxError);
    });

    it('does not validate on encode', () => {
      const unchecked = { on: 'no' } as unknown as z.output<typeof Settings>;
      expect(() => settings.encode(unchecked)).not.toThrow();
    });

    it('throws a clear CodecError for an async validator', async () => {
      const validate = async (value: unknown) => ({ value });
      const schema: StandardSchemaV1<unknown, unknown> = {
        '~standard': { version: 1, vendor: 'test', validate },
      };
      const error = decodeError(json({ schema }), fromText('{}'));
      expect(error.message).toContain('asynchronously');
      expect(error.message).toContain('synchronous');
    });

    it('throws for zod schemas with async refinements without an unhandled rejection', () => {
      const Async = z.string().refine(async () => false);
      const error = decodeError(json({ schema: Async }), fromText('"x"'));
      expect(error.message).toContain('schema from zod validated asynchronously');
    });

    it('infers the codec type from the schema output', () => {
      const flag = json({ schema: z.object({ on: z.boolean() }) });
      expectTypeOf(flag).toEqualTypeOf<Codec<{ on: boolean }>>();
      expectTypeOf(json()).toEqualTypeOf<Codec<unknown>>();
      expectTypeOf(json<{ id: string }>()).toEqualTypeOf<Codec<{ id: string }>>();
      expect(() => {
        // @ts-expect-error: the codec encodes { on: boolean }, not strings
        flag.encode('on');
      }).not.toThrow();
    });
  });
});
