import { CronExpressionParser } from 'cron-parser';
import * as z from 'zod';

/**
 * The daily digest (issue 13): sent on `cron` (five fields: minute hour day-of-month month
 * day-of-week), in `timezone`, to `receiver`. Deployed, `cron` becomes an EventBridge Scheduler
 * cron expression with that timezone (schedule.ts); locally the runtime times it itself. Only the
 * config's validation loads cron-parser here; the functions load it on first use (schedule.ts).
 */
export const DigestConfig = z
  .object({
    receiver: z.string().min(1),
    cron: z.string().default('0 9 * * *'),
    timezone: z.string().default('UTC'),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (!isTimezone(d.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown timezone ${JSON.stringify(d.timezone)} (an IANA name such as Europe/Berlin)` });
      return;
    }
    try {
      eventBridgeCron(d.cron);
      CronExpressionParser.parse(d.cron, { tz: d.timezone });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: (err as Error).message });
    }
  });
export type DigestConfig = z.infer<typeof DigestConfig>;

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

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
