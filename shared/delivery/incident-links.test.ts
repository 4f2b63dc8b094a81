import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../config/loader';
import { compileConfig } from '../runtime/compiled-config';
import { notification } from '../channels/testing';
import { withDashboardLink } from './incident-links';

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
