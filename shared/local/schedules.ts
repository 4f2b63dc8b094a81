import { errorFields, type Logger } from '../log';
import { ScheduleError, assertScheduleName } from '../schedules/errors';
import type { OneTimeSchedule, SchedulerPort } from '../schedules/port';
import { QueueStore } from './queue-store';
import type { LocalQueues } from './queues';

/** Node clamps a setTimeout delay above 2^31-1 ms (~24.8 days) to 1 ms; longer waits re-arm in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PendingSchedule {
  name: string;
  queue: string;
  at: Date;
  body: string;
}

interface Entry {
  schedule: OneTimeSchedule;
  timer?: NodeJS.Timeout;
}

/**
 * One-time schedules in process, with the semantics the EventBridge adapter gives the core: a
 * schedule sends `{ id: name, body }` to its queue at `at` (at once if `at` is past) and then is
 * gone (ActionAfterCompletion DELETE), so its name can be used again; creating a name that is
 * pending is a no-op; deleting one that is not is too. Timers are unref'd so a pending schedule
 * never keeps the process alive.
 *
 * Like the queues, schedules are written through to the store before a call returns, and `resume()`
 * arms those an earlier run left (one overdue fires at once). A schedule fires in one transaction
 * with the store: it is deleted and its message enqueued together, so a crash neither loses the
 * message nor sends it twice.
 */
export class LocalSchedules implements SchedulerPort {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  /** Port calls, as Scheduler would see them (benchmarks count these). */
  readonly calls = { create: 0, delete: 0 };
  /** What happened to them: `duplicates` are creates of a pending name, `failed` deliveries are logged. */
  readonly counts = { created: 0, duplicates: 0, deleted: 0, fired: 0, failed: 0 };

  constructor(
    private readonly queues: Pick<LocalQueues, 'enqueue' | 'has'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** Share the queues' store, so that a firing schedule and its message commit together. */
    private readonly store: QueueStore = QueueStore.inMemory(),
  ) {}

  /**
   * Arm the schedules the store holds from an earlier run (after the queues they target exist).
   * Returns how many.
   */
  resume(): number {
    let resumed = 0;
    for (const s of this.store.loadSchedules()) {
      if (this.entries.has(s.name)) continue;
      const entry: Entry = { schedule: { name: s.name, queue: s.queue, body: s.body, at: new Date(s.at) } };
      this.entries.set(s.name, entry);
      this.arm(entry);
      resumed++;
    }
    return resumed;
  }

  async create(schedule: OneTimeSchedule): Promise<void> {
    this.calls.create++;
    assertScheduleName(schedule.name);
    if (Number.isNaN(schedule.at.getTime())) {
      throw new ScheduleError(`schedule ${schedule.name} has an invalid time`, { retryable: false, code: 'invalid_schedule' });
    }
    // The AWS adapter fails the same way: it has no ARN for a queue it does not know.
    if (!this.queues.has(schedule.queue)) {
      throw new ScheduleError(`no local queue named ${schedule.queue}`, { retryable: false, code: 'scheduler_not_configured' });
    }
    if (this.entries.has(schedule.name)) {
      this.counts.duplicates++;
      // The first create's write may not be committed yet: this answers with its commit.
      await this.store.flushed();
      return;
    }
    const entry: Entry = { schedule: { ...schedule, at: new Date(schedule.at) } };
    this.store.putSchedule({ name: schedule.name, queue: schedule.queue, at: schedule.at.getTime(), body: schedule.body });
    this.entries.set(schedule.name, entry);
    this.counts.created++;
    this.arm(entry);
    // As CreateSchedule answers: the schedule is kept once this resolves.
    try {
      await this.store.flushed();
    } catch (err) {
      // The write was rolled back with its commit. Forget the entry too, so the caller's retry
      // writes it again instead of being answered as a duplicate of a schedule no restart would find.
      if (this.entries.get(schedule.name) === entry) {
        if (entry.timer) clearTimeout(entry.timer);
        this.entries.delete(schedule.name);
        this.counts.created--;
      }
      throw err;
    }
  }

  async delete(name: string): Promise<void> {
    this.calls.delete++;
    assertScheduleName(name);
    const entry = this.entries.get(name);
    if (!entry) return;
    this.store.deleteSchedule(name);
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(name);
    this.counts.deleted++;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** The schedules that have not fired yet, soonest first (copies). */
  pending(): PendingSchedule[] {
    return [...this.entries.values()]
      .map(({ schedule: s }) => ({ name: s.name, queue: s.queue, at: new Date(s.at), body: s.body }))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /** Stops every timer; what was pending stays listed in `pending()` but never fires. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  private arm(entry: Entry): void {
    if (this.closed) return;
    const wait = Math.max(0, entry.schedule.at.getTime() - this.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      // A long wait arrives in steps of at most MAX_TIMER_MS (and a timer may fire a tick early).
      if (this.now() < entry.schedule.at.getTime()) this.arm(entry);
      else this.fire(entry);
    }, Math.min(wait, MAX_TIMER_MS));
    entry.timer.unref?.();
  }

  private fire(entry: Entry): void {
    const { name, queue, body } = entry.schedule;
    // Gone before the send, as Scheduler deletes after completion: a create of the name may follow.
    if (this.entries.get(name) !== entry) return;
    this.entries.delete(name);
    this.counts.fired++;
    try {
      this.store.transaction(() => {
        this.store.deleteSchedule(name);
        this.queues.enqueue(queue, [{ id: name, body }]);
      });
    } catch (err) {
      this.counts.failed++;
      this.log.error('one-time schedule could not send its message', { schedule: name, queue, ...errorFields(err) });
      // Gone all the same, as in memory (Scheduler too drops a schedule whose target failed for good).
      try {
        this.store.deleteSchedule(name);
      } catch {
        // the store itself is failing; the error above says so
      }
    }
  }
}
