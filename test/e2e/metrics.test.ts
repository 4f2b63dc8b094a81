import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig, SCOPED_TOKENS, scopedAuthYaml, scopedTokenOptions } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';
import { waitForValue } from '../support/wait';

/**
 * The local runtime's metrics at GET /metrics, in Prometheus text format: the counters the deployed
 * functions publish as EMF (shared/metrics/catalog.ts), here scraped by Debian's real Prometheus 2.42
 * with a read-scoped bearer token, and queried back from it.
 */
const { admin: ADMIN, ingest: INGEST_ONLY, read: READ_ONLY } = SCOPED_TOKENS;

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
let prom: RunningPrometheus | undefined;
afterEach(async () => {
  await prom?.stop();
  await rt?.close();
  await hook?.close();
  prom = rt = hook = undefined;
});

async function start(): Promise<{ rt: LocalRuntime; hook: StandIn }> {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `${scopedAuthYaml('sender')}route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
`,
    scopedTokenOptions,
  );
  return { rt, hook };
}

/** GET /metrics as Prometheus would: the text, parsed into `name{labels}` → value. */
async function scrape(r: LocalRuntime, token = READ_ONLY): Promise<{ status: number; contentType: string | null; samples: Map<string, number> }> {
  const res = await fetch(`${r.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { status: res.status, contentType: res.headers.get('content-type'), samples };
}

describe('GET /metrics (local runtime)', () => {
  it('counts alerts received, routed and suppressed, notifications sent, and delivery latency, in Prometheus text; read scope only', async () => {
    const { rt, hook } = await start();
    const silence = await apiRequest(rt.url, ADMIN, 'POST', '/v1/silences', {
      matchers: ['alertname="Quiet"'],
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'test',
      comment: 'metrics test',
    });
    expect(silence.status).toBe(201);
    const posted = await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', {
      alerts: [{ labels: { alertname: 'DiskFull', host: 'a' } }, { labels: { alertname: 'DiskFull', host: 'b' } }, { labels: { alertname: 'Quiet', host: 'c' } }],
    });
    expect(posted.status).toBe(202);
    await hook.waitFor(1);

    const m = await waitForValue(
      'the delivery counted',
      async () => {
        const s = await scrape(rt);
        return s.samples.get('alertflow_notifications_sent_total{function="webhook-sender",channel="webhook"}') === 1 ? s : undefined;
      },
      8_000,
    );
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(m.samples.get('alertflow_alerts_received_total{function="ingest",source="generic"}')).toBe(3);
    expect(m.samples.get('alertflow_alerts_routed_total{function="router"}')).toBe(3);
    expect(m.samples.get('alertflow_alerts_suppressed_total{function="router",reason="silenced"}')).toBeGreaterThanOrEqual(1);
    expect(m.samples.get('alertflow_delivery_latency_seconds_count{function="webhook-sender",channel="webhook"}')).toBe(1);
    expect(m.samples.get('alertflow_delivery_latency_seconds_bucket{le="+Inf",function="webhook-sender",channel="webhook"}')).toBe(1);
    expect(m.samples.get('alertflow_routing_latency_seconds_count{function="router"}')).toBeGreaterThanOrEqual(1);
    expect([...m.samples.keys()].some((k) => k.startsWith('alertflow_notifications_failed_total'))).toBe(false);

    // A credential is needed, with the read scope.
    expect((await fetch(`${rt.url}/metrics`)).status).toBe(401);
    expect((await scrape(rt, INGEST_ONLY)).status).toBe(403);
  });

  it('is scraped by the real Prometheus with a bearer token, and its counters can be queried there', async () => {
    const { rt, hook } = await start();
    const target = new URL(rt.url).host;
    prom = await startPrometheus(
      `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: alertflow
    authorization:
      credentials: ${READ_ONLY}
    static_configs:
      - targets: ['${target}']
`,
    );
    const posted = await apiRequest(rt.url, INGEST_ONLY, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'DiskFull', host: 'a' } }, { labels: { alertname: 'CpuHigh', host: 'a' } }] });
    expect(posted.status).toBe(202);
    await hook.waitFor(2);
    const query = async (q: string) => {
      const res = await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data.result;
    };
    const sent = await waitForValue(
      'Prometheus to have scraped two sent notifications',
      async () => {
        const r = await query('sum(alertflow_notifications_sent_total{job="alertflow"})');
        return r[0] && Number(r[0].value[1]) === 2 ? r : undefined;
      },
      20_000,
    );
    expect(sent).toHaveLength(1);
    const up = await query('up{job="alertflow"}');
    expect(up.map((r) => r.value[1])).toEqual(['1']);
    const received = await query('alertflow_alerts_received_total{job="alertflow"}');
    expect(received.map((r) => [r.metric.source, r.value[1]])).toEqual([['generic', '2']]);
    // Histograms work as Prometheus users expect them to.
    const p99 = await query('histogram_quantile(0.99, sum by (le) (alertflow_delivery_latency_seconds_bucket{job="alertflow"}))');
    expect(Number(p99[0]!.value[1])).toBeGreaterThan(0);
  }, 40_000);
});
