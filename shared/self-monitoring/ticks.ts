import type { Logger } from '../log';

/**
 * When a periodic job last completed, for GET /v1/health?deep=1: one small item per job, written
 * at most once per run (the checks tick's is about 43,200 writes a month, 3 cents on demand).
 */
export const CHECKS_TICK = 'checks';

/** The store port (the store adapters implement it). */
export interface TickStore {
  /** Record a completed run at `at`; an older `at` than the stored one changes nothing. */
  record(name: string, at: Date): Promise<void>;
  last(name: string): Promise<Date | undefined>;
}

/** A tick's record lives this long after its last write (a removed deployment's item goes). */
export const TICK_RETENTION_S = 30 * 86_400;

/** Record a run; a failure is logged, not thrown: the run's own work is done, and the next one records again. */
export async function recordTick(ticks: TickStore, name: string, at: Date, log: Logger): Promise<void> {
  try {
    await ticks.record(name, at);
  } catch (err) {
    log.warn('could not record the tick (GET /v1/health?deep=1 shows the previous one)', { tick: name, err });
  }
}
