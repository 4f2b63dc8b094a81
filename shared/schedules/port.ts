/**
 * One-time schedules: a message put on a queue at a given time. Group flushes further out than
 * SQS's 15-minute DelaySeconds use them (see `timers.ts`). On AWS this is EventBridge Scheduler with
 * an SQS target; the local runtime keeps them in process.
 */
export interface OneTimeSchedule {
  /** Deterministic, [0-9A-Za-z_.-]{1,64}: creating the same schedule twice is a no-op, not a duplicate. */
  name: string;
  at: Date;
  /** Logical queue name (see queues/names.ts) the message is sent to. */
  queue: string;
  body: string;
}

export interface SchedulerPort {
  /**
   * How precisely a schedule fires, in ms (EventBridge Scheduler: a whole minute). Timers due in
   * the same slot of this size are set as one schedule (grouping/timers.ts). Default: 1000.
   */
  readonly precisionMs?: number;
  /** Create the schedule; an existing schedule of the same name counts as success. */
  create(schedule: OneTimeSchedule): Promise<void>;
  /** Delete a schedule; one that does not exist (already ran, or deleted) counts as success. */
  delete(name: string): Promise<void>;
  /** The names of the pending schedules that start with `prefix` (the auditor's look for orphans). */
  list?(prefix: string): Promise<string[]>;
}
