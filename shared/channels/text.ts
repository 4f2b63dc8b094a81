/** Text helpers shared by the renderers. */

/**
 * Cut `text` to at most `max` UTF-16 units (what JSON limits and JS `.length` count; never fewer
 * than Slack's character count), ending with "…" when cut, without splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Label values sorted by label name, as Alertmanager's `.GroupLabels.SortedPairs.Values`. */
export function sortedValues(labels: Record<string, string>): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => labels[k]!);
}

/** A copy with keys in sorted order (Go's encoding/json writes map keys sorted). */
export function sortKeys(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k]!;
  return out;
}
