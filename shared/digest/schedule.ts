/**
 * The digest's schedule at run time: EventBridge's form of its cron (for synth), the window a send
 * covers, and the next send (the local runtime). cron-parser (with luxon, about 11 ms to load) is
 * loaded on first use, so the api and checks functions do not pay for it at cold start.
 */
export interface DigestSchedule {
  cron: string;
  timezone: string;
}

/** The schedule when the config has no digest (a preview still works): daily at 09:00 UTC. */
export const DEFAULT_DIGEST_SCHEDULE: DigestSchedule = { cron: '0 9 * * *', timezone: 'UTC' };

const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * The EventBridge Scheduler form of a five-field cron: `cron(M H DoM Mon DoW *)`, with `?` in the
 * day field not given (EventBridge wants exactly one of them) and days of the week as EventBridge
 * numbers them (1-7, Sunday 1; cron's are 0-7, Sunday 0 or 7). A range that wraps past Saturday
 * (`6-0`, `FRI-MON`) becomes two. Both day fields set is refused: cron means "either", and
 * EventBridge cannot say it.
 */
export function eventBridgeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron needs five fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const domSet = dom !== '*' && dom !== '?';
  const dowSet = dow !== '*' && dow !== '?';
  if (domSet && dowSet) throw new Error('give a day of the month or a day of the week, not both');
  return `cron(${minute} ${hour} ${domSet ? dom : dowSet ? '?' : '*'} ${month} ${dowSet ? eventBridgeDow(dow) : '?'} *)`;
}

function eventBridgeDow(field: string): string {
  return field
    .split(',')
    .flatMap((part) => {
      const m = /^([0-7]|[A-Za-z]{3})(?:-([0-7]|[A-Za-z]{3}))?$/.exec(part);
      if (!m) throw new Error(`day-of-week ${JSON.stringify(part)}: use numbers 0-7, names (MON) or ranges (1-5)`);
      if (m[2] === undefined) return [String(day(m[1]!))];
      const [from, to] = [day(m[1]!), day(m[2])];
      if (from <= to) return [from === to ? String(from) : `${from}-${to}`];
      // Wraps past Saturday (7): from..Saturday, then Sunday (1)..to.
      return [from === 7 ? '7' : `${from}-7`, to === 1 ? '1' : `1-${to}`];
    })
    .join(',');
}

/** A cron day of the week (0-7 or a name) as EventBridge's number (1-7, Sunday 1). */
function day(d: string): number {
  if (/^\d$/.test(d)) return (Number(d) % 7) + 1;
  const i = DOW_NAMES.indexOf(d.toUpperCase());
  if (i < 0) throw new Error(`day-of-week ${JSON.stringify(d)} is not a day name`);
  return i + 1;
}

let parser: typeof import('cron-parser').CronExpressionParser | undefined;
const cronParser = async () => (parser ??= (await import('cron-parser')).CronExpressionParser);

/** The window a digest sent at `at` covers: from the schedule's previous time to its last time not after `at` (at most 31 days). */
export async function digestWindow(schedule: DigestSchedule, at: Date): Promise<{ from: Date; to: Date }> {
  const it = (await cronParser()).parse(schedule.cron, { tz: schedule.timezone, currentDate: new Date(at.getTime() + 1) });
  const to = it.prev().toDate();
  const from = it.prev().toDate();
  return { from: new Date(Math.max(from.getTime(), to.getTime() - 31 * 86_400_000)), to };
}

/** When the digest is next due after `at`. */
export async function nextDigestAt(schedule: DigestSchedule, at: Date): Promise<Date> {
  return (await cronParser()).parse(schedule.cron, { tz: schedule.timezone, currentDate: at }).next().toDate();
}
