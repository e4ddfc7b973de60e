import { describe, expect, it } from 'vitest';
import { RejectedValueLog } from './rejected-value-log.js';

describe('RejectedValueLog', () => {
  it('logs the first rejection, then at most one per interval with the count it skipped', () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    let now = 0;
    const log = new RejectedValueLog(
      { warn: (message, details) => lines.push([message, details]), error: () => {} },
      'flags',
      1_000,
      () => now,
    );
    const reject = (offset: number) =>
      log.report({ failure: 'encode', key: 'k', partition: 0, offset, error: new Error('deep') });
    for (let i = 0; i < 100; i++) {
      reject(i);
      now += 50;
    }
    // 100 rejections over 5 s: one line per second.
    expect(lines).toHaveLength(5);
    expect(lines[0]![0]).toContain('Table "flags" kept the previous value of key "k"');
    expect(lines[0]![0]).toContain('deep');
    expect(lines[0]![1]).toMatchObject({ offset: 0, failure: 'encode', unloggedSinceLast: 0 });
    expect(lines[1]![1]).toMatchObject({ offset: 20, unloggedSinceLast: 19 });
  });
});
