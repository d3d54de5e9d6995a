/** A column of a text table: its heading and whether numbers line up on the right. */
export interface Column {
  heading: string;
  align?: 'left' | 'right';
}

/** Renders rows as a plain-text table with a heading rule, every column padded to its widest cell. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.heading.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        return column.align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.heading)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** A count with thousands separators, the way the tools print figures. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
