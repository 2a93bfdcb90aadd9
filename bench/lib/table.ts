/** Plain-text tables for the terminal and Markdown tables for bench/README.md, from the same rows. */

export type Cell = string | number | null | undefined;

export interface Column {
  readonly header: string;
  /** Right-aligned (numbers) unless 'left'. */
  readonly align?: 'left' | 'right';
}

const text = (cell: Cell): string => {
  if (cell === null || cell === undefined) return '–';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '–';
  return cell;
};

/** An aligned text table with a title line. */
export function formatTable(title: string, columns: readonly Column[], rows: readonly Cell[][]): string {
  const cells = rows.map((row) => columns.map((_, i) => text(row[i])));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === 'left' ? value.padEnd(width) : value.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [title, line(columns.map((c) => c.header)), rule, ...cells.map(line)].join('\n');
}

/** A GitHub Markdown table. */
export function markdownTable(columns: readonly Column[], rows: readonly Cell[][]): string {
  const escape = (value: string) => value.replaceAll('|', '\\|');
  const header = `| ${columns.map((c) => escape(c.header)).join(' | ')} |`;
  const rule = `| ${columns.map((c) => (c.align === 'left' ? '---' : '--:')).join(' | ')} |`;
  const body = rows.map((row) => `| ${columns.map((_, i) => escape(text(row[i]))).join(' | ')} |`);
  return [header, rule, ...body].join('\n');
}

/** `12.3456` → `12.3`, with a fixed number of decimals; null/NaN → null. */
export const fixed = (value: number | null | undefined, digits = 1): string | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value.toFixed(digits);

/** A 0..1 ratio as a percentage string. */
export const percent = (value: number | null | undefined, digits = 1): string | null =>
  value === null || value === undefined || !Number.isFinite(value)
    ? null
    : `${(value * 100).toFixed(digits)} %`;
