/** How the CLI prints what it read: aligned columns for people, JSON for scripts (`--output json`). */
export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Rows under a header, each column as wide as its widest cell, two spaces apart; the last column
 * is not padded. Newlines in a cell are shown as spaces so a row stays one line.
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const clean = (cell: string) => cell.replace(/[\r\n\t]+/g, ' ');
  const all = [header, ...rows].map((r) => r.map(clean));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** JSON as scripts read it: indented, one document, a trailing newline. */
export const formatJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** `2026-11-22 14:00:00 UTC` (amtool's default date format) from an RFC 3339 time; "" for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A label set as the tables show it: `name="value"` pairs, space-separated. */
export const labelsText = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
