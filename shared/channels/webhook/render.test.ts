import { describe, expect, it } from 'vitest';
import { WebhookConfig } from '../../config/schema';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import { alertflowBody, alertmanagerBody, GO_ZERO_TIME, renderWebhook } from './render';

/**
 * The `body` of shared/fixtures/alertmanager/firing-error-rate-critical.json (captured from
 * Alertmanager 0.25.0), copied here so this test does not depend on files outside the repo.
 */
const ALERTMANAGER_FIXTURE_BODY = {
  receiver: 'hook',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
      annotations: { runbook_url: 'https://runbooks.example.com/high-error-rate', summary: 'Error rate 7.5% above 5%' },
      startsAt: '2026-11-22T06:15:10.568Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1',
      fingerprint: '25464961f2df65e8',
    },
  ],
  groupLabels: { alertname: 'HighErrorRate', service: 'payment-gateway' },
  commonLabels: { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
  commonAnnotations: { runbook_url: 'https://runbooks.example.com/high-error-rate', summary: 'Error rate 7.5% above 5%' },
  externalURL: 'http://vm:9093',
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate", service="payment-gateway"}',
  truncatedAlerts: 0,
};

const base = (extra: Record<string, unknown> = {}) => WebhookConfig.parse({ url: 'https://example.com/hook', ...extra });

describe('format: alertmanager', () => {
  it('reproduces the body Alertmanager 0.25 sent for the fixture, key order included', () => {
    const rendered = renderWebhook(notification(), base({ format: 'alertmanager' }));
    expect(JSON.parse(rendered.body)).toEqual(ALERTMANAGER_FIXTURE_BODY);
    expect(rendered.body).toBe(JSON.stringify(ALERTMANAGER_FIXTURE_BODY));
  });

  it('computes status and common labels/annotations over the alerts sent', () => {
    const second = {
      ...FIXTURE_ALERT,
      fingerprint: '0000000000000002',
      status: 'resolved' as const,
      endsAt: '2026-11-22T06:20:00.000Z',
      labels: { ...FIXTURE_ALERT.labels, env: 'staging' },
      annotations: { summary: 'other' },
    };
    const body = alertmanagerBody(notification({ alerts: [FIXTURE_ALERT, second] }));
    expect(body.status).toBe('firing');
    expect(body.commonLabels).toEqual({ alertname: 'HighErrorRate', service: 'payment-gateway', severity: 'critical' });
    expect(body.commonAnnotations).toEqual({});
    expect(body.alerts.map((a) => a.endsAt)).toEqual([GO_ZERO_TIME, '2026-11-22T06:20:00.000Z']);

    const resolvedOnly = alertmanagerBody(notification({ alerts: [second] }));
    expect(resolvedOnly.status).toBe('resolved');
    expect(resolvedOnly.commonAnnotations).toEqual({ summary: 'other' });
  });

  it('honours max_alerts and counts what it cut plus what the router left out', () => {
    const n = notification({ alerts: hugeAlerts(10, 10), truncatedAlerts: 4 });
    const capped = alertmanagerBody(n, 3);
    expect(capped.alerts.map((a) => a.fingerprint)).toEqual(['0000000000000000', '0000000000000001', '0000000000000002']);
    expect(capped.truncatedAlerts).toBe(7 + 4);
    expect(alertmanagerBody(n, 0).alerts).toHaveLength(10);
    expect(alertmanagerBody(n, 0).truncatedAlerts).toBe(4);
    expect(alertmanagerBody(n, 50).alerts).toHaveLength(10);
  });

  it("passes on the sending Alertmanager's externalURL, and gives alertflow's own only for alerts that came without one", () => {
    const n = notification({});
    n.externalURL = 'https://alertflow.example.com';
    n.sourceURL = 'http://upstream-alertmanager:9093';
    expect(alertmanagerBody(n).externalURL).toBe('http://upstream-alertmanager:9093');
    delete n.sourceURL;
    expect(alertmanagerBody(n).externalURL).toBe('https://alertflow.example.com');
  });

  it('sends "" for a missing externalURL and generatorURL, as Alertmanager does', () => {
    const { generatorURL: _omit, ...noGenerator } = FIXTURE_ALERT;
    const n = notification({ alerts: [noGenerator] });
    delete n.externalURL;
    delete n.sourceURL;
    const body = alertmanagerBody(n);
    expect(body.externalURL).toBe('');
    expect(body.alerts[0]!.generatorURL).toBe('');
  });
});

describe('format: alertflow', () => {
  it('is the documented version 1 body', () => {
    const rendered = renderWebhook(notification(), base());
    expect(JSON.parse(rendered.body)).toEqual({
      version: '1',
      id: 'ntf-0001',
      receiver: 'hook',
      status: 'firing',
      group: {
        key: '{}:{alertname="HighErrorRate", service="payment-gateway"}',
        labels: { alertname: 'HighErrorRate', service: 'payment-gateway' },
      },
      alerts: [
        {
          fingerprint: '25464961f2df65e8',
          status: 'firing',
          labels: { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
          annotations: { runbook_url: 'https://runbooks.example.com/high-error-rate', summary: 'Error rate 7.5% above 5%' },
          starts_at: '2026-11-22T06:15:10.568Z',
          ends_at: null,
          generator_url: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1',
        },
      ],
      truncated_alerts: 0,
      external_url: 'http://vm:9093',
      incident: null,
    });
  });

  it("carries an escalation page's incident and step", () => {
    const incident = { id: 'inc-1', token: 'secret-ish', state: 'triggered' as const, ackAllowed: true, step: 2, steps: 3, run: 1, runs: 2, links: { ack: 'https://a/v1/links/x.y' } };
    expect(alertflowBody({ ...notification(), incident }).incident).toEqual({
      id: 'inc-1',
      state: 'triggered',
      step: 2,
      steps: 3,
      run: 1,
      runs: 2,
      links: { ack: 'https://a/v1/links/x.y', resolve: null, escalate: null },
      event: null,
    });
  });

  it('sorts label keys and uses null for absent optional values', () => {
    const n = notification({ truncatedAlerts: 2 });
    delete n.externalURL;
    const body = alertflowBody(n);
    expect(Object.keys(body.group.labels)).toEqual(['alertname', 'service']);
    expect(body.external_url).toBeNull();
    expect(body.truncated_alerts).toBe(2);
  });
});

describe('webhook headers', () => {
  it('sets content type and the idempotency key, and passes configured headers', () => {
    const { headers } = renderWebhook(notification(), base({ headers: { 'X-Team': 'platform', Authorization: 'Bearer t0k3n' } }));
    expect(headers).toEqual({
      'User-Agent': 'alertflow',
      'X-Team': 'platform',
      Authorization: 'Bearer t0k3n',
      'Content-Type': 'application/json; charset=utf-8',
      'Idempotency-Key': 'ntf-0001',
    });
  });

  it('does not let a configured header override a reserved one, in any case', () => {
    const { headers } = renderWebhook(
      notification(),
      base({ headers: { 'content-type': 'text/plain', 'IDEMPOTENCY-KEY': 'x', 'x-alertflow-signature': 'v1=forged', 'user-agent': 'custom' } }),
    );
    expect(headers).toEqual({
      'user-agent': 'custom',
      'Content-Type': 'application/json; charset=utf-8',
      'Idempotency-Key': 'ntf-0001',
    });
  });
});
