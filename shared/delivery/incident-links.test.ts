import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { compileConfig } from '../runtime/compiled-config';
import { notification } from '../channels/testing';
import { silentLogger } from '../log';
import { MAX_LINK_RECEIVER, verifyLink } from '../escalation/links';
import { MAX_LINK_PARAMETER_BYTES } from '../http/request';
import { withDashboardLink, withIncidentLinks } from './incident-links';

const config = (extra = '') => compileConfig(parseConfigYaml(`${extra}route: { receiver: team }\nreceivers: [{ name: team }]\n`));

describe('the "Open in alertflow" link', () => {
  it("points a group notification at the dashboard's alerts filtered by its group labels, from external_url", () => {
    const n = withDashboardLink({ ...notification(), group: { ...notification().group, labels: { alertname: 'DiskFull', env: 'prod' } } }, { config: config('external_url: https://alertflow.example.com/\n') });
    expect(n.dashboardUrl).toBe(`https://alertflow.example.com/ui#/alerts?filter=${encodeURIComponent('alertname="DiskFull", env="prod"')}`);
  });

  it("points an incident's page at the incident, from the local runtime's URL when no external_url is set", () => {
    const base = notification();
    const n = withDashboardLink({ ...base, incident: { id: 'inc-1', token: 't', ackAllowed: true } }, { config: config(), publicUrl: () => 'http://127.0.0.1:3000' });
    expect(n.dashboardUrl).toBe('http://127.0.0.1:3000/ui#/incident/inc-1');
  });

  it('adds none without a URL for alertflow', () => {
    expect(withDashboardLink(notification(), { config: config() }).dashboardUrl).toBeUndefined();
  });
});

describe('the action links of an incident notification', () => {
  it('are signed for a receiver of any name: a name longer than a link carries is cut in its claims', async () => {
    const receiver = `team-${'ü'.repeat(300)}`;
    const n = await withIncidentLinks(
      { ...notification(), receiver, incident: { id: 'inc-1', token: 't', ackAllowed: true } },
      { config: config('external_url: https://alertflow.example.com\n'), secrets: { resolve: async () => 'key' }, clock: () => new Date('2026-12-06T10:00:00Z'), log: silentLogger },
    );
    const links = n.incident?.links;
    expect(Object.keys(links ?? {}).sort()).toEqual(['ack', 'escalate', 'resolve']);
    const link = links!.ack!.split('/v1/links/')[1]!;
    expect(Buffer.byteLength(link)).toBeLessThanOrEqual(MAX_LINK_PARAMETER_BYTES);
    const claims = verifyLink(['key'], link, new Date('2026-12-06T10:00:00Z'));
    expect(claims.r).toHaveLength(MAX_LINK_RECEIVER);
    expect(receiver.startsWith(claims.r.slice(0, -1)) && claims.r.endsWith('…')).toBe(true);
  });
});
