/**
 * alertflow's own metrics: one catalog for both places they go. Deployed, CloudWatch embedded
 * metric format (EMF) through Powertools (emf.ts), namespace `alertflow`, dimensioned by the
 * deployment (the stack) and a metric's labels. Locally, Prometheus text at GET /metrics
 * (prometheus.ts), named `alertflow_<snake_case>` with the labels as Prometheus labels.
 *
 * Label values are bounded sets (a channel type, a reason, a source), never receiver names or
 * alert labels, so neither CloudWatch nor Prometheus grows a series per alert.
 */
export const METRICS_NAMESPACE = 'alertflow';
export const DEPLOYMENT_DIMENSION = 'Deployment';

export interface MetricDef {
  /** The CloudWatch metric name (PascalCase). */
  name: string;
  help: string;
  labels: readonly string[];
}

export const COUNTERS = {
  alertsReceived: { name: 'AlertsReceived', help: 'Alerts accepted (answered 2xx), by source.', labels: ['source'] },
  alertsRouted: { name: 'AlertsRouted', help: 'Alerts the router folded into their groups.', labels: [] },
  alertsSuppressed: {
    name: 'AlertsSuppressed',
    help: 'Alerts a flush held back from its notification, by reason (silenced, inhibited, muted, cooldown, storm, flapping); a flush that looks again counts them again.',
    labels: ['reason'],
  },
  notificationsSent: { name: 'NotificationsSent', help: 'Notifications delivered, by channel type.', labels: ['channel'] },
  notificationsFailed: { name: 'NotificationsFailed', help: 'Failed send attempts, by channel type and outcome (retryable, permanent, dead_lettered).', labels: ['channel', 'outcome'] },
  escalationSteps: { name: 'EscalationSteps', help: 'Escalation steps run (each page of a step to its receivers).', labels: [] },
  checksRun: { name: 'ChecksRun', help: 'Threshold checks evaluated, by outcome (ok, firing, error).', labels: ['outcome'] },
  /** Synthetic heartbeats a sender recorded (self-monitoring/probe.ts): the out-of-band alarm fires when they stop. */
  syntheticHeartbeats: { name: 'SyntheticHeartbeats', help: "self_monitoring's synthetic heartbeats a sender recorded.", labels: [] },
  /** What an escalation audit found: overdue incident timers it ran, orphaned schedules it deleted. */
  auditFindings: { name: 'EscalationAuditFindings', help: 'Lost incident timers the escalation audit ran, and orphaned schedules it deleted.', labels: [] },
} as const satisfies Record<string, MetricDef>;

export const HISTOGRAMS = {
  routingLatency: { name: 'RoutingLatency', help: 'From an alert received to the router folding it into its group, in ms.', labels: [] },
  deliveryLatency: {
    name: 'DeliveryLatency',
    help: "From a notification made (its group's flush) to its delivery, in ms, by channel type. Receive to delivery is RoutingLatency, the route's group_wait, and this.",
    labels: ['channel'],
  },
} as const satisfies Record<string, MetricDef>;

export type CounterName = keyof typeof COUNTERS;
export type HistogramName = keyof typeof HISTOGRAMS;
export type MetricLabels = Readonly<Record<string, string>>;

/** The CloudWatch names the self-monitoring alarms read (lib/self-monitoring.ts). */
export const METRICS = { syntheticHeartbeats: COUNTERS.syntheticHeartbeats.name, auditFindings: COUNTERS.auditFindings.name } as const;

/** Where the functions put their metrics: deployed EMF (emf.ts), locally a Prometheus registry. */
export interface MetricsPort {
  /** Add `value` (default 1) to a counter. */
  count(metric: CounterName, value?: number, labels?: MetricLabels): void;
  /** One observation of a latency, in ms. */
  observe(metric: HistogramName, ms: number, labels?: MetricLabels): void;
  /** Deployed: publish what this invocation counted (the handler middleware calls it). */
  flush?(): void;
}

/** Counts nothing (tests, and where nothing watches). */
export const noMetrics: MetricsPort = { count() {}, observe() {} };
