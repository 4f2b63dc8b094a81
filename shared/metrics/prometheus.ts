import { Counter, Histogram, Registry } from 'prom-client';
import { COUNTERS, HISTOGRAMS, type CounterName, type HistogramName, type MetricsPort } from './catalog';

/**
 * The local runtime's metrics: one prom-client registry for the whole process, served as Prometheus
 * text at GET /metrics (the same counters the deployed functions publish as EMF). Names follow
 * Prometheus' conventions: `alertflow_alerts_received_total`, `alertflow_delivery_latency_seconds`.
 */
export interface PrometheusMetrics {
  /** A port for one function: its counts carry `function="<name>"`. */
  port(fn: string): MetricsPort;
  /** The exposition text, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Latency buckets, in seconds: a local delivery takes milliseconds; a slow receiver, seconds. */
const BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function prometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  const counters = Object.fromEntries(
    Object.entries(COUNTERS).map(([key, def]) => [key, new Counter({ name: `alertflow_${snake(def.name)}_total`, help: def.help, labelNames: ['function', ...def.labels], registers: [registry] })]),
  ) as Record<CounterName, Counter>;
  const histograms = Object.fromEntries(
    Object.entries(HISTOGRAMS).map(([key, def]) => [
      key,
      new Histogram({ name: `alertflow_${snake(def.name)}_seconds`, help: def.help.replace(/in ms/, 'in seconds'), labelNames: ['function', ...def.labels], buckets: BUCKETS_S, registers: [registry] }),
    ]),
  ) as Record<HistogramName, Histogram>;
  return {
    port: (fn) => ({
      count: (metric, value = 1, labels = {}) => counters[metric].inc({ function: fn, ...labels }, value),
      observe: (metric, ms, labels = {}) => histograms[metric].observe({ function: fn, ...labels }, ms / 1000),
    }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/** `AlertsReceived` → `alerts_received`. */
export const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
