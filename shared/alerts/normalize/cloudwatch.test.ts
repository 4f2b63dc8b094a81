import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../../errors';
import { Alert } from '../model';
import { fingerprint } from '../../labels/fingerprint';
import { normalizeCloudWatchEvent, normalizeCloudWatchSns } from './cloudwatch';
import { fixture, thrown } from '../testing';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const alarmEvent = () => fixture<Json>('cloudwatch/eventbridge-alarm-state-change-alarm.json');
const okEvent = () => fixture<Json>('cloudwatch/eventbridge-alarm-state-change-ok.json');
const compositeEvent = () => fixture<Json>('cloudwatch/eventbridge-composite-alarm-state-change.json');
const snsEvent = () => fixture<Json>('cloudwatch/sns-lambda-event-alarm.json');
const snsMessage = (): Json => JSON.parse(snsEvent().Records[0].Sns.Message);

const ignore = { insufficientData: 'ignore' } as const;

function issues(fn: () => unknown): Issue[] {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).details as Issue[];
}

const checkoutLabels = {
  alertname: 'checkout-api-5xx-high',
  source: 'cloudwatch',
  account: '123456789012',
  region: 'eu-west-1',
  alarm_type: 'metric',
  namespace: 'AWS/ApiGateway',
  metric_name: '5XXError',
  dimension_ApiName: 'checkout-api',
  dimension_Stage: 'prod',
};

describe('normalizeCloudWatchEvent', () => {
  it('maps a metric alarm going to ALARM', () => {
    const { alerts, origin } = normalizeCloudWatchEvent(alarmEvent(), ignore);
    expect(origin).toEqual({});
    expect(alerts).toEqual([
      {
        fingerprint: fingerprint(checkoutLabels),
        status: 'firing',
        labels: checkoutLabels,
        annotations: {
          summary: 'Checkout API returns too many 5XX responses',
          description: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints/),
          alarm_arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-api-5xx-high',
          console_url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-api-5xx-high',
        },
        startsAt: '2026-11-20T14:02:11.015Z',
        source: 'cloudwatch',
      },
    ]);
    expect(Alert.parse(alerts[0])).toEqual(alerts[0]);
  });

  it('maps OK to resolved with the same fingerprint, starting when the alarm fired', () => {
    const [firing] = normalizeCloudWatchEvent(alarmEvent(), ignore).alerts;
    const [resolved] = normalizeCloudWatchEvent(okEvent(), ignore).alerts;
    expect(resolved).toMatchObject({
      status: 'resolved',
      startsAt: '2026-11-20T14:02:11.015Z',
      endsAt: '2026-11-20T14:09:11.004Z',
      labels: checkoutLabels,
    });
    expect(resolved!.fingerprint).toBe(firing!.fingerprint);
    expect(Alert.parse(resolved)).toEqual(resolved);
  });

  it('maps a composite alarm without metric labels', () => {
    const [alert] = normalizeCloudWatchEvent(compositeEvent(), ignore).alerts;
    expect(alert!.labels).toEqual({
      alertname: 'checkout-degraded',
      source: 'cloudwatch',
      account: '123456789012',
      region: 'eu-west-1',
      alarm_type: 'composite',
    });
    expect(alert!.status).toBe('firing');
    expect(alert!.startsAt).toBe('2026-11-20T15:30:05.220Z');
    expect(alert!.annotations).toMatchObject({
      summary: 'Checkout is degraded',
      alarm_rule: expect.stringContaining('ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-api-5xx-high")'),
      description: expect.stringContaining('transitioned to ALARM'),
    });
    expect(alert!.fingerprint).toBe(fingerprint(alert!.labels));
  });

  describe('INSUFFICIENT_DATA', () => {
    const insufficient = () => {
      const e = alarmEvent();
      e.detail.state.value = 'INSUFFICIENT_DATA';
      return e;
    };
    it('is ignored by default setting', () => {
      expect(normalizeCloudWatchEvent(insufficient(), ignore)).toEqual({ alerts: [], origin: {} });
    });
    it('can fire, with the same fingerprint as ALARM', () => {
      const [alert] = normalizeCloudWatchEvent(insufficient(), { insufficientData: 'firing' }).alerts;
      expect(alert!.status).toBe('firing');
      expect(alert!.fingerprint).toBe(fingerprint(checkoutLabels));
    });
    it('can resolve', () => {
      const [alert] = normalizeCloudWatchEvent(insufficient(), { insufficientData: 'resolved' }).alerts;
      expect(alert).toMatchObject({ status: 'resolved', endsAt: '2026-11-20T14:02:11.015Z' });
    });
  });

  it('falls back to the alarm name as summary, and gets region and account from the ARN', () => {
    const e = alarmEvent();
    delete e.detail.configuration.description;
    e.region = 'us-east-1';
    e.account = '999999999999';
    const [alert] = normalizeCloudWatchEvent(e, ignore).alerts;
    expect(alert!.annotations.summary).toBe('checkout-api-5xx-high');
    expect(alert!.labels).toMatchObject({ region: 'eu-west-1', account: '123456789012' });
  });

  it('sanitizes dimension names and resolves collisions deterministically', () => {
    const e = alarmEvent();
    e.detail.configuration.metrics[0].metricStat.metric.dimensions = { 'k8s.namespace': 'a', 'k8s-namespace': 'b', Stage: 'prod' };
    const [alert] = normalizeCloudWatchEvent(e, ignore).alerts;
    expect(alert!.labels).toMatchObject({ dimension_k8s_namespace: 'b', dimension_k8s_namespace_2: 'a', dimension_Stage: 'prod' });
  });

  it('names 30 colliding dimensions _2 to _30, and refuses a 31st (CloudWatch allows 30)', () => {
    const e = alarmEvent();
    // Thirty distinct names that all sanitize to `dimension_a_` (their second character is replaced).
    const names = Array.from({ length: 30 }, (_, i) => `a${String.fromCharCode(0x100 + i)}`);
    e.detail.configuration.metrics[0].metricStat.metric.dimensions = Object.fromEntries(names.map((n, i) => [n, String(i)]));
    const [alert] = normalizeCloudWatchEvent(e, ignore).alerts;
    const labels = Object.keys(alert!.labels).filter((l) => l.startsWith('dimension_a_'));
    expect(labels.sort()).toEqual(['dimension_a_', ...Array.from({ length: 29 }, (_, i) => `dimension_a__${i + 2}`)].sort());
    e.detail.configuration.metrics[0].metricStat.metric.dimensions = { ...Object.fromEntries(names.map((n, i) => [n, String(i)])), b: 'x' };
    expect(issues(() => normalizeCloudWatchEvent(e, ignore)).map((i) => i.message)).toEqual(["at most 30 dimensions (CloudWatch's limit per metric)"]);
  });

  it('keeps a dimension named __proto__ (valid in CloudWatch) as dimension___proto__, not dropped; a bad value names it', () => {
    // As the event arrives: JSON.parse makes "__proto__" an own key, which a zod record would drop.
    const text = JSON.stringify(alarmEvent()).replace('"dimensions":{', '"dimensions":{"__proto__":"x","constructor":"y",');
    const [alert] = normalizeCloudWatchEvent(JSON.parse(text), ignore).alerts;
    expect(alert!.labels).toMatchObject({ dimension___proto__: 'x', dimension_constructor: 'y', dimension_ApiName: 'checkout-api', dimension_Stage: 'prod' });
    expect(alert!.fingerprint).not.toBe(normalizeCloudWatchEvent(alarmEvent(), ignore).alerts[0]!.fingerprint);
    const bad = JSON.parse(JSON.stringify(alarmEvent()).replace('"dimensions":{', '"dimensions":{"Shard":7,'));
    expect(issues(() => normalizeCloudWatchEvent(bad, ignore)).map((i) => i.path)).toEqual(['detail.configuration.metrics[0].metricStat.metric.dimensions.Shard']);
  });

  it('omits metric labels for a metric-math alarm over several metrics', () => {
    const e = alarmEvent();
    const m = e.detail.configuration.metrics[0];
    e.detail.configuration.metrics = [m, { ...m, id: 'm2' }, { id: 'e1', expression: 'm1/m2', returnData: true }];
    const [alert] = normalizeCloudWatchEvent(e, ignore).alerts;
    expect(Object.keys(alert!.labels).sort()).toEqual(['account', 'alarm_type', 'alertname', 'region', 'source']);
  });

  it('encodes the alarm name in the console URL', () => {
    const e = alarmEvent();
    e.detail.alarmName = 'api errors/high';
    e.resources = ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api errors/high'];
    expect(normalizeCloudWatchEvent(e, ignore).alerts[0]!.annotations.console_url).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api%20errors%2Fhigh',
    );
  });

  it('rejects other detail types', () => {
    const e = alarmEvent();
    e['detail-type'] = 'CloudWatch Alarm Configuration Change';
    const err = thrown(() => normalizeCloudWatchEvent(e, ignore)) as ValidationError;
    expect(err.message).toBe('invalid CloudWatch alarm event: detail-type: unsupported detail-type (expected "CloudWatch Alarm State Change")');
  });

  it('rejects an unknown state and a missing alarm name', () => {
    const e = alarmEvent();
    e.detail.state.value = 'BROKEN';
    delete e.detail.alarmName;
    expect(issues(() => normalizeCloudWatchEvent(e, ignore)).map((i) => i.path)).toEqual(['detail.alarmName', 'detail.state.value']);
  });

  it('rejects a bad state timestamp', () => {
    const e = alarmEvent();
    e.detail.state.timestamp = '20/11/26 14:01:00';
    expect(issues(() => normalizeCloudWatchEvent(e, ignore))[0]!.path).toBe('detail.state.timestamp');
  });

  it('rejects an SNS event', () => {
    expect(issues(() => normalizeCloudWatchEvent(snsEvent(), ignore)).map((i) => i.path)).toContain('detail-type');
  });
});

describe('normalizeCloudWatchSns', () => {
  const ordersLabels = {
    alertname: 'orders-queue-depth-high',
    source: 'cloudwatch',
    account: '123456789012',
    region: 'eu-west-1',
    alarm_type: 'metric',
    namespace: 'AWS/SQS',
    metric_name: 'ApproximateNumberOfMessagesVisible',
    dimension_QueueName: 'orders',
  };

  it('maps the Lambda SNS event', () => {
    const { alerts } = normalizeCloudWatchSns(snsEvent(), ignore);
    expect(alerts).toEqual([
      {
        fingerprint: fingerprint(ordersLabels),
        status: 'firing',
        labels: ordersLabels,
        annotations: {
          summary: 'Orders queue is backing up',
          description: expect.stringMatching(/^Threshold Crossed: 2 out of the last 2 datapoints/),
          alarm_arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-queue-depth-high',
          console_url: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/orders-queue-depth-high',
        },
        startsAt: '2026-11-20T16:12:33.811Z',
        source: 'cloudwatch',
      },
    ]);
    expect(Alert.parse(alerts[0])).toEqual(alerts[0]);
  });

  it('accepts a record, a notification, the message object and the message string alike', () => {
    const expected = normalizeCloudWatchSns(snsEvent(), ignore);
    const record = snsEvent().Records[0];
    expect(normalizeCloudWatchSns(record, ignore)).toEqual(expected);
    expect(normalizeCloudWatchSns(record.Sns, ignore)).toEqual(expected);
    expect(normalizeCloudWatchSns(snsMessage(), ignore)).toEqual(expected);
    expect(normalizeCloudWatchSns(record.Sns.Message, ignore)).toEqual(expected);
  });

  it('reads every record of the Lambda event', () => {
    const e = snsEvent();
    e.Records.push(e.Records[0]);
    expect(normalizeCloudWatchSns(e, ignore).alerts).toHaveLength(2);
  });

  it('maps OK to resolved with the same fingerprint', () => {
    const m = snsMessage();
    Object.assign(m, { NewStateValue: 'OK', OldStateValue: 'ALARM', StateChangeTime: '2026-11-20T16:30:00.000+0000' });
    const [alert] = normalizeCloudWatchSns(m, ignore).alerts;
    expect(alert).toMatchObject({ status: 'resolved', endsAt: '2026-11-20T16:30:00.000Z', fingerprint: fingerprint(ordersLabels) });
  });

  it('gives the same fingerprint as EventBridge for the same alarm', () => {
    const m = snsMessage();
    Object.assign(m, {
      AlarmName: 'checkout-api-5xx-high',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-api-5xx-high',
      Trigger: {
        MetricName: '5XXError',
        Namespace: 'AWS/ApiGateway',
        Dimensions: [
          { value: 'prod', name: 'Stage' },
          { value: 'checkout-api', name: 'ApiName' },
        ],
      },
    });
    const [viaSns] = normalizeCloudWatchSns(m, ignore).alerts;
    const [viaEvent] = normalizeCloudWatchEvent(alarmEvent(), ignore).alerts;
    expect(viaSns!.fingerprint).toBe(viaEvent!.fingerprint);
  });

  it('maps a metric-math trigger with one metric and a composite message', () => {
    const m = snsMessage();
    m.Trigger = {
      Metrics: [
        { Id: 'm1', ReturnData: false, MetricStat: { Metric: { MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: [{ name: 'FunctionName', value: 'f' }] } } },
        { Id: 'e1', Expression: 'm1 * 2', ReturnData: true },
      ],
    };
    expect(normalizeCloudWatchSns(m, ignore).alerts[0]!.labels).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimension_FunctionName: 'f' });

    const c = snsMessage();
    delete c.Trigger;
    c.AlarmRule = 'ALARM(a) OR ALARM(b)';
    c.AlarmDescription = null;
    const [alert] = normalizeCloudWatchSns(c, ignore).alerts;
    expect(alert!.labels.alarm_type).toBe('composite');
    expect(alert!.labels).not.toHaveProperty('namespace');
    expect(alert!.annotations).toMatchObject({ summary: 'orders-queue-depth-high', alarm_rule: 'ALARM(a) OR ALARM(b)' });
  });

  it('handles INSUFFICIENT_DATA per option', () => {
    const m = snsMessage();
    m.NewStateValue = 'INSUFFICIENT_DATA';
    expect(normalizeCloudWatchSns(m, ignore).alerts).toEqual([]);
    expect(normalizeCloudWatchSns(m, { insufficientData: 'firing' }).alerts[0]!.status).toBe('firing');
    expect(normalizeCloudWatchSns(m, { insufficientData: 'resolved' }).alerts[0]!.status).toBe('resolved');
  });

  it('rejects a message that is not JSON, naming where it was', () => {
    const e = snsEvent();
    e.Records[0].Sns.Message = 'hello';
    const err = thrown(() => normalizeCloudWatchSns(e, ignore)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('invalid CloudWatch alarm SNS message: Records[0].Sns.Message: not JSON (expected a CloudWatch alarm notification)');
  });

  it('rejects a message that is not an alarm, with paths inside the message', () => {
    const e = snsEvent();
    e.Records[0].Sns.Message = JSON.stringify({ hello: 'world' });
    const paths = issues(() => normalizeCloudWatchSns(e, ignore)).map((i) => i.path);
    expect(paths).toContain('Records[0].Sns.Message.AlarmName');
    expect(paths).toContain('Records[0].Sns.Message.NewStateValue');
  });

  it('rejects a bad ARN', () => {
    const m = snsMessage();
    m.AlarmArn = 'arn:aws:sns:eu-west-1:123456789012:topic';
    expect(issues(() => normalizeCloudWatchSns(m, ignore))).toEqual([{ path: 'AlarmArn', message: 'not a CloudWatch alarm ARN' }]);
  });
});
