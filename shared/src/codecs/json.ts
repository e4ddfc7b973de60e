import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Codec } from './codec.js';
import { CodecError } from './codec-error.js';
import { decodeUtf8 } from './utf8-decoder.js';

export interface JsonCodecOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  /**
   * Validates (and may transform) every decoded value; the codec's type is the schema's output.
   * Must validate synchronously: decoding happens inline while a table applies records.
   */
  readonly schema?: S | undefined;
}

const encoder = new TextEncoder();
const MAX_LISTED_ISSUES = 3;

/**
 * JSON text in UTF-8. With a Standard Schema (zod, valibot, arktype, ...) decoded values are
 * validated and typed as the schema's output.
 *
 * Encode does not validate: its input is already typed by the caller, and validation belongs where
 * untrusted bytes enter. JSON's usual losses apply: nested `undefined`, functions and symbols are
 * dropped, `NaN`/`Infinity` become `null` and `Date`s become strings; use the superjson codec to
 * keep those.
 */
export function json<S extends StandardSchemaV1>(
  options: JsonCodecOptions<S> & { readonly schema: S },
): Codec<StandardSchemaV1.InferOutput<S>>;
export function json<T = unknown>(
  options?: JsonCodecOptions<StandardSchemaV1<unknown, T>>,
): Codec<T>;
export function json(options: JsonCodecOptions = {}): Codec<unknown> {
  const { schema } = options;
  return {
    name: 'json',
    jsonText: schema === undefined,
    encode(value) {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (cause) {
        // BigInts and cycles land here.
        throw new TypeError(`json codec: value is not JSON-serialisable (${describe(cause)})`, {
          cause,
        });
      }
      // Top-level undefined, functions and symbols stringify to undefined rather than throwing.
      if (text === undefined) {
        throw new TypeError(`json codec: value of type ${typeof value} is not JSON-serialisable`);
      }
      return encoder.encode(text);
    },
    decode(bytes) {
      const text = decodeUtf8('json', bytes);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new CodecError('json', `invalid JSON (${describe(cause)})`, { cause });
      }
      return schema === undefined ? value : validate(schema, value);
    },
  };
}

function validate(schema: StandardSchemaV1, value: unknown): unknown {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    // Nobody will await this promise; keep a rejection from surfacing as unhandled.
    result.catch(() => {});
    throw new CodecError(
      'json',
      `schema from ${schema['~standard'].vendor} validated asynchronously; decoding must be synchronous, so use a schema without async refinements or transforms`,
    );
  }
  if (result.issues) {
    throw new CodecError('json', `schema validation failed: ${formatIssues(result.issues)}`, {
      cause: result.issues,
    });
  }
  return result.value;
}

function formatIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): string {
  const listed = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const rest = issues.length - listed.length;
  if (rest > 0) listed.push(`and ${rest} more`);
  return listed.join('; ');
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined || path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
