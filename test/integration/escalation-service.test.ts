import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../shared/config/loader';
import { auditIncidents } from '../../shared/escalation/auditor';
import { pendingTimer, type IncidentStart } from '../../shared/escalation/incident';
import { act, onTimer, resolveWithGroup, startIncidentFor, timerName, type EscalationDeps } from '../../shared/escalation/service';
import { silentLogger } from '../../shared/log';
import type { EscalationMessage, NotificationMessage } from '../../shared/queues/messages';
import type { OutgoingMessage, QueuePort } from '../../shared/queues/port';
import { compileConfig } from '../../shared/runtime/compiled-config';
import type { Stores } from '../../shared/store/port';
import { groupState } from '../support/group-state';
import { freshStores, STORE_ADAPTERS } from '../support/store-adapters';

/**
 * The escalation service over each store adapter, on a virtual clock: races between people and
 * timers decided by the incident's version and its (token, step, loop) guard, and the auditor
 * running what a lost timer should have.
 */
const CONFIG = compileConfig(
  parseConfigYaml(
    `
escalation_policies:
  - name: p
    steps:
      - { notify: [team], wait: 1m }
      - { notify: [oncall], wait: 1m }
      - { notify: [managers] }
route: { receiver: team, routes: [{ matchers: ['severity="critical"'], escalation_policy: p }] }
receivers:
  - { name: team, webhook_configs: [{ url: 'http://127.0.0.1:9/team' }] }
  - { name: oncall, webhook_configs: [{ url: 'http://127.0.0.1:9/oncall' }] }
  - { name: managers, webhook_configs: [{ url: 'http://127.0.0.1:9/managers' }] }
`,
    'test.yaml',
  ),
);
const T0 = Date.parse('2026-12-07T12:00:00Z');
const M = 60_000;

function harness(stores: Stores) {
  let now = T0;
  const sent: Array<{ queue: string; body: string; delaySeconds?: number | undefined }> = [];
  const queues: QueuePort = {
    send: async (queue: string, messages: OutgoingMessage[]) => void sent.push(...messages.map((m) => ({ queue, body: m.body, delaySeconds: m.delaySeconds }))),
  } as QueuePort;
  let tokens = 0;
  const deleted: string[] = [];
  const schedules: string[] = [];
  const deps: EscalationDeps = {
    incidents: stores.incidents,
    groups: stores.groups,
    config: CONFIG,
    queues,
    scheduler: { create: async () => {}, delete: async (name: string) => void deleted.push(name), list: async (prefix: string) => schedules.filter((n) => n.startsWith(prefix)) },
    clock: () => new Date(now),
    log: silentLogger,
    newToken: () => `t${++tokens}`,
  };
  const pages = () => sent.filter((s) => s.queue === 'webhook-notifications').map((s) => JSON.parse(s.body) as NotificationMessage);
  const timers = () => sent.filter((s) => s.queue === 'escalations').map((s) => JSON.parse(s.body) as EscalationMessage);
  return { deps, pages, timers, deleted, schedules, advance: (ms: number) => (now += ms), at: () => now };
}

const group = () =>
  groupState('g1', [{ fingerprint: 'fp1', status: 'firing', labels: { alertname: 'Disk', severity: 'critical' }, annotations: {}, startsAt: new Date(T0).toISOString(), source: 'generic' }], T0);

const start: IncidentStart = { id: 'inc-test', groupId: 'g1', groupKey: 'k', groupLabels: { alertname: 'Disk' }, routeReceiver: 'team', policy: CONFIG.escalationPolicies.get('p')!, token: 't0' };

describe.each(STORE_ADAPTERS)('escalation service (%s store)', (adapter) => {
  const fresh = freshStores(adapter);
  /** Fresh stores with the group stored and its incident started (step 1 ran, step 2 armed). */
  const started = async () => {
    const stores = await fresh();
    const h = harness(stores);
    await stores.groups.put(group());
    await startIncidentFor(start, group(), h.deps);
    return { stores, h };
  };

  it('an ack and a step due at the same instant: exactly one wins, and the loser changes nothing', async () => {
    const { stores, h } = await started();
    h.advance(M);
    const [stepTimer] = h.timers();
    const [stepped, acked] = await Promise.allSettled([onTimer(stepTimer!, h.deps), act('inc-test', 'ack', 'alice', h.deps)]);
    const incident = (await stores.incidents.get('inc-test', new Date(h.at())))!;
    expect(acked.status).toBe('fulfilled');
    expect(incident.state).toBe('acknowledged');
    // Whichever wrote first, the timeline holds no step after the ack.
    const kinds = (await stores.incidents.timeline('inc-test', new Date(h.at()))).map((e) => e.kind);
    expect(kinds.indexOf('acknowledged')).toBe(kinds.length - 1);
    expect(stepped.status).toBe('fulfilled');
  });

  it('two acks at once from two channels: one wins, the other is told who did', async () => {
    const { stores, h } = await started();
    const results = await Promise.allSettled([act('inc-test', 'ack', 'slack:alice', h.deps), act('inc-test', 'ack', 'pagerduty:bob', h.deps)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    const winner = (await stores.incidents.get('inc-test', new Date(h.at())))!.acknowledged!.by;
    expect(String(refused.reason.message)).toContain(`acknowledged (by ${winner})`);
  });

  it('a duplicated or late timer runs its step once', async () => {
    const { stores, h } = await started();
    h.advance(M);
    const [timer] = h.timers();
    expect(await onTimer(timer!, h.deps)).toBe('ran');
    expect(await onTimer(timer!, h.deps)).toBe('replayed');
    h.advance(10 * M);
    expect(await onTimer(timer!, h.deps)).toBe('replayed');
    // The replays re-send the same page ids, which senders post once.
    const ids = h.pages().filter((p) => p.receiver === 'oncall').map((p) => p.id);
    expect(new Set(ids).size).toBe(1);
    expect((await stores.incidents.timeline('inc-test', new Date(h.at()))).filter((e) => e.kind === 'step')).toHaveLength(1);
  });

  it('the auditor runs a step whose timer was lost, and a timer arriving after that does nothing', async () => {
    const { stores, h } = await started();
    const [lost] = h.timers();
    // Not overdue yet (due in 1 minute, grace 2 minutes): nothing to do.
    h.advance(2 * M);
    expect(await auditIncidents(h.deps)).toEqual({ checked: 1, overdue: 0, ran: 0, orphaned: 0 });
    h.advance(2 * M);
    expect(await auditIncidents(h.deps)).toEqual({ checked: 1, overdue: 1, ran: 1, orphaned: 0 });
    const incident = (await stores.incidents.get('inc-test', new Date(h.at())))!;
    expect(incident.ran).toMatchObject({ loop: 0, step: 1 });
    expect(h.pages().map((p) => p.receiver)).toEqual(['oncall']);
    // The lost timer turns up after all: its step ran, so it only replays the same page.
    expect(await onTimer(lost!, h.deps)).toBe('replayed');
    expect(new Set(h.pages().map((p) => p.id)).size).toBe(1);
    // The next step's timer is armed and named as the audit would name it.
    expect(h.timers().at(-1)!.id).toBe(timerName(pendingTimer(incident)!));
  });

  it('the auditor deletes escalation schedules no incident expects any more, and keeps the live one', async () => {
    const { stores, h } = await started();
    const live = timerName(pendingTimer((await stores.incidents.get('inc-test', new Date(h.at())))!)!);
    const stale = 'esc-inc-00000000000000000000-t9-0-1';
    const ofAckedChain = live.replace('-t0-', '-zz-');
    h.schedules.push(live, stale, ofAckedChain, 'flush-g1-123');
    expect((await auditIncidents(h.deps)).orphaned).toBe(2);
    expect(h.deleted.sort()).toEqual([ofAckedChain, stale].sort());
  });

  it("a step due after the group stopped firing ends the incident instead of paging (a resolve that was lost)", async () => {
    const { stores, h } = await started();
    h.advance(M);
    const [timer] = h.timers();
    expect(await onTimer(timer!, { ...h.deps, groupMuted: async () => 'resolved' })).toBe('ran');
    expect((await stores.incidents.get('inc-test', new Date(h.at()))))!.toMatchObject({ state: 'resolved', resolved: { by: 'alertflow (its alerts resolved)' } });
    expect(h.pages().filter((p) => p.incident?.step)).toEqual([]);
  });

  it('an ack racing the resolve of its alerts: both end in one defined state, resolved, and the ack is never lost silently', async () => {
    const { stores, h } = await started();
    const [acked, resolved] = await Promise.allSettled([act('inc-test', 'ack', 'alice', h.deps), resolveWithGroup('inc-test', h.deps)]);
    expect(resolved.status).toBe('fulfilled');
    const incident = (await stores.incidents.get('inc-test', new Date(h.at())))!;
    expect(incident.state).toBe('resolved');
    const kinds = (await stores.incidents.timeline('inc-test', new Date(h.at()))).map((e) => e.kind);
    // Either the ack won and the resolve followed it, or the resolve won and the ack was refused (409, naming the state).
    if (acked.status === 'fulfilled') expect(kinds).toEqual(['triggered', 'acknowledged', 'resolved']);
    else {
      expect(kinds).toEqual(['triggered', 'resolved']);
      expect(String(acked.reason.message)).toContain('resolved');
    }
    expect(pendingTimer(incident)).toBeUndefined();
  });
});
