import { describe, expect, it } from 'vitest';
import { CodecError } from './codec-error.js';

describe('CodecError', () => {
  it('carries code, codec, cause and a prefixed message', () => {
    const cause = new SyntaxError('boom');
    const error = new CodecError('json', 'invalid JSON', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CodecError');
    expect(error.code).toBe('CODEC_ERROR');
    expect(error.codec).toBe('json');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('json codec: invalid JSON');
  });

  it('has no own cause when none is given', () => {
    expect(Object.hasOwn(new CodecError('utf8', 'x'), 'cause')).toBe(false);
  });
});
