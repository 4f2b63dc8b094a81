import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../primitives/duration';
import { parseMatcher, parseMatchers } from '../labels/matchers';

/**
 * Argument parsers for the CLI's options and arguments. Each throws commander's
 * InvalidArgumentError, so a bad value is a usage error (exit 2) naming the option.
 */

/**
 * Labels as amtool takes them: `name=value` (the value may be Go-quoted, `a="b c"`), several in one
 * argument comma-separated (`a=b,c=d`). A first word without an operator is the alertname, as in
 * `amtool alert add DiskFull instance=db-1`. Only `=` is a label; `!=`, `=~`, `!~` are refused.
 */
export function parseLabelArgs(args: readonly string[], opts: { alertnameFirst?: boolean } = {}): Record<string, string> {
  const labels: Record<string, string> = {};
  args.forEach((arg, i) => {
    if (i === 0 && opts.alertnameFirst && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(arg)) {
      labels.alertname = arg;
      return;
    }
    let matchers;
    try {
      matchers = parseMatchers(arg);
    } catch (err) {
      throw new InvalidArgumentError(`bad label ${JSON.stringify(arg)}: ${(err as Error).message}`);
    }
    for (const m of matchers) {
      if (m.type !== '=') throw new InvalidArgumentError(`labels must be name=value pairs (got ${JSON.stringify(arg)})`);
      labels[m.name] = m.value;
    }
  });
  return labels;
}

/**
 * Matchers as amtool takes them (`alertname=DiskFull`, `instance=~"db-.*"`), each given back in
 * Alertmanager's text form (`instance=~"db-.*"`). A first word without an operator is
 * `alertname="<word>"`, as in `amtool silence add DiskFull`.
 */
export function parseMatcherArgs(args: readonly string[], opts: { alertnameFirst?: boolean } = {}): string[] {
  return args.map((arg, i) => {
    if (i === 0 && opts.alertnameFirst && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(arg)) return `alertname=${JSON.stringify(arg)}`;
    try {
      return parseMatcher(arg).toString();
    } catch (err) {
      throw new InvalidArgumentError(`bad matcher ${JSON.stringify(arg)}: ${(err as Error).message}`);
    }
  });
}

/** `k=v` (an annotation), collected into `previous` when the option is repeated. */
export function collectKeyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected name=value (got ${JSON.stringify(value)})`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** A repeatable option's values, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A duration such as `2h`, `1h30m` (Alertmanager's units: ms, s, m, h, d, w, y), over zero. */
export function durationArg(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (ms <= 0) throw new InvalidArgumentError(`must be over zero (got ${JSON.stringify(value)})`);
  return ms;
}

/** A time: RFC 3339 (`2026-11-22T14:00:00Z`), or a duration from now (`2h`). */
export function timeArg(value: string, now: () => number = Date.now): Date {
  try {
    const ms = parseDuration(value);
    return new Date(now() + ms);
  } catch {
    // not a duration: a time
  }
  const at = /^\d{4}-\d\d-\d\d[T ]/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw new InvalidArgumentError(`expected an RFC 3339 time (2026-11-22T14:00:00Z) or a duration from now (2h) (got ${JSON.stringify(value)})`);
  return new Date(at);
}

/** A whole number of at least 1 (`--alerts 1000`). */
export function positiveIntArg(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1 (got ${JSON.stringify(value)})`);
  return n;
}

/** A number over zero (`--speed 0.5`). */
export function positiveNumberArg(value: string): number {
  const n = /^\d*\.?\d+$/.test(value) ? Number(value) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number over zero (got ${JSON.stringify(value)})`);
  return n;
}
