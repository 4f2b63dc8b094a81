import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../shared/labels/fingerprint';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig, teamRouteConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** Sender-supplied fingerprints and hostile label names, through the local runtime over HTTP. */
const TOKEN = 'e2e-fingerprint-token';

type Json = Record<string, unknown>;
type AmAlert = { labels: Record<string, string>; fingerprint?: string } & Json;

let rt: LocalRuntime;
let hook: StandIn;

const api = (method: string, path: string, body?: unknown) => apiRequest<Json>(rt.url, TOKEN, method, path, body);
const amBody = () =>
  (JSON.parse(readFileSync(join(__dirname, '../fixtures/alertmanager/firing-error-rate-critical.json'), 'utf8')) as { body: Json & { alerts: AmAlert[] } })
    .body;

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(
    `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
${teamRouteConfig(hook.url)}`,
    { token: TOKEN },
  );
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('fingerprints, end to end', () => {
  it('stores two label sets that claim the same fingerprint as two alerts, keeping the claim for reference', async () => {
    const body = amBody();
    const first = { ...body.alerts[0]!, fingerprint: '0000000000000000' };
    const second = { ...first, labels: { ...first.labels, service: 'ledger' } };
    body.alerts = [first, second];
    expect((await api('POST', '/v1/webhooks/alertmanager', body)).status).toBe(202);

    const ids = [fingerprint(first.labels), fingerprint(second.labels)];
    const stored = await vi.waitFor(
      async () => {
        const alerts = (await api('GET', '/v1/alerts')).body.alerts as Json[];
        if (alerts.length < 2) throw new Error(`${alerts.length} alerts stored so far`);
        return alerts;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(stored.map((a) => a.id).sort()).toEqual([...ids].sort());
    expect(stored.map((a) => (a.labels as Json).service).sort()).toEqual(['ledger', 'payment-gateway']);
    // Both claim it: the sender's fingerprint names neither.
    const claimed = await api('GET', '/v1/alerts/0000000000000000');
    expect(claimed.status).toBe(409);
    expect(claimed.body.message).toContain(ids[0]!);
    expect(claimed.body.message).toContain(ids[1]!);

    const one = await api('GET', `/v1/alerts/${ids[1]!}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[1], fingerprint: ids[1], sourceFingerprint: '0000000000000000', labels: second.labels });
  });

  it("finds an alert by the fingerprint its sender gave it (Grafana's are not Alertmanager's)", async () => {
    const grafana = JSON.parse(readFileSync(join(__dirname, '../fixtures/grafana/webhook-firing.json'), 'utf8')) as Json & { alerts: AmAlert[] };
    const sent = grafana.alerts[0]!;
    const ours = fingerprint(sent.labels);
    expect(sent.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(sent.fingerprint).not.toBe(ours);
    expect((await api('POST', '/v1/webhooks/grafana', grafana)).status).toBe(202);
    const found = await vi.waitFor(
      async () => {
        const res = await api('GET', `/v1/alerts/${sent.fingerprint!}`);
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        return res.body;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(found).toMatchObject({ id: ours, sourceFingerprint: sent.fingerprint, labels: sent.labels });
    expect((await api('GET', '/v1/alerts/00000000000000ff')).status).toBe(404);
  });

  it('answers 400 naming a label "__proto__" rather than dropping it', async () => {
    const text = JSON.stringify(amBody()).replace('"labels":{', '"labels":{"__proto__":"x",');
    const res = await api('POST', '/v1/webhooks/alertmanager', text);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('alerts[0].labels.__proto__');
    const generic = await api('POST', '/v1/alerts', '{"name":"ProtoLabel","labels":{"__proto__":"x"}}');
    expect(generic.status).toBe(400);
    expect(generic.body.details).toEqual([{ path: 'labels.__proto__', message: expect.stringContaining('"__proto__"') }]);
  });
});
