import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics } from './emf';
import { prometheusMetrics, snake } from './prometheus';

/** What Powertools wrote to stdout during `fn`, as parsed EMF documents. */
function published(fn: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe('EMF metrics (Powertools)', () => {
  it('publishes one document per label set at flush, summing counts, listing latencies, dimensioned by the deployment', () => {
    const m = emfMetrics('prod', 'webhook-sender');
    m.count('syntheticHeartbeats', 2);
    m.count('notificationsSent', 1, { channel: 'slack' });
    m.count('notificationsSent', 2, { channel: 'slack' });
    m.observe('deliveryLatency', 12, { channel: 'slack' });
    m.observe('deliveryLatency', 30, { channel: 'slack' });
    m.count('notificationsFailed', 1, { channel: 'webhook', outcome: 'permanent' });
    expect(published(() => {})).toEqual([]);
    const docs = published(() => m.flush!());
    expect(docs).toHaveLength(3);
    const [alarmed, slack, failed] = docs as Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: unknown[] }> } }>;
    // What the self-monitoring alarms read: the deployment dimension alone (no `service`).
    expect(alarmed!._aws.CloudWatchMetrics).toEqual([{ Namespace: 'alertflow', Dimensions: [['Deployment']], Metrics: [{ Name: 'SyntheticHeartbeats', Unit: 'Count' }] }]);
    expect(alarmed).toMatchObject({ Deployment: 'prod', SyntheticHeartbeats: 2 });
    expect(alarmed).not.toHaveProperty('service');
    expect(slack!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Deployment', 'Channel']]);
    expect(slack).toMatchObject({ Channel: 'slack', NotificationsSent: 3, DeliveryLatency: [12, 30] });
    expect(failed).toMatchObject({ Channel: 'webhook', Outcome: 'permanent', NotificationsFailed: 1 });
    // Flushed: the next invocation starts from nothing.
    expect(published(() => m.flush!())).toEqual([]);
  });
});

describe('Prometheus metrics (local)', () => {
  it('renders each counter and histogram with the function and its labels', async () => {
    const prom = prometheusMetrics();
    prom.port('ingest').count('alertsReceived', 3, { source: 'grafana' });
    prom.port('webhook-sender').observe('deliveryLatency', 40, { channel: 'webhook' });
    const { contentType, body } = await prom.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('# TYPE alertflow_alerts_received_total counter');
    expect(body).toContain('alertflow_alerts_received_total{function="ingest",source="grafana"} 3');
    expect(body).toContain('alertflow_delivery_latency_seconds_bucket{le="0.05",function="webhook-sender",channel="webhook"} 1');
    expect(body).toContain('alertflow_delivery_latency_seconds_sum{function="webhook-sender",channel="webhook"} 0.04');
    expect(snake('EscalationAuditFindings')).toBe('escalation_audit_findings');
  });
});
