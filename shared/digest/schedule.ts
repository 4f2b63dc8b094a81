/**
 * The digest's schedule at run time: the window a send covers, and the next send (the local
 * runtime). EventBridge's form of the cron is the config's (config/digest.ts). cron-parser (with
 * luxon, about 11 ms to load) is loaded on first use, so the api and checks functions do not pay
 * for it at cold start.
 */
export interface DigestSchedule {
  cron: string;
  timezone: string;
}

/** The schedule when the config has no digest (a preview still works): daily at 09:00 UTC. */
export const DEFAULT_DIGEST_SCHEDULE: DigestSchedule = { cron: '0 9 * * *', timezone: 'UTC' };

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
