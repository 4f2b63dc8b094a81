/**
 * Durations in Prometheus' format ("30s", "5m", "1h30m", "1d", "1w", "250ms"), as Alertmanager
 * configs write them. Returns milliseconds.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;
/**
 * The longest duration taken: 100 years. Longer ones mean nothing here, and added to a time they
 * leave JavaScript's Date range (about 273,000 years), where every time computed from them fails.
 */
export const MAX_DURATION_MS = 100 * UNIT_MS.y!;
/** MAX_DURATION_MS as the config and the API write it. */
export const MAX_DURATION = '100y';

/** A well-formed duration longer than MAX_DURATION_MS. */
export class DurationTooLongError extends Error {
  constructor(text: string) {
    super(`not a duration: ${JSON.stringify(text)} (at most ${MAX_DURATION})`);
    this.name = 'DurationTooLongError';
  }
}

export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (!/^(\d+(ms|y|w|d|h|m|s))+$/.test(text)) {
    throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. "30s", "5m", "1h30m")`);
  }
  PART.lastIndex = 0;
  let total = 0;
  let lastUnit = -1;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    const unit = m[2]!;
    const rank = ORDER.indexOf(unit);
    // Prometheus requires units from largest to smallest, each at most once.
    if (rank <= lastUnit) throw new Error(`not a duration: ${JSON.stringify(text)} (units out of order)`);
    lastUnit = rank;
    total += Number(m[1]) * UNIT_MS[unit]!;
  }
  if (total > MAX_DURATION_MS) throw new DurationTooLongError(text);
  return total;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ORDER) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
