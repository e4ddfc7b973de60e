import { describe, expect, it } from 'vitest';
import { ProtocolError } from './protocol-error.js';

describe('ProtocolError', () => {
  it('carries code, name, message and cause', () => {
    const cause = new SyntaxError('boom');
    const error = new ProtocolError('BAD_MESSAGE', 'message is not valid JSON', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
    expect(error.code).toBe('BAD_MESSAGE');
    expect(error.message).toBe('message is not valid JSON');
    expect(error.cause).toBe(cause);
  });

  it('has no own cause or sub when none is given', () => {
    const error = new ProtocolError('INTERNAL', 'x', { sub: 's1' });
    expect(Object.hasOwn(error, 'cause')).toBe(false);
    expect(error.sub).toBe('s1');
    expect(Object.hasOwn(new ProtocolError('INTERNAL', 'x'), 'sub')).toBe(false);
  });
});
