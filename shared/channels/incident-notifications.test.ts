import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../queues/messages';
import { buildEmail } from './email/render';
import { actionOf, buildPagerDutyEvent } from './pagerduty/render';
import { portRenderOptions } from './port-channel';
import { buildSlackPayload } from './slack/render';
import { buildSmsBody } from './sms/render';
import { buildTeamsMessage } from './teams/render';
import { titleOf } from './text';
import { notification } from './testing';

/** Every channel shows an incident's signed links while its group fires, and none once it resolved. */
const LINKS = { ack: 'https://alerts.example.com/v1/links/ack.sig', resolve: 'https://alerts.example.com/v1/links/res.sig', escalate: 'https://alerts.example.com/v1/links/esc.sig' };

function incidentNotification(status: 'firing' | 'resolved' = 'firing', ackAllowed = true): NotificationMessage {
  const links = ackAllowed ? LINKS : { resolve: LINKS.resolve, escalate: LINKS.escalate };
  return { ...notification({ status }), incident: { id: 'inc-1', token: 't', state: 'triggered', ackAllowed, step: 2, steps: 3, run: 1, runs: 1, links } };
}

describe('incident links in notifications', () => {
  it('Slack: link buttons under the header, and the step in the footer', () => {
    const payload = buildSlackPayload(incidentNotification(), {});
    expect(payload.blocks[1]).toEqual({
      type: 'actions',
      block_id: 'alertflow_incident',
      elements: [
        { type: 'button', action_id: 'alertflow_ack', text: { type: 'plain_text', text: 'Acknowledge' }, url: LINKS.ack, value: 'ack.sig', style: 'primary' },
        { type: 'button', action_id: 'alertflow_resolve', text: { type: 'plain_text', text: 'Resolve' }, url: LINKS.resolve, value: 'res.sig' },
        { type: 'button', action_id: 'alertflow_escalate', text: { type: 'plain_text', text: 'Escalate now' }, url: LINKS.escalate, value: 'esc.sig' },
      ],
    });
    expect(JSON.stringify(payload.attachments)).toContain('Escalation step 2 of 3');
    expect(buildSlackPayload(incidentNotification('resolved'), {}).blocks).toHaveLength(1);
    expect(buildSlackPayload(notification(), {}).blocks).toHaveLength(1);
  });

  it('Teams: open-URL actions', () => {
    const card = buildTeamsMessage(incidentNotification(), {}).attachments[0]!.content;
    expect(card.actions?.slice(0, 3)).toEqual([
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: LINKS.ack },
      { type: 'Action.OpenUrl', title: 'Resolve', url: LINKS.resolve },
      { type: 'Action.OpenUrl', title: 'Escalate now', url: LINKS.escalate },
    ]);
    expect(JSON.stringify(buildTeamsMessage(incidentNotification('resolved'), {}))).not.toContain('/v1/links/');
  });

  it('PagerDuty: the ack and resolve links first', () => {
    expect(buildPagerDutyEvent(incidentNotification(), {}).links?.slice(0, 2)).toEqual([
      { href: LINKS.ack, text: 'Acknowledge in alertflow' },
      { href: LINKS.resolve, text: 'Resolve in alertflow' },
    ]);
  });

  it('email and SMS: the ack link (none under ack_allowed: false, nor once resolved)', () => {
    const email = buildEmail(incidentNotification(), { from: 'a@example.com', to: ['b@example.com'], cc: [], send_resolved: true }, portRenderOptions(incidentNotification()));
    expect(email.html).toContain(`href="${LINKS.ack}"`);
    expect(buildSmsBody(incidentNotification(), {}, portRenderOptions(incidentNotification()))).toContain(`Ack: ${LINKS.ack}`);
    // With a reply code: the reply first, then the link.
    const coded: NotificationMessage = { ...incidentNotification(), incident: { ...incidentNotification().incident!, code: '482193' } };
    expect(buildSmsBody(coded, {}, portRenderOptions(coded))).toMatch(new RegExp(`Reply ACK 482193 or ${LINKS.ack.replace(/[.]/g, '\\.')}$`));
    expect(portRenderOptions(incidentNotification('firing', false))).toEqual({});
    expect(buildSmsBody(incidentNotification('resolved'), {}, portRenderOptions(incidentNotification('resolved')))).not.toContain('Ack:');
  });

  it('a follow-up says what happened and who did it, in every channel; PagerDuty acknowledges or resolves under the same dedup_key', () => {
    const followUp = (kind: 'ack' | 'unack' | 'resolve'): NotificationMessage => ({
      ...notification(),
      incident: { id: 'inc-1', token: 't', state: kind === 'resolve' ? 'resolved' : kind === 'ack' ? 'acknowledged' : 'triggered', ackAllowed: true, event: { kind, by: 'alice', at: '2026-12-07T12:00:00.000Z' } },
    });
    expect(titleOf(followUp('ack'))).toMatch(/^\[ACKNOWLEDGED by alice at 12:00 UTC\] /);
    expect(titleOf(followUp('resolve'))).toMatch(/^\[RESOLVED by alice at 12:00 UTC\] /);
    expect(buildSlackPayload(followUp('ack'), {}).text).toMatch(/^\[ACKNOWLEDGED by alice at 12:00 UTC\]/);
    expect(buildSmsBody(followUp('unack'), {})).toMatch(/^\[UNACKNOWLEDGED by alice at 12:00 UTC\] /);
    expect([actionOf(followUp('ack')), actionOf(followUp('resolve')), actionOf(followUp('unack')), actionOf(notification())]).toEqual(['acknowledge', 'resolve', 'trigger', 'trigger']);
    const ack = buildPagerDutyEvent(followUp('ack'), {});
    // The incident's own key, not the group's, so PagerDuty's incident follows alertflow's (and its webhooks name it back).
    expect(ack).toEqual({ event_action: 'acknowledge', dedup_key: 'alertflow/inc-1' });
    expect(buildPagerDutyEvent(notification(), {}).dedup_key).toMatch(/^[0-9a-f]{64}$/);
  });
});
