import { describe, expect, it } from 'vitest';
import { TextRows } from './text-rows.js';

describe('TextRows', () => {
  it('reads every row of many blocks as its text parses, each once, the same object after', () => {
    const rows = new TextRows();
    const values = Array.from({ length: 10_000 }, (_, i) => ({ i, tag: `v${i}` }));
    // Two frames, so rows name different ones.
    const texts = [values.slice(0, 6_000), values.slice(6_000)].map((part) =>
      part.map((value) => JSON.stringify(value)).join(' '),
    );
    const ids: number[] = [];
    for (const [f, text] of texts.entries()) {
      const frame = rows.addFrame(text);
      let at = 0;
      for (const piece of text.split(' ')) {
        ids.push(rows.add(frame, at, at + piece.length));
        at += piece.length + 1;
      }
      expect(frame).toBe(f);
    }
    expect(rows.size).toBe(10_000);
    expect(ids).toEqual(values.map((_, i) => i));
    // Read out of order, across blocks.
    for (const row of [9_999, 0, 4_095, 4_096, 8_191, 8_192, 6_000, 5_999]) {
      expect(rows.peek(row)).toBeUndefined();
      const value = rows.value(row);
      expect(value).toEqual(values[row]);
      expect(rows.value(row)).toBe(value);
      expect(rows.peek(row)).toBe(value);
    }
    for (let row = 0; row < 10_000; row++) expect(rows.value(row)).toEqual(values[row]);
  });
});
