import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import * as z from 'zod';
import { ENV } from '../queues/names';
import { ScheduleError, assertScheduleName } from './errors';
import type { SchedulerPort } from './port';

/** Where one-time schedules go: their group, the role Scheduler assumes, and the target queues. */
export interface EventBridgeSchedulerConfig {
  group: string;
  roleArn: string;
  /**
   * Logical queue name (queues/names.ts) -> queue ARN, or the target with a role of its own (one
   * allowed to reach that queue only) and a dead-letter queue for what Scheduler cannot deliver.
   */
  queueArns: Readonly<Record<string, string | ScheduleTarget>>;
}

export interface ScheduleTarget {
  arn: string;
  roleArn?: string | undefined;
  dlqArn?: string | undefined;
}

/**
 * Scheduler's delivery retries: a target it cannot reach is retried for up to a day (its maximum
 * event age), then the message goes to the target's DLQ where one is set. A timer that was lost
 * anyway is what the escalation auditor looks for.
 */
export const SCHEDULE_RETRY_POLICY = { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 } as const;

export interface EventBridgeSchedulerOptions {
  /** The config, or a function that reads it on first use (so functions that never schedule need none). */
  config: EventBridgeSchedulerConfig | (() => EventBridgeSchedulerConfig);
  clock?: () => Date;
  /** Default: a SchedulerClient built on first use (the SDK is imported then, not at module init). */
  client?: SchedulerClient;
}

/**
 * Scheduler invokes with 60-second precision: a schedule set for 1:00 runs between 1:00:00 and
 * 1:00:59 (Scheduler User Guide, "Schedule types"). So the time is rounded up to a whole minute:
 * rounding to the second could still fire up to 59 s early, and an early flush finds nothing due.
 */
export const SCHEDULER_PRECISION_MS = 60_000;

/**
 * The docs do not say what a one-time schedule in the past does (rejected, never run, or run at
 * once), and none of those is what the caller wants; so a time that is past or about to be is
 * moved to at least this far ahead before rounding. Callers schedule only what is > 900 s out.
 */
export const MIN_LEAD_MS = 5_000;

/** When the schedule is set to fire: never before `at`, never in the past, on a whole minute. */
export function fireTime(at: Date, now: Date): Date {
  const earliest = Math.max(at.getTime(), now.getTime() + MIN_LEAD_MS);
  return new Date(Math.ceil(earliest / SCHEDULER_PRECISION_MS) * SCHEDULER_PRECISION_MS);
}

/** `at(yyyy-mm-ddThh:mm:ss)`, read in the ScheduleExpressionTimezone we send (UTC). */
export function atExpression(time: Date): string {
  return `at(${time.toISOString().slice(0, 19)})`;
}

/** Errors that a later attempt can get past; anything else modelled as a client error cannot. */
const RETRYABLE = new Set(['ThrottlingException', 'InternalServerException']);
const PERMANENT = new Set(['ValidationException', 'AccessDeniedException', 'ResourceNotFoundException', 'ServiceQuotaExceededException']);

/**
 * One-time schedules on EventBridge Scheduler with an SQS target: the schedule sends `body` to the
 * queue, then deletes itself (ActionAfterCompletion DELETE). Names are deterministic, so a retried
 * create meets a ConflictException, which is the success the port promises; deleting a schedule
 * that already ran (and so deleted itself) meets ResourceNotFoundException, likewise success.
 */
export function eventBridgeScheduler(opts: EventBridgeSchedulerOptions): SchedulerPort {
  const clock = opts.clock ?? (() => new Date());
  let client = opts.client;
  let config: EventBridgeSchedulerConfig | undefined;
  const getConfig = () => (config ??= typeof opts.config === 'function' ? opts.config() : opts.config);

  return {
    precisionMs: SCHEDULER_PRECISION_MS,

    async create(schedule) {
      assertScheduleName(schedule.name);
      if (Number.isNaN(schedule.at.getTime())) {
        throw new ScheduleError(`schedule ${schedule.name} has an invalid time`, { retryable: false, code: 'invalid_schedule' });
      }
      const { group, roleArn, queueArns } = getConfig();
      const entry = Object.hasOwn(queueArns, schedule.queue) ? queueArns[schedule.queue] : undefined;
      const target: ScheduleTarget | undefined = typeof entry === 'string' ? { arn: entry } : entry;
      if (!target) {
        throw new ScheduleError(`no ARN is configured for queue ${schedule.queue} (${ENV.queueArns})`, {
          retryable: false,
          code: 'scheduler_not_configured',
        });
      }
      const sdk = await import('@aws-sdk/client-scheduler');
      client ??= new sdk.SchedulerClient({});
      try {
        await client.send(
          new sdk.CreateScheduleCommand({
            Name: schedule.name,
            GroupName: group,
            ScheduleExpression: atExpression(fireTime(schedule.at, clock())),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Target: {
              Arn: target.arn,
              RoleArn: target.roleArn ?? roleArn,
              Input: schedule.body,
              RetryPolicy: SCHEDULE_RETRY_POLICY,
              ...(target.dlqArn ? { DeadLetterConfig: { Arn: target.dlqArn } } : {}),
            },
          }),
        );
      } catch (err) {
        if (errorName(err) === 'ConflictException') return;
        throw scheduleError('CreateSchedule', schedule.name, err);
      }
    },

    async list(prefix) {
      const { group } = getConfig();
      const sdk = await import('@aws-sdk/client-scheduler');
      client ??= new sdk.SchedulerClient({});
      const names: string[] = [];
      let next: string | undefined;
      do {
        try {
          const res = await client.send(new sdk.ListSchedulesCommand({ GroupName: group, NamePrefix: prefix, NextToken: next }));
          for (const s of res.Schedules ?? []) if (s.Name) names.push(s.Name);
          next = res.NextToken;
        } catch (err) {
          throw scheduleError('ListSchedules', prefix, err);
        }
      } while (next);
      return names;
    },

    async delete(name) {
      assertScheduleName(name);
      const { group } = getConfig();
      const sdk = await import('@aws-sdk/client-scheduler');
      client ??= new sdk.SchedulerClient({});
      try {
        await client.send(new sdk.DeleteScheduleCommand({ Name: name, GroupName: group }));
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') return;
        throw scheduleError('DeleteSchedule', name, err);
      }
    },
  };
}

const SqsArn = z.string().regex(/^arn:[^:]+:sqs:/, 'must be an SQS queue ARN');
const QueueArns = z.record(
  z.string().min(1),
  z.union([SqsArn, z.object({ arn: SqsArn, roleArn: z.string().regex(/^arn:[^:]+:iam:/, 'must be an IAM role ARN').optional(), dlqArn: SqsArn.optional() }).strict()]),
);

/**
 * The config from the function's environment (set by lib/routing.ts). Throws a ScheduleError that
 * names what is missing; called on first use, so only a function that schedules needs it.
 */
export function schedulerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventBridgeSchedulerConfig {
  const group = env[ENV.scheduleGroup];
  const roleArn = env[ENV.schedulerRoleArn];
  const rawArns = env[ENV.queueArns];
  const missing = [!group && ENV.scheduleGroup, !roleArn && ENV.schedulerRoleArn, !rawArns && ENV.queueArns].filter(Boolean);
  if (!group || !roleArn || !rawArns) {
    throw new ScheduleError(`one-time schedules are not configured for this function: ${missing.join(', ')} not set`, {
      retryable: false,
      code: 'scheduler_not_configured',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawArns);
  } catch (err) {
    throw new ScheduleError(`${ENV.queueArns} is not valid JSON`, { retryable: false, code: 'scheduler_not_configured', cause: err });
  }
  const arns = QueueArns.safeParse(parsed);
  if (!arns.success) {
    const issue = arns.error.issues[0];
    throw new ScheduleError(`${ENV.queueArns} must map queue names to SQS queue ARNs (${issue?.path.join('.') || '(root)'}: ${issue?.message})`, {
      retryable: false,
      code: 'scheduler_not_configured',
      cause: arns.error,
    });
  }
  return { group, roleArn, queueArns: arns.data };
}

function errorName(err: unknown): string | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/**
 * An SDK error as a ScheduleError. The message keeps the operation, schedule name, error name,
 * status, request id and the service's own message (Scheduler's say what is wrong, e.g. a role it
 * cannot assume, and quote no message bodies); the SDK error is the cause.
 */
function scheduleError(operation: string, name: string, err: unknown): ScheduleError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    message?: unknown;
    Message?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const errName = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9_.:-]{0,79}$/.test(e.name) ? e.name : 'UnknownError';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const requestId = typeof e.$metadata?.requestId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(e.$metadata.requestId) ? e.$metadata.requestId : undefined;
  const retryable = RETRYABLE.has(errName)
    ? true
    : PERMANENT.has(errName)
      ? false
      : e.$retryable || e.$fault === 'server' || (status !== undefined && status >= 500)
        ? true
        : e.$fault !== 'client';
  const detail = [status !== undefined && `HTTP ${status}`, requestId && `request ${requestId}`].filter(Boolean).join(', ');
  const text = typeof e.message === 'string' && e.message ? e.message : typeof e.Message === 'string' ? e.Message : '';
  const said = text ? `: ${text.replace(/\s+/g, ' ').slice(0, 300)}` : '';
  return new ScheduleError(`EventBridge Scheduler ${operation} ${name} failed: ${errName}${detail ? ` (${detail})` : ''}${said}`, {
    retryable,
    cause: err,
  });
}
