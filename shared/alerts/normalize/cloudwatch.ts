import * as z from 'zod';
import type { Alert } from '../model';
import { cloudWatchConsoleUrl } from '../cloudwatch-console';
import { fingerprint } from '../../labels/fingerprint';
import { invalid, isObject, issue, parseTimestamp, parseWith, Timestamp } from './common';
import type { Normalized } from './types';

/**
 * CloudWatch alarms, delivered either as EventBridge "CloudWatch Alarm State Change" events or as
 * the JSON message an alarm action publishes to an SNS topic.
 *
 * State: ALARM -> firing, OK -> resolved, INSUFFICIENT_DATA -> per `cloudwatch.insufficient_data`
 * (`ignore` yields no alert).
 *
 * Labels (the alert's identity, so only what does not change with the state; ALARM and OK of one
 * alarm, from either delivery path, share a fingerprint):
 * - `alertname`: the alarm name; `source`: "cloudwatch"; `alarm_type`: "metric" or "composite"
 * - `account`, `region`: from the alarm ARN (a region code such as "eu-west-1"; SNS's `Region`
 *   holds a display name such as "EU (Ireland)" and is not used)
 * - for an alarm on one metric (including anomaly-detection bands): `namespace`, `metric_name`, and
 *   `dimension_<Name>` per dimension, where <Name> is the dimension name with every character
 *   outside [a-zA-Z0-9_] replaced by "_" (e.g. `dimension_ApiName`); the prefix keeps dimensions from
 *   colliding with the labels above, and a name that still collides gets `_2`, `_3`, ... in
 *   dimension-name order. Metric-math alarms over several metrics get none of these.
 *
 * Annotations: `summary` (the alarm description, else its name), `description` (the state reason),
 * `alarm_arn`, `console_url`, and `alarm_rule` for composite alarms.
 */

export type InsufficientData = 'ignore' | 'firing' | 'resolved';

export interface CloudWatchOptions {
  /** Config `cloudwatch.insufficient_data`. */
  insufficientData: InsufficientData;
}

const StateValue = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);
type StateValue = z.infer<typeof StateValue>;

/**
 * Dimension names to values, read as a Map: a dimension may be named `__proto__` (CloudWatch allows
 * it), which a record would drop without a word (it is Object.prototype's accessor).
 */
/** A CloudWatch metric has at most 30 dimensions; more is not an alarm CloudWatch sent. */
const MAX_DIMENSIONS = 30;
const TOO_MANY_DIMENSIONS = `at most ${MAX_DIMENSIONS} dimensions (CloudWatch's limit per metric)`;

const DimensionMap = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? new Map(Object.entries(value)) : value),
  z.map(z.string(), z.string(), { error: (iss) => (iss.code === 'invalid_type' ? 'expected an object of dimension names to values' : undefined) }).refine((m) => m.size <= MAX_DIMENSIONS, TOO_MANY_DIMENSIONS),
);

export const CloudWatchAlarmEvent = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change', {
    error: (iss) => (iss.input === undefined ? 'Required' : 'unsupported detail-type (expected "CloudWatch Alarm State Change")'),
  }),
  account: z.string().min(1),
  region: z.string().min(1),
  resources: z.array(z.string()).nullish(),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: StateValue,
      reason: z.string().nullish(),
      timestamp: Timestamp,
    }),
    previousState: z.object({ value: z.string(), timestamp: Timestamp.nullish() }).nullish(),
    configuration: z
      .object({
        description: z.string().nullish(),
        alarmRule: z.string().nullish(),
        metrics: z
          .array(
            z.object({
              metricStat: z
                .object({
                  metric: z.object({
                    namespace: z.string().nullish(),
                    name: z.string().nullish(),
                    dimensions: DimensionMap.nullish(),
                  }),
                })
                .nullish(),
            }),
          )
          .nullish(),
      })
      .nullish(),
  }),
});
export type CloudWatchAlarmEvent = z.infer<typeof CloudWatchAlarmEvent>;

const DimensionList = z.array(z.object({ name: z.string(), value: z.string() })).max(MAX_DIMENSIONS, TOO_MANY_DIMENSIONS);

/** The alarm notification an alarm action publishes to SNS (PascalCase, with a `Trigger` block). */
export const CloudWatchSnsMessage = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AlarmArn: z.string().min(1),
  NewStateValue: StateValue,
  NewStateReason: z.string().nullish(),
  StateChangeTime: Timestamp,
  OldStateValue: z.string().nullish(),
  /** Present for composite alarms. */
  AlarmRule: z.string().nullish(),
  Trigger: z
    .object({
      MetricName: z.string().nullish(),
      Namespace: z.string().nullish(),
      Dimensions: DimensionList.nullish(),
      /** Metric-math alarms list their metrics here instead. */
      Metrics: z
        .array(
          z.object({
            MetricStat: z
              .object({
                Metric: z.object({
                  MetricName: z.string().nullish(),
                  Namespace: z.string().nullish(),
                  Dimensions: DimensionList.nullish(),
                }),
              })
              .nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});
export type CloudWatchSnsMessage = z.infer<typeof CloudWatchSnsMessage>;

/** What both delivery paths say about an alarm, in one shape. */
interface AlarmFacts {
  name: string;
  arn: string;
  partition: string;
  account: string;
  region: string;
  state: StateValue;
  reason: string | undefined;
  description: string | undefined;
  /** When the alarm entered `state` (ms). */
  changedAt: number;
  /** When the alarm entered ALARM, if the previous state was ALARM and its time is known (ms). */
  alarmSince: number | undefined;
  alarmRule: string | undefined;
  metric: { namespace?: string; name?: string; dimensions: [string, string][] } | undefined;
}

const EVENT = 'CloudWatch alarm event';
const SNS = 'CloudWatch alarm SNS message';

export function normalizeCloudWatchEvent(event: unknown, opts: CloudWatchOptions): Normalized {
  const e = parseWith(CloudWatchAlarmEvent, event, EVENT);
  const d = e.detail;
  const arnText = e.resources?.find((r) => parseAlarmArn(r) !== undefined) ?? `arn:aws:cloudwatch:${e.region}:${e.account}:alarm:${d.alarmName}`;
  const arn = parseAlarmArn(arnText);
  if (!arn) throw invalid(EVENT, [issue(['resources'], 'no CloudWatch alarm ARN')]);

  // One metric (an anomaly band adds an expression, not a second metric); metric math has several.
  const stats = (d.configuration?.metrics ?? []).flatMap((m) => (m.metricStat ? [m.metricStat.metric] : []));
  const only = stats.length === 1 ? stats[0] : undefined;
  const previous = d.previousState;
  return toNormalized(
    {
      name: d.alarmName,
      arn: arnText,
      ...arn,
      state: d.state.value,
      reason: d.state.reason ?? undefined,
      description: d.configuration?.description ?? undefined,
      changedAt: parseTimestamp(d.state.timestamp)!,
      alarmSince: previous?.value === 'ALARM' && previous.timestamp ? parseTimestamp(previous.timestamp) : undefined,
      alarmRule: d.configuration?.alarmRule ?? undefined,
      metric: only && {
        namespace: only.namespace ?? undefined,
        name: only.name ?? undefined,
        dimensions: [...(only.dimensions ?? [])],
      },
    },
    opts,
  );
}

/**
 * An alarm delivered through SNS. Accepts the Lambda event (`{ Records: [...] }`, every record is
 * read), one record (`{ Sns: { Message } }`), an SNS notification (`{ Type, Message }`, as an HTTP
 * subscription receives it), the message object, or the message JSON string.
 */
export function normalizeCloudWatchSns(input: unknown, opts: CloudWatchOptions): Normalized {
  if (isObject(input) && Array.isArray(input.Records)) {
    const alerts = input.Records.flatMap((record, i) => fromSnsRecord(record, ['Records', i], opts).alerts);
    return { alerts, origin: {} };
  }
  return fromSnsRecord(input, [], opts);
}

function fromSnsRecord(input: unknown, at: PropertyKey[], opts: CloudWatchOptions): Normalized {
  let message: unknown = input;
  let path = at;
  if (isObject(input) && isObject(input.Sns)) {
    message = input.Sns.Message;
    path = [...at, 'Sns', 'Message'];
  } else if (isObject(input) && input.Type === 'Notification') {
    message = input.Message;
    path = [...at, 'Message'];
  }
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      throw invalid(SNS, [issue(path, 'not JSON (expected a CloudWatch alarm notification)')]);
    }
  }
  const m = parseWith(CloudWatchSnsMessage, message, SNS, path);
  const arn = parseAlarmArn(m.AlarmArn);
  if (!arn) throw invalid(SNS, [issue([...path, 'AlarmArn'], 'not a CloudWatch alarm ARN')]);

  const t = m.Trigger;
  const stats = (t?.Metrics ?? []).flatMap((x) => (x.MetricStat ? [x.MetricStat.Metric] : []));
  let metric: AlarmFacts['metric'];
  if (t?.MetricName || t?.Namespace) {
    metric = { namespace: t.Namespace ?? undefined, name: t.MetricName ?? undefined, dimensions: (t.Dimensions ?? []).map((x) => [x.name, x.value]) };
  } else if (stats.length === 1) {
    const s = stats[0]!;
    metric = { namespace: s.Namespace ?? undefined, name: s.MetricName ?? undefined, dimensions: (s.Dimensions ?? []).map((x) => [x.name, x.value]) };
  }
  return toNormalized(
    {
      name: m.AlarmName,
      arn: m.AlarmArn,
      ...arn,
      state: m.NewStateValue,
      reason: m.NewStateReason ?? undefined,
      description: m.AlarmDescription ?? undefined,
      changedAt: parseTimestamp(m.StateChangeTime)!,
      // SNS carries no time for the previous state.
      alarmSince: undefined,
      alarmRule: m.AlarmRule ?? undefined,
      metric,
    },
    opts,
  );
}

function toNormalized(f: AlarmFacts, opts: CloudWatchOptions): Normalized {
  let status: Alert['status'];
  if (f.state === 'ALARM') status = 'firing';
  else if (f.state === 'OK') status = 'resolved';
  else if (opts.insufficientData === 'ignore') return { alerts: [], origin: {} };
  else status = opts.insufficientData;

  const composite = f.alarmRule !== undefined;
  const labels: Record<string, string> = {
    alertname: f.name,
    source: 'cloudwatch',
    account: f.account,
    region: f.region,
    alarm_type: composite ? 'composite' : 'metric',
  };
  if (!composite && f.metric) {
    if (f.metric.namespace) labels.namespace = f.metric.namespace;
    if (f.metric.name) labels.metric_name = f.metric.name;
    Object.assign(labels, dimensionLabels(f.metric.dimensions, labels));
  }

  const annotations: Record<string, string> = {
    summary: f.description || f.name,
    alarm_arn: f.arn,
    console_url: cloudWatchConsoleUrl(f.partition, f.region, f.name),
  };
  if (f.reason) annotations.description = f.reason;
  if (f.alarmRule) annotations.alarm_rule = f.alarmRule;

  const changedAt = new Date(f.changedAt).toISOString();
  const alert: Alert = {
    fingerprint: fingerprint(labels),
    status,
    labels,
    annotations,
    // A resolved alert started when the alarm went to ALARM, if the event says when that was.
    startsAt: status === 'resolved' && f.alarmSince !== undefined ? new Date(f.alarmSince).toISOString() : changedAt,
    source: 'cloudwatch',
  };
  if (status === 'resolved') alert.endsAt = changedAt;
  return { alerts: [alert], origin: {} };
}

/** `dimension_<sanitized name>`; see the module comment for collisions. */
function dimensionLabels(dimensions: [string, string][], taken: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const sorted = [...dimensions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Where each name's search for a free suffix goes on: labels are only added, so one taken stays
  // taken, and each suffix is tried once (linear, not quadratic, in repeated names).
  const nextSuffix = new Map<string, number>();
  for (const [name, value] of sorted) {
    const base = `dimension_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
    let label = base;
    let n = nextSuffix.get(base) ?? 2;
    while (label in out || label in taken) label = `${base}_${n++}`;
    nextSuffix.set(base, n);
    out[label] = value;
  }
  return out;
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`; the name may contain colons. */
function parseAlarmArn(arn: string): { partition: string; region: string; account: string } | undefined {
  const m = /^arn:([a-z0-9-]+):cloudwatch:([a-z0-9-]+):(\d{12}):alarm:.+$/.exec(arn);
  return m ? { partition: m[1]!, region: m[2]!, account: m[3]! } : undefined;
}
