import {
  ListSchedulesCommand,
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../queues/names';
import { ScheduleError } from './errors';
import { atExpression, eventBridgeScheduler, fireTime, schedulerConfigFromEnv, type EventBridgeSchedulerConfig } from './eventbridge';

const scheduler = mockClient(SchedulerClient);
afterAll(() => scheduler.restore());
beforeEach(() => scheduler.reset());

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:Alertflow-AlertsQueue';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/Alertflow-SchedulerRole';
const CONFIG: EventBridgeSchedulerConfig = { group: 'alertflow-schedules', roleArn: ROLE_ARN, queueArns: { alerts: QUEUE_ARN } };
const NOW = new Date('2026-03-01T10:00:00.000Z');
const meta = { httpStatusCode: 400, requestId: 'c0ffee00-1111-2222-3333-444455556666' };
/** As the SDK deserializes a service error: `Message` from the body, copied to `message`. */
const opts = (message: string, httpStatusCode = 400) => ({ message, Message: message, $metadata: { ...meta, httpStatusCode } });
const BODY = JSON.stringify({ kind: 'flush', id: 'f-1', groupId: 'g-1', at: Date.parse('2026-03-01T10:30:00Z'), reason: 'timer' });

const port = (config: EventBridgeSchedulerConfig | (() => EventBridgeSchedulerConfig) = CONFIG) => eventBridgeScheduler({ config, clock: () => NOW });
const flush = (at = new Date('2026-03-01T10:30:00.000Z'), name = 'flush-g-1-1772361000') => ({ name, at, queue: 'alerts', body: BODY });

async function rejection(p: Promise<unknown>): Promise<ScheduleError> {
  const caught = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught).toBeInstanceOf(ScheduleError);
  return caught as ScheduleError;
}

describe('fireTime', () => {
  it('keeps a time on a whole minute as it is', () => {
    expect(fireTime(new Date('2026-03-01T10:30:00.000Z'), NOW).toISOString()).toBe('2026-03-01T10:30:00.000Z');
  });

  it('rounds any part of a minute up, never down (Scheduler fires anywhere within the minute)', () => {
    expect(fireTime(new Date('2026-03-01T10:30:00.001Z'), NOW).toISOString()).toBe('2026-03-01T10:31:00.000Z');
    expect(fireTime(new Date('2026-03-01T10:30:59.999Z'), NOW).toISOString()).toBe('2026-03-01T10:31:00.000Z');
  });

  it('moves a time in the past, or only moments ahead, to the next minute at least 5 s away', () => {
    expect(fireTime(new Date('2026-03-01T09:00:00Z'), NOW).toISOString()).toBe('2026-03-01T10:01:00.000Z');
    expect(fireTime(NOW, new Date('2026-03-01T10:00:56Z')).toISOString()).toBe('2026-03-01T10:02:00.000Z');
    expect(fireTime(new Date('2026-03-01T10:00:10Z'), new Date('2026-03-01T10:00:09Z')).toISOString()).toBe('2026-03-01T10:01:00.000Z');
  });

  it('formats as at(yyyy-mm-ddThh:mm:ss) in UTC, without milliseconds or zone', () => {
    expect(atExpression(new Date('2026-12-31T23:59:00.000Z'))).toBe('at(2026-12-31T23:59:00)');
  });
});

describe('eventBridgeScheduler', () => {
  it('creates a one-time UTC schedule that sends the body to the queue and deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/alertflow-schedules/x' });
    await port().create(flush(new Date('2026-03-01T10:30:00.250Z')));
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Name: 'flush-g-1-1772361000',
      GroupName: 'alertflow-schedules',
      ScheduleExpression: 'at(2026-03-01T10:31:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: QUEUE_ARN, RoleArn: ROLE_ARN, Input: BODY, RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 } },
    });
  });

  it("sends a target with a role of its own through that role, with the target's dead-letter queue", async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    const ESC = 'arn:aws:sqs:eu-west-1:123456789012:escalations';
    const ESC_ROLE = 'arn:aws:iam::123456789012:role/escalation-scheduler';
    const ESC_DLQ = 'arn:aws:sqs:eu-west-1:123456789012:escalations-dlq';
    const p = eventBridgeScheduler({ config: { group: 'alertflow-schedules', roleArn: ROLE_ARN, queueArns: { escalations: { arn: ESC, roleArn: ESC_ROLE, dlqArn: ESC_DLQ } } }, clock: () => NOW });
    await p.create({ name: 'esc-1', at: new Date('2026-03-01T11:00:00Z'), queue: 'escalations', body: BODY });
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target).toEqual({
      Arn: ESC,
      RoleArn: ESC_ROLE,
      Input: BODY,
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: ESC_DLQ },
    });
  });

  it('treats a ConflictException (the schedule exists) as success', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException(opts('Schedule flush-g-1 already exists.', 409)));
    await expect(port().create(flush())).resolves.toBeUndefined();
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('lists schedule names by prefix in the group, across pages', async () => {
    scheduler
      .on(ListSchedulesCommand, { GroupName: 'alertflow-schedules', NamePrefix: 'esc-', NextToken: undefined })
      .resolves({ Schedules: [{ Name: 'esc-a' }], NextToken: 'p2' })
      .on(ListSchedulesCommand, { GroupName: 'alertflow-schedules', NamePrefix: 'esc-', NextToken: 'p2' })
      .resolves({ Schedules: [{ Name: 'esc-b' }] });
    expect(await port().list!('esc-')).toEqual(['esc-a', 'esc-b']);
  });

  it('deletes by name in the group', async () => {
    scheduler.on(DeleteScheduleCommand).resolves({});
    await port().delete('flush-g-1-1772361000');
    const calls = scheduler.commandCalls(DeleteScheduleCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([{ Name: 'flush-g-1-1772361000', GroupName: 'alertflow-schedules' }]);
  });

  it('treats deleting a schedule that is gone (it ran, or was deleted) as success', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException(opts('Schedule flush-g-1 does not exist.', 404)));
    await expect(port().delete('flush-g-1')).resolves.toBeUndefined();
  });

  it.each([
    ['ValidationException', new ValidationException(opts('The execution role you provide must allow AWS EventBridge Scheduler to assume the role.')), false],
    ['ThrottlingException', new ThrottlingException(opts('Rate exceeded', 429)), true],
    ['InternalServerException', new InternalServerException(opts('internal', 500)), true],
    // A group that does not exist is configuration, not a race: it will not appear on retry.
    ['ResourceNotFoundException', new ResourceNotFoundException(opts('Schedule group alertflow-schedules does not exist.', 404)), false],
  ] as const)('wraps a create %s in a ScheduleError (retryable: %s) naming the schedule, with the SDK error as cause', async (name, err, retryable) => {
    scheduler.on(CreateScheduleCommand).rejects(err);
    const e = await rejection(port().create(flush()));
    expect(e.retryable).toBe(retryable);
    expect(e.code).toBe('schedule_failed');
    expect(e.message).toMatch(new RegExp(`^EventBridge Scheduler CreateSchedule flush-g-1-1772361000 failed: ${name} \\(HTTP \\d+, request ${meta.requestId}\\): `));
    expect(e.cause).toBe(err);
    // The message body (the flush) is never quoted.
    expect(e.message).not.toContain('groupId');
  });

  it('wraps other delete failures, and a network error is retryable', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new ValidationException(opts('bad name')));
    expect(await rejection(port().delete('flush-g-1'))).toMatchObject({ retryable: false, code: 'schedule_failed' });
    scheduler.on(DeleteScheduleCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    expect(await rejection(port().delete('flush-g-1'))).toMatchObject({
      retryable: true,
      message: 'EventBridge Scheduler DeleteSchedule flush-g-1 failed: TimeoutError: socket hang up',
    });
  });

  it('rejects a bad name, an invalid time or an unknown queue before calling AWS', async () => {
    expect(await rejection(port().create(flush(undefined, 'has space')))).toMatchObject({ code: 'invalid_schedule', retryable: false });
    expect(await rejection(port().create(flush(undefined, 'x'.repeat(65))))).toMatchObject({ code: 'invalid_schedule' });
    expect(await rejection(port().delete('a/b'))).toMatchObject({ code: 'invalid_schedule' });
    expect(await rejection(port().create(flush(new Date(Number.NaN))))).toMatchObject({ code: 'invalid_schedule' });
    const e = await rejection(port().create({ ...flush(), queue: 'slack-notifications' }));
    expect(e).toMatchObject({ code: 'scheduler_not_configured', retryable: false });
    expect(e.message).toContain(ENV.queueArns);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('reads its config on first use only, and fails then with what is missing', async () => {
    let reads = 0;
    const lazy = port(() => {
      reads++;
      return schedulerConfigFromEnv({});
    });
    expect(reads).toBe(0);
    const e = await rejection(lazy.create(flush()));
    expect(e.code).toBe('scheduler_not_configured');
    expect(e.message).toBe(
      `one-time schedules are not configured for this function: ${ENV.scheduleGroup}, ${ENV.schedulerRoleArn}, ${ENV.queueArns} not set`,
    );
    expect(reads).toBe(1);
    expect(scheduler.calls()).toHaveLength(0);
  });
});

describe('schedulerConfigFromEnv', () => {
  const env = { [ENV.scheduleGroup]: 'alertflow-schedules', [ENV.schedulerRoleArn]: ROLE_ARN, [ENV.queueArns]: JSON.stringify({ alerts: QUEUE_ARN }) };

  it('reads the group, role and queue ARNs', () => {
    expect(schedulerConfigFromEnv(env)).toEqual(CONFIG);
  });

  it('names the one variable that is missing', () => {
    expect(() => schedulerConfigFromEnv({ ...env, [ENV.schedulerRoleArn]: '' })).toThrow(`${ENV.schedulerRoleArn} not set`);
  });

  it('rejects queue ARNs that are not JSON, or not SQS ARNs', () => {
    expect(() => schedulerConfigFromEnv({ ...env, [ENV.queueArns]: '{alerts:' })).toThrow(`${ENV.queueArns} is not valid JSON`);
    expect(() => schedulerConfigFromEnv({ ...env, [ENV.queueArns]: JSON.stringify({ alerts: 'https://sqs.eu-west-1.amazonaws.com/1/q' }) })).toThrow(
      /alerts: must be an SQS queue ARN/,
    );
    expect(() => schedulerConfigFromEnv({ ...env, [ENV.queueArns]: '[]' })).toThrow(ScheduleError);
  });
});
