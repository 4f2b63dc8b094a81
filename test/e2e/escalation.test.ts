import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * Escalation in the local runtime, over HTTP: a critical alert's incident climbs its policy's steps
 * on timers (1 s waits), and stops when someone acknowledges or resolves it through the API.
 */
interface Page {
  path: string;
  incident: {
    id: string;
    step: number | null;
    run: number | null;
    links: { ack: string | null; resolve: string | null; escalate: string | null };
    event?: { kind: string; by: string } | null;
  } | null;
}

/** `/oncall step 2`, `/team group` (the group's own notification), `/team ack by default` (a follow-up). */
const what = (p: Page): string => `${p.path} ${p.incident?.event ? `${p.incident.event.kind} by ${p.incident.event.by}` : p.incident?.step ? `step ${p.incident.step}` : 'group'}`;

let rt: LocalRuntime | undefined;
let hook: StandIn | undefined;
afterEach(async () => {
  await rt?.close();
  await hook?.close();
  rt = undefined;
  hook = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A receiver or a top-level key a test adds to the shared config (given the stand-in's URL). */
interface More {
  top?: string;
  receivers?: (url: string) => string;
}

function config(url: string, policy: string, more: More = {}): string {
  return `${more.top ?? ''}
escalation_policies:
  - name: critical
${policy}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  routes:
    - matchers: ['severity="critical"']
      escalation_policy: critical
receivers:
  - name: team
    webhook_configs: [{ url: '${url}/team' }]
  - name: oncall
    webhook_configs: [{ url: '${url}/oncall' }]
  - name: managers
    webhook_configs: [{ url: '${url}/managers' }]
${more.receivers?.(url) ?? ''}`;
}

const THREE_STEPS = `    steps:
      - notify: [team]
        wait: 1s
      - notify: [oncall]
        wait: 1s
      - notify: [managers]`;

async function start(policy: string, more: More = {}, env: Record<string, string> = {}): Promise<{ rt: LocalRuntime; hook: StandIn; pages: () => Page[] }> {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(config(hook.url, policy, more), { env });
  const h = hook;
  return {
    rt,
    hook: h,
    pages: () =>
      h.received.map((r) => {
        const body = r.json() as { incident: (Page['incident'] & { event?: unknown }) | null };
        return { path: r.path, incident: body.incident };
      }),
  };
}

async function fire(r: LocalRuntime, alertname: string, status: 'firing' | 'resolved' = 'firing', labels: Record<string, string> = {}): Promise<void> {
  const res = await apiRequest(r.url, r.token, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname, severity: 'critical', ...labels }, status }] });
  expect(res.status).toBe(202);
}

async function incidents(r: LocalRuntime, query = ''): Promise<Array<Record<string, unknown>>> {
  const res = await apiRequest<{ incidents: Array<Record<string, unknown>> }>(r.url, r.token, 'GET', `/v1/incidents${query}`);
  expect(res.status).toBe(200);
  return res.body.incidents;
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('escalation (local runtime)', () => {
  it('climbs three steps on timers, one page per step, and records each in the timeline', async () => {
    const { rt, pages } = await start(THREE_STEPS);
    await fire(rt, 'DiskFull');
    await until('the managers page', () => (pages().some((p) => p.path === '/managers') ? true : undefined), 15_000);
    // The route's receiver heard of it from the group's notification; step 1 does not page it twice.
    expect(pages().map((p) => `${p.path} ${p.incident?.step ? `step ${p.incident.step}` : 'group'}`)).toEqual(['/team group', '/oncall step 2', '/managers step 3']);
    const [incident] = await incidents(rt);
    expect(incident).toMatchObject({ state: 'triggered', policy: 'critical', step: { run: 1, step: 3 }, next_step: null, paged: ['team', 'oncall', 'managers'] });
    const detail = await apiRequest<{ timeline: Array<{ kind: string; actor: string; step?: number; notify?: string[]; deliveries?: unknown[] }> }>(
      rt.url,
      rt.token,
      'GET',
      `/v1/incidents/${String(incident!.id)}`,
    );
    expect(detail.body.timeline.map((e) => [e.kind, e.actor, e.step, e.notify])).toEqual([
      ['triggered', 'alertflow', 1, []],
      ['step', 'alertflow', 2, ['oncall']],
      ['step', 'alertflow', 3, ['managers']],
    ]);
    // Each step with what became of its pages (the senders' delivery records).
    // Each step's pages: what became of each, after how many attempts, with the delivery record's id.
    expect(detail.body.timeline.map((e) => e.deliveries)).toEqual([
      [],
      [{ id: expect.stringMatching(/^esc\./), receiver: 'oncall', channel: 'webhook[0]', status: 'delivered', attempts: 1, last_error: null }],
      [{ id: expect.stringMatching(/^esc\./), receiver: 'managers', channel: 'webhook[0]', status: 'delivered', attempts: 1, last_error: null }],
    ]);
    // Each page went out once (no duplicates from retries or replays).
    await sleep(1500);
    expect(pages()).toHaveLength(3);
  });

  it('stops at an acknowledgement: no later step runs, and the timeline names who acked', async () => {
    const { rt, pages } = await start(THREE_STEPS);
    await fire(rt, 'DiskFull');
    await until('the oncall page', () => (pages().some((p) => p.path === '/oncall') ? true : undefined));
    const [incident] = await incidents(rt);
    const ack = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/ack`);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledged_by: 'default', next_timer_at: null });
    await sleep(2500);
    // No step 3; those already paged hear who acknowledged (notify_on: [ack, resolve], the default).
    expect(pages().map(what).sort()).toEqual(['/oncall ack by default', '/oncall step 2', '/team ack by default', '/team group']);
    // A re-fire into the group while acknowledged: the group notifies its receiver, the incident stays acknowledged.
    await fire(rt, 'DiskFull', 'firing', { instance: 'b' });
    await until('the group update', () => (pages().length === 5 ? true : undefined));
    await sleep(1500);
    expect(pages().map(what).at(-1)).toBe('/team group');
    expect(pages()).toHaveLength(5);
    expect((await incidents(rt)).map((i) => [i.id, i.state])).toEqual([[incident!.id, 'acknowledged']]);
    // A second ack is refused, naming the state and who acked.
    const again = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/ack`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'incident_state', details: { state: 'acknowledged' } });
    expect(String(again.body.message)).toContain('acknowledged (by default)');
    const detail = await apiRequest<{ timeline: Array<{ kind: string; actor: string }> }>(rt.url, rt.token, 'GET', `/v1/incidents/${String(incident!.id)}`);
    expect(detail.body.timeline.map((e) => `${e.kind} by ${e.actor}`)).toEqual(['triggered by alertflow', 'step by alertflow', 'acknowledged by default']);
  });

  it('with ack_allowed: false refuses an ack (409) and only a resolve stops the chain', async () => {
    const { rt, pages } = await start(`${THREE_STEPS}\n    ack_allowed: false`);
    await fire(rt, 'Breach');
    const [incident] = await until('the incident', async () => (await incidents(rt))[0] && (await incidents(rt)));
    const ack = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/ack`);
    expect(ack.status).toBe(409);
    expect(String(ack.body.message)).toContain('ack_allowed: false');
    await until('the oncall page', () => (pages().some((p) => p.path === '/oncall') ? true : undefined));
    const resolved = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'resolved', resolved_by: 'default' });
    await sleep(2000);
    expect(pages().map(what).sort()).toEqual(['/oncall resolve by default', '/oncall step 2', '/team group', '/team resolve by default']);
    expect((await incidents(rt, '?state=resolved')).map((i) => i.id)).toEqual([incident!.id]);
    expect(await incidents(rt, '?state=triggered')).toEqual([]);
  });

  it('triggers again when an ack is older than ack_timeout, re-paging the step it stopped at', async () => {
    const { rt, pages } = await start(`    steps:
      - notify: [team]
        wait: 30s
      - notify: [oncall]
    ack_timeout: 1s`);
    await fire(rt, 'DiskFull');
    const [incident] = await until('the incident', async () => ((await incidents(rt)).length > 0 ? incidents(rt) : undefined));
    expect((await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/ack`)).status).toBe(200);
    // The ack lapses after 1 s: step 1 (team) is paged again, as an escalation page this time.
    await until('the re-page', () => (pages().some((p) => what(p) === '/team step 1') ? true : undefined));
    expect(pages().find((p) => what(p) === '/team step 1')).toMatchObject({ path: '/team', incident: { id: incident!.id, step: 1, run: 1 } });
    expect(pages().map(what)).toContain('/team ack by default');
    const [after] = await incidents(rt);
    expect(after).toMatchObject({ state: 'triggered', acknowledged_by: null });
    const detail = await apiRequest<{ timeline: Array<{ kind: string }> }>(rt.url, rt.token, 'GET', `/v1/incidents/${String(incident!.id)}`);
    expect(detail.body.timeline.map((e) => e.kind)).toEqual(['triggered', 'acknowledged', 'retriggered']);
  });

  it('resolves with its alerts, and a re-fire after that is a new incident with a new chain', async () => {
    const { rt, pages } = await start(THREE_STEPS.replace('wait: 1s', 'wait: 30s'));
    await fire(rt, 'DiskFull');
    const [first] = await until('the incident', async () => ((await incidents(rt)).length > 0 ? incidents(rt) : undefined));
    await fire(rt, 'DiskFull', 'resolved');
    await until('the resolve', async () => ((await incidents(rt, '?state=resolved')).length === 1 ? true : undefined));
    const [resolved] = await incidents(rt, '?state=resolved');
    expect(resolved).toMatchObject({ id: first!.id, resolved_by: 'alertflow (its alerts resolved)' });
    await fire(rt, 'DiskFull');
    const open = await until('a second incident', async () => {
      const list = await incidents(rt, '?state=triggered');
      return list.length === 1 ? list : undefined;
    });
    expect(open[0]!.id).not.toBe(first!.id);
    expect(pages().map((p) => p.path)).toEqual(['/team', '/team', '/team']);
  });

  it('unack goes back to triggered and re-runs the step the chain was at; escalate runs the next one now', async () => {
    const { rt, pages } = await start(THREE_STEPS.replace(/wait: 1s/g, 'wait: 30s'));
    await fire(rt, 'DiskFull');
    const [incident] = await until('the incident', async () => ((await incidents(rt)).length > 0 ? incidents(rt) : undefined));
    const id = String(incident!.id);
    const escalated = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${id}/escalate`);
    expect(escalated.body).toMatchObject({ state: 'triggered', step: { step: 2 } });
    await until('the oncall page', () => (pages().some((p) => p.path === '/oncall') ? true : undefined));
    expect((await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${id}/ack`)).status).toBe(200);
    const unack = await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${id}/unack`);
    expect(unack.body).toMatchObject({ state: 'triggered', step: { step: 2 }, next_step: { step: 3 } });
    await until('the second oncall page', () => (pages().filter((p) => what(p) === '/oncall step 2').length === 2 ? true : undefined));
    expect((await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${id}/unack`)).status).toBe(409);
    expect((await apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/nope/ack`)).status).toBe(404);
  });

  it("serves the links of a receiver whose name is long (they pass the 256 bytes an id's path parameter may have)", async () => {
    const name = `oncall-${'x'.repeat(150)}`;
    const { rt, pages } = await start(`    steps:\n      - notify: [${name}]`, { receivers: (url) => `  - name: ${name}\n    webhook_configs: [{ url: '${url}/long' }]\n` });
    // A label value from the alert's sender is shown escaped on the page.
    await fire(rt, '<img src=x onerror=alert(1)>');
    await until('the page', () => (pages().some((p) => p.path === '/long') ? true : undefined));
    const link = pages().find((p) => p.path === '/long')!.incident!.links.escalate!;
    expect(Buffer.byteLength(new URL(link).pathname)).toBeGreaterThan(256 + '/v1/links/'.length);
    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
  });

  it('acknowledges through a signed link: the GET only shows a page, the POST acks, and the link is then stale', async () => {
    const { rt, pages } = await start(THREE_STEPS);
    await fire(rt, 'DiskFull');
    await until('the oncall page', () => (pages().some((p) => p.path === '/oncall') ? true : undefined));
    // The route's receiver's notification carries the links too.
    expect(pages()[0]!.incident?.links.ack).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/links\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const link = pages().find((p) => what(p) === '/oncall step 2')!.incident!.links.ack!;
    // A mail scanner fetching the link (twice) acknowledges nothing.
    for (let i = 0; i < 2; i++) {
      const shown = await fetch(link);
      expect(shown.status).toBe(200);
      expect(shown.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await shown.text();
      expect(html).toContain('Acknowledge this incident?');
      expect(html).toContain('<form method="post">');
      expect(html).toContain('<code>alertname="DiskFull"</code>');
    }
    expect((await incidents(rt))[0]).toMatchObject({ state: 'triggered' });
    const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Acknowledged by link (oncall)');
    expect((await incidents(rt))[0]).toMatchObject({ state: 'acknowledged', acknowledged_by: 'link (oncall)' });
    // Replayed: the chain moved on, so the same link (and the other links of that page) do nothing.
    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('changed since this link was sent: it is acknowledged (acknowledged by link (oncall))');
    const resolve = await fetch(pages().find((p) => what(p) === '/oncall step 2')!.incident!.links.resolve!, { method: 'POST' });
    expect(resolve.status).toBe(409);
    // Forged: a signature that is not ours.
    const dot = link.lastIndexOf('.');
    const forged = `${link.slice(0, dot + 1)}${link[dot + 1] === 'A' ? 'B' : 'A'}${link.slice(dot + 2)}`;
    const bad = await fetch(forged, { method: 'POST' });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('This link is not valid');
    expect((await fetch(`${rt.url}/v1/links/nothing-here`)).status).toBe(400);
    await sleep(1500);
    expect(pages().map(what).sort()).toEqual(['/oncall ack by link (oncall)', '/oncall step 2', '/team ack by link (oncall)', '/team group']);
  });

  it('keeps a PagerDuty service in step: trigger on the page, acknowledge and resolve as they happen here, one dedup_key', async () => {
    const { rt: r, hook: h } = await start(`    steps:
      - notify: [pd]
        wait: 30s
      - notify: [team]`, { receivers: (url) => `  - name: pd
    pagerduty_configs: [{ routing_key: { env: PD_KEY }, events_url: '${url}/pd' }]` }, { PD_KEY: 'pd-routing-key' });
    await fire(r, 'DiskFull');
    const events = () => h.received.filter((x) => x.path === '/pd').map((x) => x.json() as { event_action: string; dedup_key: string; routing_key: string; links?: Array<{ text: string }> });
    await until('the trigger', () => (events().length === 1 ? true : undefined));
    const [incident] = await incidents(r);
    expect((await apiRequest(r.url, r.token, 'POST', `/v1/incidents/${String(incident!.id)}/ack`)).status).toBe(200);
    await until('the acknowledge', () => (events().length === 2 ? true : undefined));
    expect((await apiRequest(r.url, r.token, 'POST', `/v1/incidents/${String(incident!.id)}/resolve`)).status).toBe(200);
    await until('the resolve', () => (events().length === 3 ? true : undefined));
    expect(events().map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(new Set(events().map((e) => e.dedup_key)).size).toBe(1);
    expect(events().every((e) => e.routing_key === 'pd-routing-key')).toBe(true);
    expect(events()[0]!.links?.[0]?.text).toBe('Acknowledge in alertflow');
    expect(events()[0]!.dedup_key).toBe(`alertflow/${String(incident!.id)}`);
  });

  it('takes acks and resolves made in PagerDuty from its signed v3 webhooks, and ignores its echo of ours', async () => {
    const { rt: r, hook: h } = await start(`    steps:
      - notify: [pd]`, { top: `
pagerduty_webhooks:
  signing_secrets: [{ env: PD_WEBHOOK_NEW }, { env: PD_WEBHOOK_OLD }]`, receivers: (url) => `  - name: pd
    pagerduty_configs: [{ routing_key: { env: PD_KEY }, events_url: '${url}/pd' }]` }, { PD_KEY: 'k', PD_WEBHOOK_NEW: 'new-secret', PD_WEBHOOK_OLD: 'old-secret' });
    await fire(r, 'DiskFull');
    const trigger = (await until('the trigger', () => h.received.find((x) => x.path === '/pd'))).json() as { dedup_key: string };
    const webhook = (eventType: string, secrets: string[], key = trigger.dedup_key) => {
      const body = JSON.stringify({
        event: { id: 'E1', event_type: eventType, resource_type: 'incident', agent: { id: 'P1', summary: 'Jane Oncall', type: 'user_reference' }, data: { id: 'Q1', type: 'incident', incident_key: key, status: 'acknowledged' } },
      });
      const signature = secrets.map((s) => `v1=${createHmac('sha256', s).update(body).digest('hex')}`).join(',');
      return fetch(`${r.url}/v1/pagerduty/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': signature }, body });
    };
    expect((await webhook('incident.acknowledged', ['not-ours'])).status).toBe(401);
    expect((await incidents(r))[0]).toMatchObject({ state: 'triggered' });
    // Signed with the old secret while it rotates (PagerDuty sends one signature per secret).
    const acked = await webhook('incident.acknowledged', ['unknown', 'old-secret']);
    expect(acked.status).toBe(200);
    expect((await incidents(r))[0]).toMatchObject({ state: 'acknowledged', acknowledged_by: 'pagerduty:Jane Oncall' });
    // PagerDuty's echo of an ack alertflow already has changes nothing.
    expect(await (await webhook('incident.acknowledged', ['new-secret'])).json()).toMatchObject({ ok: true, ignored: expect.stringContaining('acknowledged') });
    // Not one of ours: ignored.
    expect(await (await webhook('incident.resolved', ['new-secret'], 'someone-elses-key')).json()).toMatchObject({ ignored: 'not an alertflow incident event' });
    expect((await webhook('incident.resolved', ['new-secret'])).status).toBe(200);
    expect((await incidents(r, '?state=resolved'))[0]).toMatchObject({ resolved_by: 'pagerduty:Jane Oncall' });
  });

  it('acknowledges from a Slack button, signed as Slack signs, and updates the message in place', async () => {
    const { rt: r, hook: h } = await start(`    steps:
      - notify: [chat]`, { top: `
slack_app:
  signing_secret: { env: SLACK_SIGNING_SECRET }
  response_hosts: [127.0.0.1]`, receivers: (url) => `  - name: chat
    slack_configs: [{ webhook_url: '${url}/slack' }]` }, { SLACK_SIGNING_SECRET: 'slack-secret' });
    await fire(r, 'DiskFull');
    const message = (await until('the Slack page', () => h.received.find((x) => x.path === '/slack'))).json() as { text: string; blocks: Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value: string }> }> };
    const ack = message.blocks.find((b) => b.block_id === 'alertflow_incident')!.elements!.find((e) => e.action_id === 'alertflow_ack')!;
    const interaction = (ts: number, secret = 'slack-secret') => {
      const payload = { type: 'block_actions', user: { id: 'U024BE7LH', username: 'alice' }, response_url: `${h.url}/response`, actions: [{ action_id: ack.action_id, value: ack.value }], message };
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
      return fetch(`${r.url}/v1/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }, body });
    };
    const now = Math.floor(Date.now() / 1000);
    // Not Slack's signature, or a request from more than 5 minutes ago: refused, nothing done.
    expect((await interaction(now, 'other-secret')).status).toBe(401);
    expect((await interaction(now - 301)).status).toBe(401);
    expect((await incidents(r))[0]).toMatchObject({ state: 'triggered' });
    const res = await interaction(now);
    expect(res.status).toBe(200);
    expect((await incidents(r))[0]).toMatchObject({ state: 'acknowledged', acknowledged_by: 'slack:alice (U024BE7LH)' });
    const update = (await until('the message update', () => h.received.find((x) => x.path === '/response'))).json() as { replace_original: boolean; blocks: Array<{ type: string; elements?: Array<{ text?: string }> }> };
    expect(update.replace_original).toBe(true);
    expect(update.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(update.blocks.find((b) => b.type === 'context')?.elements?.[0]?.text).toMatch(/^Acknowledged by <@U024BE7LH> at /);
    // The same click again (Slack retries): nothing more happens, and the message says why.
    expect((await interaction(Math.floor(Date.now() / 1000))).status).toBe(200);
    await until('the second update', () => (h.received.filter((x) => x.path === '/response').length === 2 ? true : undefined));
    expect(JSON.stringify(h.received.filter((x) => x.path === '/response')[1]!.json())).toContain('Not done: incident');
  });

  it('waits while the whole group is silenced, and goes on from the step that was due once it is heard again', async () => {
    const { rt, pages } = await start(THREE_STEPS.replace(/wait: 1s/g, 'wait: 2s'));
    await fire(rt, 'DiskFull');
    const [incident] = await until('the incident', async () => ((await incidents(rt)).length > 0 ? incidents(rt) : undefined));
    const silence = await apiRequest<{ id: string }>(rt.url, rt.token, 'POST', '/v1/silences', {
      matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
      starts_at: new Date().toISOString(),
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'ops',
      comment: 'maintenance',
    });
    expect(silence.status).toBe(201);
    // Step 2 comes due while the group is silenced: the chain stops instead of paging.
    const [waiting] = await until('the suspension', async () => ((await incidents(rt))[0]?.suspended ? incidents(rt) : undefined), 10_000);
    expect(waiting).toMatchObject({ state: 'triggered', suspended: { reason: 'silenced' }, next_step: null });
    await sleep(2500);
    expect(pages().map(what)).toEqual(['/team group']);
    // The silence is expired early: the group flushes, is heard, and step 2 runs now.
    expect((await apiRequest(rt.url, rt.token, 'DELETE', `/v1/silences/${silence.body.id}`)).status).toBe(200);
    await until('step 2', () => (pages().some((p) => what(p) === '/oncall step 2') ? true : undefined), 10_000);
    const detail = await apiRequest<{ timeline: Array<{ kind: string }> }>(rt.url, rt.token, 'GET', `/v1/incidents/${String(incident!.id)}`);
    expect(detail.body.timeline.map((e) => e.kind)).toEqual(['triggered', 'suspended', 'resumed', 'step']);
  });

  it('acknowledges by SMS reply: the page says "Reply ACK <code>", and only a paged number can use it', async () => {
    const { rt: r } = await start(`    steps:
      - notify: [phone]`, { receivers: () => `  - name: phone
    sms_configs: [{ to: ['+15551234567'] }]` });
    await fire(r, 'DiskFull');
    const outbox = async () => (await apiRequest<{ messages: Array<{ channel: string; body: string }> }>(r.url, r.token, 'GET', '/local/outbox')).body.messages.filter((m) => m.channel === 'sms');
    const [page] = await until('the SMS page', async () => ((await outbox()).length > 0 ? outbox() : undefined));
    const code = /Reply ACK (\d{6})/.exec(page!.body)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const reply = (from: string, text: string) =>
      apiRequest(r.url, r.token, 'POST', '/local/events', { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify({ originationNumber: from, destinationNumber: '+15550000000', messageBody: text }) } }] });
    // From a number that was not paged, or with another code: nothing happens.
    expect((await reply('+15559999999', `ACK ${code}`)).status).toBe(202);
    expect((await reply('+15551234567', `ACK ${code === '000000' ? '000001' : '000000'}`)).status).toBe(202);
    await sleep(1000);
    expect((await incidents(r))[0]).toMatchObject({ state: 'triggered' });
    expect((await reply('+15551234567', `ack ${code}`)).body).toMatchObject({ status: 'accepted', sms_replies: 1 });
    await until('the ack', async () => ((await incidents(r))[0]?.state === 'acknowledged' ? true : undefined));
    expect((await incidents(r))[0]).toMatchObject({ acknowledged_by: 'sms:+15551234567' });
  });

  it('resolve with a silence mutes the group, so the alerts its source still sends do not open the next incident', async () => {
    const { rt } = await start(THREE_STEPS.replace(/wait: 1s/g, 'wait: 30s'), { top: 'silences:\n  max_silences: 1\n' });
    await fire(rt, 'DiskFull');
    const [incident] = await until('the incident', async () => ((await incidents(rt)).length > 0 ? incidents(rt) : undefined));
    const resolve = (silence: Record<string, unknown>) => apiRequest(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/resolve`, { silence });
    // A silence that would be refused leaves the incident as it was: it was resolved first, then a 4xx or 500.
    expect((await resolve({ duration: 'soon' })).status).toBe(400);
    expect((await resolve({ duration: '300000y' })).status).toBe(400);
    const other = await apiRequest<{ id: string }>(rt.url, rt.token, 'POST', '/v1/silences', { matchers: ['alertname="Other"'], ends_at: new Date(Date.now() + 3_600_000).toISOString(), created_by: 't', comment: 'the one allowed' });
    expect(other.status).toBe(201);
    expect((await resolve({ duration: '2h' })).status).toBe(409);
    expect((await incidents(rt))[0]).toMatchObject({ state: 'triggered' });
    expect((await apiRequest(rt.url, rt.token, 'DELETE', `/v1/silences/${other.body.id}`)).status).toBeLessThan(300);
    const res = await apiRequest<{ state: string; silence: { matchers: unknown[]; created_by: string } }>(rt.url, rt.token, 'POST', `/v1/incidents/${String(incident!.id)}/resolve`, {
      silence: { duration: '2h', comment: 'disk swap tonight' },
    });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('resolved');
    expect(res.body.silence).toMatchObject({ matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }], created_by: 'default' });
  });
});
