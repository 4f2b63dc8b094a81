import * as z from 'zod';
import { parseDuration } from '../primitives/duration';
import { Duration, labelMap } from '../primitives/schemas';
import { compileCheckTemplate, TemplateError } from '../templates';

/**
 * A threshold check, as the config declares it under `checks:` and as `/v1/checks` takes it: one
 * schema for both (ADR 0018).
 */

export const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const CONDITIONS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Condition = (typeof CONDITIONS)[number];
export const MISSING_DATA = ['ok', 'breaching', 'keep', 'alert'] as const;
export type MissingData = (typeof MISSING_DATA)[number];

/** CloudWatch's statistics: the five named ones, or a percentile / trimmed statistic (p99, p99.9, tm90, ...). */
const Statistic = z
  .string()
  .regex(/^(SampleCount|Average|Sum|Minimum|Maximum|(p|tm|wm|tc|ts|pr)\d{1,2}(\.\d{1,10})?)$/, 'a CloudWatch statistic: Average, Sum, Minimum, Maximum, SampleCount, or a percentile such as p99');

/** A period CloudWatch accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60 seconds. */
const Period = z
  .number()
  .int()
  .positive()
  .refine((p) => [1, 5, 10, 30].includes(p) || p % 60 === 0, 'seconds: 1, 5, 10, 30 or a multiple of 60');

export const CloudWatchSource = z
  .object({
    /** The region to query (default: the function's own). */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1').optional(),
    namespace: z.string().min(1).max(255).optional(),
    metric: z.string().min(1).max(255).optional(),
    dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({}),
    statistic: Statistic.optional(),
    /** A metric-math expression instead of namespace/metric (its own query: `METRICS()` and ids are not available). */
    expression: z.string().min(1).max(2048).optional(),
    period: Period.default(60),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.expression !== undefined) {
      for (const key of ['namespace', 'metric', 'statistic'] as const) {
        if (s[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'give either `expression` or namespace/metric/statistic, not both' });
      }
      return;
    }
    for (const key of ['namespace', 'metric', 'statistic'] as const) {
      if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'required (or give an `expression`)' });
    }
  });
export type CloudWatchSource = z.infer<typeof CloudWatchSource>;

export const PrometheusSource = z
  .object({
    /** The server's base URL: `/api/v1/query` is appended (Amazon Managed Prometheus: the workspace URL). */
    url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    /** A PromQL expression that gives one number (a scalar, or a vector of one series). */
    query: z.string().min(1).max(8192),
    /** Sign requests with the function's AWS credentials (Amazon Managed Prometheus). */
    sigv4: z
      .object({
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1'),
        service: z.string().default('aps'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => {
    try {
      const u = new URL(s.url);
      return !u.username && !u.password;
    } catch {
      return true;
    }
  }, 'the URL must not carry credentials');
export type PrometheusSource = z.infer<typeof PrometheusSource>;

const AtLeastOneSecond = Duration.refine((text) => {
  try {
    return parseDuration(text) >= 1000;
  } catch {
    return true; // Duration reported it.
  }
}, 'at least 1s');

export const CheckConfig = z
  .object({
    name: z.string().regex(CHECK_NAME, 'a check name: letters, digits, `_`, `.`, `-`, at most 64, starting with a letter or digit'),
    prometheus: PrometheusSource.optional(),
    cloudwatch: CloudWatchSource.optional(),
    condition: z.enum(CONDITIONS),
    warning: z.number().finite().optional(),
    critical: z.number().finite().optional(),
    every: AtLeastOneSecond.default('1m'),
    /** Consecutive breaching evaluations before it fires. */
    for: z.number().int().min(1).max(1000).default(1),
    /** What an evaluation without data means: not breaching, breaching, no change, or its own `CheckNoData` alert. */
    missing_data: z.enum(MISSING_DATA).default('keep'),
    /** Consecutive failed queries before a `CheckFailing` alert (the check's state shows every failure). */
    errors_before_alert: z.number().int().min(1).max(1000).default(3),
    /** After it resolves, it does not fire again for this long (a check that flaps around its threshold). */
    cooldown: Duration.default('0s'),
    labels: labelMap(z.string()).default({}),
    /** Templates over `.Value`, `.Severity`, `.Threshold`, `.Condition`, `.Name`, `.Labels`. */
    annotations: labelMap(z.string()).default({}),
    /** Not evaluated while paused; an alert it had firing resolves. */
    paused: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.prometheus === undefined) === (c.cloudwatch === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a check needs exactly one source: `prometheus` or `cloudwatch`' });
    }
    if (c.warning === undefined && c.critical === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a check needs a `warning` or a `critical` threshold (or both)' });
    }
    if (c.warning !== undefined && c.critical !== undefined && (c.condition === '==' || c.condition === '!=') === false) {
      // The critical threshold must be the further one, or warning could never be seen.
      const further = c.condition.startsWith('>') ? c.critical >= c.warning : c.critical <= c.warning;
      if (!further) ctx.addIssue({ code: 'custom', path: ['critical'], message: `with condition ${c.condition}, critical must be at or beyond warning (${c.warning})` });
    }
    for (const [key, source] of Object.entries(c.annotations)) {
      try {
        compileCheckTemplate(source, key);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['annotations', key], message: `invalid template at line ${err.line}, column ${err.column}: ${err.problem}` });
      }
    }
  });
export type CheckConfig = z.infer<typeof CheckConfig>;
export type CheckConfigInput = z.input<typeof CheckConfig>;
