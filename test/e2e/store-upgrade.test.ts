import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { apiRequest, startRuntimeWithConfig, teamRouteConfig } from '../support/runtime';

/**
 * Upgrading a data dir from the dynalite store (every earlier version) to the SQLite default: the
 * silences, groups and their notification log come along, so nothing is notified twice and no
 * silence is lost; the dynalite files are kept aside as a backup.
 */
const TOKEN = 'upgrade-token';
let hook: StandIn;
beforeAll(async () => {
  hook = await startStandIn();
});
afterAll(async () => hook?.close());

const config = () => `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
${teamRouteConfig(hook.url)}`;

describe('a data dir written by the dynalite store', () => {
  it('is imported into SQLite at the first start: silences and groups kept, nothing re-sent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alertflow-upgrade-'));
    let rt: LocalRuntime = await startRuntimeWithConfig(config(), { token: TOKEN, dataDir, store: 'dynalite' });
    const silence = { matchers: ['alertname="Muted"'], ends_at: new Date(Date.now() + 3_600_000).toISOString(), created_by: 'alice', comment: 'maintenance' };
    const created = await apiRequest<{ id: string }>(rt.url, TOKEN, 'POST', '/v1/silences', silence);
    expect(created.status).toBe(201);
    expect((await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'Upgraded', instance: 'a' } }] })).status).toBe(202);
    await hook.waitFor(1, 10_000);
    await rt.queues.idle();
    await rt.close();

    rt = await startRuntimeWithConfig(config(), { token: TOKEN, dataDir });
    try {
      expect(rt.store).toBe('sqlite');
      expect(existsSync(join(dataDir, 'db'))).toBe(false);
      expect(existsSync(join(dataDir, 'db.imported'))).toBe(true);
      const silences = await apiRequest<{ silences: Array<{ id: string; status: { state: string } }> }>(rt.url, TOKEN, 'GET', '/v1/silences');
      expect(silences.body.silences.map((s) => [s.id, s.status.state])).toEqual([[created.body.id, 'active']]);
      const groups = await apiRequest<{ groups: Array<{ labels: Record<string, string>; alerts: { firing: number } }> }>(rt.url, TOKEN, 'GET', '/v1/groups');
      expect(groups.body.groups.map((g) => [g.labels.alertname, g.alerts.firing])).toEqual([['Upgraded', 1]]);
      // The same alert again is no news: the imported notification log says it was sent.
      expect((await apiRequest(rt.url, TOKEN, 'POST', '/v1/alerts', { alerts: [{ labels: { alertname: 'Upgraded', instance: 'a' } }] })).status).toBe(202);
      await rt.queues.idle();
      expect(hook.received.filter((r) => r.path === '/hook')).toHaveLength(1);
    } finally {
      await rt.close();
    }
  });
});
