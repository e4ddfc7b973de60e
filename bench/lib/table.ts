/** Plain-text table for terminal reports. */

export type Align = 'left' | 'right';

export interface Column {
  readonly header: string;
  readonly align?: Align;
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const widths = columns.map((col, i) =>
    Math.max(displayWidth(col.header), ...rows.map((row) => displayWidth(row[i] ?? ''))),
  );
  const pad = (text: string, i: number): string => {
    const gap = ' '.repeat(Math.max(0, widths[i]! - displayWidth(text)));
    return columns[i]?.align === 'left' ? text + gap : gap + text;
  };
  const line = (cells: readonly string[]): string =>
    columns
      .map((_, i) => pad(cells[i] ?? '', i))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].join('\n');
}

/** Code points, which is right for the ASCII, ✓, ✗, × and — this table prints. */
function displayWidth(text: string): number {
  return [...text].length;
}
