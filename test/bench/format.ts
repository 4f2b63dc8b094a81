/** Plain-text tables and number formatting for the bench report. */

export type Cell = string | number | null | undefined;

/**
 * A table with a header row. Columns align as `align` says ('l' or 'r'); by default the first is
 * left-aligned and the others right-aligned when every cell is a number (with an optional unit).
 */
export function table(headers: string[], rows: Cell[][], indent = '  ', align?: Array<'l' | 'r'>): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const right = headers.map((_, i) =>
    align ? align[i] === 'r' : i > 0 && text.every((r) => r[i] === '-' || /^[-+$]?[\d,.]+( ?[a-zA-Z%/]+)?$/.test(r[i]!)),
  );
  const line = (cells: string[], header = false) =>
    indent +
    cells
      .map((c, i) => (right[i] && !header ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers, true), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...text.map((r) => line(r))].join('\n');
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return typeof c === 'number' ? num(c) : c;
}

/** A number with thousands separators and up to `digits` decimals (fewer for large values). */
export function num(n: number, digits?: number): string {
  if (!Number.isFinite(n)) return String(n);
  const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3);
  return n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: d });
}

export const ms = (n: number | null | undefined) => (n === null || n === undefined || Number.isNaN(n) ? '-' : `${num(n, n >= 100 ? 0 : 1)} ms`);
export const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
export const kb = (bytes: number) => `${num(bytes / 1024, 1)} KB`;

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

export function heading(title: string): string {
  return `\n${title}\n${'='.repeat(title.length)}`;
}
