import { describe, expect, it } from 'vitest';
import * as protocol from './index.js';

describe('protocol index', () => {
  it('exports the public functions and constants, and nothing internal', () => {
    expect(Object.keys(protocol).sort()).toEqual([
      'HTTP_SNAPSHOT_SUB',
      'PROTOCOL_VERSION',
      'ProtocolError',
      'SUBPROTOCOL',
      'encodeMessage',
      'fromWireValue',
      'keyMatcher',
      'parseClientMessage',
      'parseServerMessage',
      'positionCovers',
      'samePosition',
      'tablePosition',
      'toWireValue',
    ]);
    expect(protocol.PROTOCOL_VERSION).toBe(1);
    expect(protocol.SUBPROTOCOL).toBe('tablecast.v1');
    expect(protocol.HTTP_SNAPSHOT_SUB).toBe('http');
  });
});
