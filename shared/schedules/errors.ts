import { AlertflowError } from '../errors';

/** Schedule names as EventBridge Scheduler accepts them (and as `OneTimeSchedule.name` promises). */
export const SCHEDULE_NAME = /^[0-9A-Za-z_.-]{1,64}$/;

/**
 * A one-time schedule could not be created or deleted. `retryable` says whether trying again can
 * help (throttling, a 5xx, the network) or not (a bad name, missing configuration or permissions).
 * Messages name schedules and queues, never message bodies.
 */
export class ScheduleError extends AlertflowError {
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { retryable: boolean; code?: 'schedule_failed' | 'scheduler_not_configured' | 'invalid_schedule'; cause?: unknown },
  ) {
    super(options.code ?? 'schedule_failed', 500, message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** Both adapters check names up front, so a bad name fails locally as it would on AWS. */
export function assertScheduleName(name: string): void {
  if (!SCHEDULE_NAME.test(name)) {
    throw new ScheduleError(`invalid schedule name ${JSON.stringify(name.slice(0, 80))}: expected [0-9A-Za-z_.-]{1,64}`, {
      retryable: false,
      code: 'invalid_schedule',
    });
  }
}
