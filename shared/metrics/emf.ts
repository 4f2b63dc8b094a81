import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { COUNTERS, DEPLOYMENT_DIMENSION, HISTOGRAMS, METRICS_NAMESPACE, type CounterName, type HistogramName, type MetricLabels, type MetricsPort } from './catalog';

/**
 * Deployed metrics: Powertools Metrics writes CloudWatch EMF lines to stdout, which CloudWatch Logs
 * turns into metrics (no PutMetricData call, no grant). An invocation's counts are summed in memory
 * and published once, when the handler ends (`invocationObservability` calls `flush`): one
 * EMF document per set of labels, each with the deployment dimension. A latency is published as
 * the list of its observations, so CloudWatch computes its percentiles.
 *
 * Powertools writes with its own console, not through the logger: a log level above `info` must
 * not silence a metric an alarm treats as breaching when missing.
 */
export function emfMetrics(deployment: string, service: string, create: (opts: ConstructorParameters<typeof Metrics>[0]) => Metrics = (opts) => new Metrics(opts)): MetricsPort {
  /** By label set (its JSON): the counters and observations to publish. */
  const pending = new Map<string, { labels: MetricLabels; counts: Map<CounterName, number>; observations: Map<HistogramName, number[]> }>();
  const slot = (labels: MetricLabels = {}) => {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = pending.get(key);
    if (!s) {
      s = { labels, counts: new Map(), observations: new Map() };
      pending.set(key, s);
    }
    return s;
  };
  return {
    count(metric, value = 1, labels) {
      const s = slot(labels);
      s.counts.set(metric, (s.counts.get(metric) ?? 0) + value);
    },
    observe(metric, ms, labels) {
      const s = slot(labels);
      s.observations.set(metric, [...(s.observations.get(metric) ?? []), ms]);
    },
    flush() {
      for (const s of pending.values()) {
        const m = create({ namespace: METRICS_NAMESPACE, serviceName: service });
        // Powertools adds a `service` dimension by default; the alarms name the deployment alone.
        m.clearDefaultDimensions();
        m.setDefaultDimensions({ [DEPLOYMENT_DIMENSION]: deployment });
        for (const [label, value] of Object.entries(s.labels)) m.addDimension(capitalized(label), value);
        for (const [metric, value] of s.counts) m.addMetric(COUNTERS[metric].name, MetricUnit.Count, value);
        // EMF holds at most 100 values per metric per document: Powertools publishes and starts again past that.
        for (const [metric, values] of s.observations) for (const v of values) m.addMetric(HISTOGRAMS[metric].name, MetricUnit.Milliseconds, v);
        m.publishStoredMetrics();
      }
      pending.clear();
    },
  };
}

const capitalized = (label: string) => label.charAt(0).toUpperCase() + label.slice(1);
