import { CronExpressionParser } from 'cron-parser';
import * as z from 'zod';
import { eventBridgeCron } from './schedule';

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
