import { afterAll, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import type { StandIn } from '../support/stand-in';
import { waitForValue } from '../support/wait';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn } from '../support/stand-in';

/**
 * One casing for /v1: every key of every read answer is snake_case, but the camelCase alert fields
 * kept for one release beside their snake_case names (README, "API conventions"). Labels and
 * annotations are the user's own keys and are not looked into. /api/v2 keeps Alertmanager's casing.
 */
const DEPRECATED = new Set(['startsAt', 'endsAt', 'generatorURL', 'sourceFingerprint', 'resolvedAt', 'routeId', 'isRegex', 'isEqual']);

it('answers every /v1 read in snake_case, the deprecated camelCase alert fields aside (each beside its snake_case name)', async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(`
escalation_policies:
  - name: critical
    steps:
      - notify: [team]
heartbeats:
  - name: backup
    every: 1h
checks:
  - name: cpu
    prometheus: { url: 'http://127.0.0.1:9', query: 'up' }
    every: 1m
    condition: '>'
    critical: 1
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
`);
  const t = rt.token;
  const url = rt.url;
  await apiRequest(url, t, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'DiskFull', severity: 'critical' }, annotations: { summary: 's' }, generator_url: 'http://x' }] });
  await apiRequest(url, t, 'POST', '/v1/silences', { matchers: ['alertname="Nope"', { name: 'instance', value: 'db-.*', is_regex: true }], ends_at: new Date(Date.now() + 3600_000).toISOString(), created_by: 'a', comment: 'c' });
  const keys = new Map<string, Set<string>>();
  const walk = (path: string, v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(path + '[]', x, where);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (/[a-z][A-Z]/.test(k)) {
          if (!keys.has(where)) keys.set(where, new Set());
          keys.get(where)!.add(k);
          // A deprecated name is only ever sent beside its snake_case one.
          if (DEPRECATED.has(k)) expect(Object.keys(v).some((s) => s !== k && s.replace(/_/g, '') === k.toLowerCase()), `${where} ${path}.${k}`).toBe(true);
        }
        if (!['labels', 'annotations', 'group_labels'].includes(k)) walk(path + '.' + k, x, where);
      }
    }
  };
  const alerts = await waitForValue('the alert routed', async () => {
    const body = (await apiRequest<{ alerts: Array<{ fingerprint: string }> }>(url, t, 'GET', '/v1/alerts')).body;
    return body.alerts.length > 0 ? body : undefined;
  }, 8_000);
  await hook.waitFor(1);
  const incidents = (await apiRequest<{ incidents: Array<{ id: string }> }>(url, t, 'GET', '/v1/incidents')).body;
  const silences = (await apiRequest<{ silences: Array<{ id: string }> }>(url, t, 'GET', '/v1/silences')).body;
  const paths = ['/v1/alerts', `/v1/alerts/${alerts.alerts[0]?.fingerprint}`, '/v1/groups', '/v1/silences', `/v1/silences/${silences.silences[0]?.id}`, '/v1/incidents', `/v1/incidents/${incidents.incidents[0]?.id}`, '/v1/history', '/v1/checks', '/v1/checks/cpu', '/v1/heartbeats', '/v1/health', '/v1/health?deep=1', '/v1/deliveries', '/v1/stats'];
  for (const p of paths) walk('', (await apiRequest(url, t, 'GET', p)).body, `GET ${p}`);
  for (const p of ['/v1/digest/preview', '/v1/checks/cpu/evaluate']) walk('', (await apiRequest(url, t, 'POST', p, {})).body, `POST ${p}`);
  const offenders = [...keys].flatMap(([where, names]) => [...names].filter((n) => !DEPRECATED.has(n)).map((n) => `${where}: ${n}`));
  expect(offenders).toEqual([]);
  // The alert views did carry the deprecated names (so the check above looked at them).
  expect([...(keys.get('GET /v1/alerts') ?? [])].sort()).toEqual(['endsAt', 'generatorURL', 'routeId', 'startsAt']);
  expect([...(keys.get('GET /v1/silences') ?? [])].sort()).toEqual(['isEqual', 'isRegex']);
  // A matcher given in snake_case was read as such.
  const silence = (await apiRequest<{ silences: Array<{ matchers: Array<{ name: string; is_regex: boolean }> }> }>(url, t, 'GET', '/v1/silences')).body.silences[0]!;
  expect(silence.matchers.find((m) => m.name === 'instance')?.is_regex).toBe(true);
});

it('answers a repeated GET whose body did not change with 304 (a weak ETag of the body), and the new body once it did', async () => {
  const url = rt!.url;
  const get = (etag?: string) => fetch(`${url}/v1/silences`, { headers: { authorization: `Bearer ${rt!.token}`, ...(etag ? { 'if-none-match': etag } : {}) } });
  const first = await get();
  const etag = first.headers.get('etag')!;
  expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
  expect(first.headers.get('cache-control')).toBe('private, no-cache');
  const same = await get(etag);
  expect(same.status).toBe(304);
  expect(await same.text()).toBe('');
  await apiRequest(url, rt!.token, 'POST', '/v1/silences', { matchers: ['alertname="Other"'], ends_at: new Date(Date.now() + 3600_000).toISOString(), created_by: 'a', comment: 'c' });
  const changed = await get(etag);
  expect(changed.status).toBe(200);
  expect(changed.headers.get('etag')).not.toBe(etag);
});

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
afterAll(async () => {
  await rt?.close();
  await hook?.close();
});
