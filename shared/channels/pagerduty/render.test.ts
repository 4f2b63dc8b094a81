import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Alert } from '../../alerts/model';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import { PagerDutyConfig } from './config';
import { buildPagerDutyEvent, dedupKeyOf, encodePagerDutyEvent, PAGERDUTY_LIMITS, renderPagerDuty, type PagerDutyEvent } from './render';

const config = PagerDutyConfig.parse({ routing_key: { env: 'PD_KEY' } });

/**
 * The Events API v2 request body as PagerDuty documents it ("Send an Alert Event"): strict, so a
 * misspelt or extra field fails here rather than being ignored (or refused) by PagerDuty.
 */
const EventsV2 = z
  .object({
    routing_key: z.string().length(32),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        timestamp: z.iso.datetime().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() }).strict()).optional(),
    links: z.array(z.object({ href: z.url(), text: z.string().optional() }).strict()).optional(),
    client: z.string().optional(),
    client_url: z.url().optional(),
  })
  .strict()
  .refine((e) => e.event_action !== 'trigger' || e.payload !== undefined, 'a trigger needs a payload');

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

function validEvent(event: PagerDutyEvent): z.infer<typeof EventsV2> {
  const body = encodePagerDutyEvent(event, ROUTING_KEY).body;
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(PAGERDUTY_LIMITS.eventBytes);
  return EventsV2.parse(JSON.parse(body));
}

const resolved = (a: Alert): Alert => ({ ...a, status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' });

describe('PagerDuty event for the fixture alert', () => {
  const event = buildPagerDutyEvent(notification(), config);

  it('is a trigger with the Alertmanager-style summary, severity, source, class and time', () => {
    expect(event).toMatchObject({
      event_action: 'trigger',
      payload: {
        summary: '[FIRING:1] HighErrorRate payment-gateway: Error rate 7.5% above 5%',
        source: 'vm:9093',
        severity: 'critical',
        timestamp: '2026-11-22T06:15:10.568Z',
        class: 'HighErrorRate',
      },
      // "View in Alertmanager": the sender's UI.
      client: 'Alertmanager',
      client_url: 'http://vm:9093/',
    });
    expect(event.payload).not.toHaveProperty('component');
    expect(event.payload).not.toHaveProperty('group');
  });

  it('links the runbook and the source', () => {
    expect(event.links).toEqual([
      { href: 'https://runbooks.example.com/high-error-rate', text: 'Runbook: HighErrorRate' },
      { href: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1', text: 'Source: HighErrorRate' },
    ]);
  });

  it('puts counts and every alert with labels and annotations in custom_details', () => {
    expect(event.payload!.custom_details).toEqual({
      firing: 1,
      resolved: 0,
      receiver: 'hook',
      group_labels: { alertname: 'HighErrorRate', service: 'payment-gateway' },
      alerts: [
        {
          status: 'firing',
          labels: FIXTURE_ALERT.labels,
          annotations: FIXTURE_ALERT.annotations,
          starts_at: FIXTURE_ALERT.startsAt,
          generator_url: FIXTURE_ALERT.generatorURL,
          fingerprint: FIXTURE_ALERT.fingerprint,
        },
      ],
    });
  });

  it('matches the Events API v2 schema once the sender adds the routing key, which render() leaves out', () => {
    expect(validEvent(event).routing_key).toBe(ROUTING_KEY);
    const rendered = renderPagerDuty(notification(), config);
    expect(JSON.parse(rendered.body)).toEqual(event);
    expect(rendered.body).not.toContain('routing_key');
    expect(rendered.headers['Content-Type']).toBe('application/json');
  });
});

describe('PagerDuty dedup_key', () => {
  const firing = notification();
  const resolvedN = notification({ alerts: [resolved(FIXTURE_ALERT)] });

  it("is Alertmanager's: hex SHA-256 of the group key, 64 characters", () => {
    const key = dedupKeyOf(firing);
    expect(key).toBe(createHash('sha256').update('{}:{alertname="HighErrorRate", service="payment-gateway"}').digest('hex'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
  });

  it('is the same for trigger, acknowledge and resolve of a group, whatever its alerts, receiver or notification id', () => {
    const other = { ...notification({ alerts: hugeAlerts(3, 10), receiver: 'elsewhere' }), id: 'ntf-9999' };
    const keys = [
      buildPagerDutyEvent(firing, config).dedup_key,
      buildPagerDutyEvent(firing, config, 'acknowledge').dedup_key,
      buildPagerDutyEvent(resolvedN, config).dedup_key,
      buildPagerDutyEvent(other, config).dedup_key,
    ];
    expect(new Set(keys).size).toBe(1);
  });

  it('differs between groups, and stays 64 characters for a huge group key', () => {
    const n = notification();
    n.group.key = `{}:{alertname="${'x'.repeat(5000)}"}`;
    expect(dedupKeyOf(n)).not.toBe(dedupKeyOf(firing));
    expect(dedupKeyOf(n)).toHaveLength(64);
  });
});

describe('PagerDuty event actions', () => {
  it('a resolved group sends resolve with only the dedup key', () => {
    const event = buildPagerDutyEvent(notification({ alerts: [resolved(FIXTURE_ALERT)] }), config);
    expect(event).toEqual({ event_action: 'resolve', dedup_key: dedupKeyOf(notification()) });
    expect(validEvent(event).event_action).toBe('resolve');
  });

  it('a group with one alert still firing re-triggers (PagerDuty dedups it into the open alert)', () => {
    const event = buildPagerDutyEvent(notification({ alerts: [FIXTURE_ALERT, resolved({ ...FIXTURE_ALERT, fingerprint: 'aaaaaaaaaaaaaaaa' })] }), config);
    expect(event.event_action).toBe('trigger');
    expect(event.payload!.custom_details).toMatchObject({ firing: 1, resolved: 1 });
    expect(event.payload!.custom_details.alerts[1]).toMatchObject({ status: 'resolved', ends_at: '2026-11-22T06:20:00.000Z' });
  });

  it('acknowledge can be rendered for any notification (for escalation)', () => {
    const event = buildPagerDutyEvent(notification(), config, 'acknowledge');
    expect(event).toEqual({ event_action: 'acknowledge', dedup_key: dedupKeyOf(notification()) });
    expect(validEvent(event).event_action).toBe('acknowledge');
  });
});

describe('PagerDuty severity', () => {
  const withSeverity = (severity: string | undefined, status: 'firing' | 'resolved' = 'firing', i = 0): Alert => {
    const labels: Record<string, string> = { alertname: 'X' };
    if (severity !== undefined) labels.severity = severity;
    const a: Alert = { ...FIXTURE_ALERT, fingerprint: i.toString(16).padStart(16, '0'), labels };
    return status === 'resolved' ? resolved(a) : a;
  };
  it.each([
    [['critical'], 'critical'],
    [['Page'], 'critical'],
    [['error'], 'error'],
    [['high'], 'error'],
    [['warning'], 'warning'],
    [['WARN'], 'warning'],
    [['info'], 'info'],
    [['low'], 'info'],
    [['none'], 'info'],
    [[undefined], 'error'],
    [['bogus'], 'error'],
    [['info', 'warning'], 'warning'],
    [['warning', 'critical', 'info'], 'critical'],
    // An unlabelled alert counts as error, so it is not paged at a lower level than it would be alone.
    [['info', undefined], 'error'],
    [['critical', undefined], 'critical'],
  ] as const)('firing severities %j → %s', (severities, expected) => {
    const n = notification({ alerts: severities.map((s, i) => withSeverity(s, 'firing', i)) });
    expect(buildPagerDutyEvent(n, config).payload!.severity).toBe(expected);
  });

  it('resolved alerts in a firing group do not count', () => {
    const n = notification({ alerts: [withSeverity('info', 'firing', 0), withSeverity('critical', 'resolved', 1)] });
    expect(buildPagerDutyEvent(n, config).payload!.severity).toBe('info');
  });
});

describe('PagerDuty limits', () => {
  it('cuts the summary to 1024 characters and keeps it on one line', () => {
    const n = notification({ alerts: [{ ...FIXTURE_ALERT, annotations: { summary: `line one\nline two ${'z'.repeat(3000)}` } }] });
    const { summary } = buildPagerDutyEvent(n, config).payload!;
    expect(summary).toHaveLength(PAGERDUTY_LIMITS.summary);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary).toMatch(/^\[FIRING:1\] HighErrorRate payment-gateway: line one line two z+…$/);
  });

  it('keeps whole annotations when the group fits (20 alerts with 10 KB annotations)', () => {
    const event = buildPagerDutyEvent(notification({ alerts: hugeAlerts(20, 10 * 1024) }), config);
    const details = validEvent(event).payload!.custom_details as { alerts: Array<{ annotations: Record<string, string> }>; note?: string };
    expect(details.note).toBeUndefined();
    expect(details.alerts).toHaveLength(20);
    expect(details.alerts[0]!.annotations.summary).toHaveLength(10 * 1024);
  });

  it('cuts annotations and leaves alerts out, with a note, to stay within 512 KB', () => {
    const event = buildPagerDutyEvent(notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 }), config);
    const body = encodePagerDutyEvent(event, ROUTING_KEY).body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(512_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(400_000);
    const details = validEvent(event).payload!.custom_details as {
      firing: number;
      resolved: number;
      truncated_alerts: number;
      note: string;
      alerts: Array<{ annotations: Record<string, string> }>;
    };
    expect(details).toMatchObject({ firing: 400, resolved: 100, truncated_alerts: 25 });
    const kept = details.alerts.length;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(500);
    expect(details.note).toBe(
      `Annotations were cut to 1024 characters and ${500 - kept} of 500 alerts left out to stay within PagerDuty's 512 KB event limit.`,
    );
    for (const a of details.alerts) for (const v of Object.values(a.annotations)) expect(v.length).toBeLessThanOrEqual(1024);
  });

  it('links only http(s) URLs, each once, at most 20', () => {
    const alerts = hugeAlerts(30, 10).map((a, i) => ({
      ...a,
      annotations: { ...a.annotations, runbook_url: i === 0 ? 'javascript:alert(1)' : 'https://runbooks.example.com/x' },
    }));
    const { links } = buildPagerDutyEvent(notification({ alerts }), config);
    expect(links).toHaveLength(20);
    expect(links!.filter((l) => l.href === 'https://runbooks.example.com/x')).toHaveLength(1);
    expect(JSON.stringify(links)).not.toContain('javascript:');
  });

  it('without an external URL, source is "alertflow" and there is no client_url', () => {
    const n = notification();
    delete n.externalURL;
    delete n.sourceURL;
    const event = buildPagerDutyEvent(n, config);
    expect(event.payload!.source).toBe('alertflow');
    expect(event.client).toBe('alertflow');
    expect(event).not.toHaveProperty('client_url');
    validEvent(event);
  });

  it("never links to alertflow's external_url (no page answers there): it only names the source", () => {
    const n = { ...notification(), externalURL: 'https://alertflow.example.com' };
    delete n.sourceURL;
    const event = buildPagerDutyEvent(n, config);
    expect(event.payload!.source).toBe('alertflow.example.com');
    expect(event).not.toHaveProperty('client_url');
    expect(JSON.stringify(event.links)).not.toContain('alertflow.example.com');
  });

  it('without group labels and with differing summaries, the summary names the common alertname only', () => {
    const n = notification({ alerts: hugeAlerts(2, 10) });
    n.group.labels = {};
    expect(buildPagerDutyEvent(n, config).payload!.summary).toBe('[FIRING:2] HighErrorRate');
  });
});
