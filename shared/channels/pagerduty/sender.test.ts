import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/model';
import { httpSenderContract } from '../../../test/support/sender-contract';
import { context, fakeHttp, FIXTURE_ALERT, notification } from '../testing';
import { PagerDutyConfig } from './config';
import { dedupKeyOf, PAGERDUTY_LIMITS, type PagerDutyEvent } from './render';
import { pagerdutySender, sendPagerDutyEvent } from './sender';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const resolved: Alert = { ...FIXTURE_ALERT, status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' };

describe('PagerDuty sender', () => {
  it('posts the event with the resolved routing key first, to events_url, with the configured timeout', async () => {
    const http = fakeHttp(() => ({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' }));
    const config = PagerDutyConfig.parse({ routing_key: { env: 'PD_KEY' }, events_url: 'http://localhost:8080/v2/enqueue', timeout: '3s' });
    const out = await pagerdutySender.send(context(http, { PD_KEY: ROUTING_KEY }), notification(), config);
    expect(out).toEqual({ kind: 'success', status: 202, target: 'pagerduty:localhost:8080' });
    const { url, req } = http.calls[0]!;
    expect(url).toBe('http://localhost:8080/v2/enqueue');
    expect(req.timeoutMs).toBe(3000);
    expect(req.body.startsWith(`{"routing_key":"${ROUTING_KEY}","event_action":"trigger"`)).toBe(true);
  });

  it('a trigger and the later resolve of the group carry the same dedup_key', async () => {
    const http = fakeHttp(() => ({ status: 202 }));
    const config = PagerDutyConfig.parse({ routing_key: ROUTING_KEY });
    const ctx = context(http, {});
    await pagerdutySender.send(ctx, notification(), config);
    await pagerdutySender.send(ctx, notification({ alerts: [resolved] }), config);
    const [trigger, resolve] = http.calls.map((c) => JSON.parse(c.req.body) as Record<string, unknown>);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: dedupKeyOf(notification()) });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: dedupKeyOf(notification()) });
  });

  it('sendPagerDutyEvent sends an acknowledge for the group', async () => {
    const http = fakeHttp(() => ({ status: 202 }));
    const out = await sendPagerDutyEvent(context(http, {}), notification(), PagerDutyConfig.parse({ routing_key: ROUTING_KEY }), 'acknowledge');
    expect(out.kind).toBe('success');
    expect(JSON.parse(http.calls[0]!.req.body)).toEqual({ routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: dedupKeyOf(notification()) });
  });

  it("a 400 is permanent and keeps PagerDuty's message, never the routing key", async () => {
    const body = JSON.stringify({ status: 'invalid event', message: `Event object is invalid for ${ROUTING_KEY}`, errors: ['Length of routing_key is incorrect'] });
    const out = await pagerdutySender.send(context(fakeHttp(() => ({ status: 400, body })), {}), notification(), PagerDutyConfig.parse({ routing_key: ROUTING_KEY }));
    expect(out).toMatchObject({ kind: 'permanent', status: 400, reason: 'HTTP 400: Event object is invalid for [redacted]' });
  });

  it('refuses a non-http(s) events_url at config load', () => {
    const r = PagerDutyConfig.safeParse({ routing_key: ROUTING_KEY, events_url: 'ftp://events.example.com/v2/enqueue' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['events_url'], message: 'an http(s) URL' });
  });
});

const PD_ROUTING_KEY = 'R0UT1NGKEYsecret0123456789abcdef';

httpSenderContract({
  type: 'pagerduty',
  sender: pagerdutySender,
  entry: { routing_key: { env: 'PD_KEY' } },
  secrets: { PD_KEY: PD_ROUTING_KEY },
  secretValues: [PD_ROUTING_KEY],
  credentials: [PD_ROUTING_KEY],
  target: 'pagerduty:events.pagerduty.com',
  url: 'https://events.pagerduty.com/v2/enqueue',
  checkHuge(rendered) {
    // render() leaves the routing key out; the sender's 32 characters must still fit.
    expect(Buffer.byteLength(rendered.body) + 64).toBeLessThanOrEqual(PAGERDUTY_LIMITS.eventBytes);
    const event = JSON.parse(rendered.body) as PagerDutyEvent;
    expect(event.event_action).toBe('trigger');
    expect(event.dedup_key.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
    expect(event.payload!.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(event.payload!.custom_details).toMatchObject({ firing: 400, resolved: 100, truncated_alerts: 25 });
    expect(event.payload!.custom_details.note).toMatch(/alerts left out to stay within PagerDuty's 512 KB event limit/);
  },
});
