/**
 * alertflow's own metrics, as CloudWatch embedded metric format (EMF) log lines: CloudWatch Logs
 * extracts them from the function's log, so no SDK call and no cloudwatch:PutMetricData grant.
 * One namespace; one dimension, the deployment (the stack), which the CDK gives the functions in
 * ENV.deployment and the alarms name as a literal, so an alarm needs no reference to a function.
 */
export const METRICS_NAMESPACE = 'alertflow';
export const DEPLOYMENT_DIMENSION = 'Deployment';
export const METRICS = {
  /** Synthetic heartbeats a sender recorded (probe.ts): the out-of-band alarm fires when they stop. */
  syntheticHeartbeats: 'SyntheticHeartbeats',
  /** What an escalation audit found: overdue incident timers it ran, orphaned schedules it deleted. */
  auditFindings: 'EscalationAuditFindings',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Where the functions put their metrics; deployed, an EMF line on stdout. */
export interface MetricsPort {
  emit(values: Partial<Record<MetricName, number>>): void;
}

/** One EMF document (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html). */
export function emfDocument(deployment: string, values: Partial<Record<MetricName, number>>, at: Date): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [[DEPLOYMENT_DIMENSION]], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }],
    },
    [DEPLOYMENT_DIMENSION]: deployment,
    ...values,
  };
}

/**
 * EMF lines written straight to stdout, not through the logger: a log level set above `info`
 * must not silence a metric an alarm treats as breaching when missing. Lambda passes stdout
 * lines through as they are, also with its JSON log format (console.* is what it rewrites).
 */
export function emfMetrics(deployment: string, clock: () => Date = () => new Date(), write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): MetricsPort {
  return {
    emit(values) {
      if (Object.keys(values).length > 0) write(JSON.stringify(emfDocument(deployment, values, clock())));
    },
  };
}

/** The audit's findings: timers it had to run because they were lost, and schedules left behind. */
export const auditFindings = (result: { overdue: number; orphaned: number }): number => result.overdue + result.orphaned;
