import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/model';
import { SlackConfig } from '../../config/schema';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import {
  buildSlackPayload,
  escapeMrkdwn,
  fitEscaped,
  mrkdwnLink,
  renderSlack,
  SEVERITY_COLORS,
  SEVERITY_EMOJI,
  SLACK_LIMITS,
  type SlackBlock,
} from './render';

const config = SlackConfig.parse({ webhook_url: { env: 'SLACK_URL' } });

function sectionTexts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : []));
}

describe('Slack rendering of the fixture alert', () => {
  const payload = buildSlackPayload(notification(), config);
  const attachment = payload.attachments[0]!;
  const [section] = sectionTexts(attachment.blocks);

  it('has an Alertmanager-style fallback text and a header', () => {
    expect(payload.text).toBe('[FIRING:1] HighErrorRate payment-gateway');
    expect(payload.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: ':red_circle: [FIRING:1] HighErrorRate payment-gateway', emoji: true } },
    ]);
    expect(attachment.fallback).toBe(payload.text);
  });

  it('colours the attachment red for a critical alert', () => {
    expect(attachment.color).toBe(SEVERITY_COLORS.critical);
  });

  it('shows name, severity, start time, summary, labels and links in one section', () => {
    expect(section).toBeDefined();
    const lines = section!.split('\n');
    expect(lines[0]).toBe(
      ':red_circle: *HighErrorRate* · critical · firing since <!date^1795328110^{date_short_pretty} {time}|2026-11-22T06:15:10.568Z>',
    );
    expect(lines[1]).toBe('*Summary:* Error rate 7.5% above 5%');
    expect(lines[2]).toBe('*Labels:* `env=prod` `service=payment-gateway` `severity=critical`');
    expect(lines[3]).toBe(
      '<https://runbooks.example.com/high-error-rate|:book: Runbook> · <http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&amp;g0.tab=1|:mag: Source>',
    );
  });

  it('ends with a context naming the receiver and linking to the Alertmanager that sent the alert', () => {
    expect(attachment.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'Receiver: *hook*' },
        { type: 'mrkdwn', text: '<http://vm:9093/|Open in Alertmanager>' },
      ],
    });
  });

  it("links to the group's page on alertflow's dashboard, first, when the sender set one", () => {
    const n = { ...notification(), dashboardUrl: 'https://alertflow.example.com/ui#/alerts?filter=x' };
    const last = buildSlackPayload(n, config).attachments![0]!.blocks.at(-1) as { elements: Array<{ text: string }> };
    expect(last.elements.map((e) => e.text)).toEqual(['Receiver: *hook*', '<https://alertflow.example.com/ui#/alerts?filter=x|Open in alertflow>', '<http://vm:9093/|Open in Alertmanager>']);
  });

  it("never links to alertflow's external_url by itself (only to a dashboard page the sender set)", () => {
    const n = { ...notification(), externalURL: 'https://alertflow.example.com' };
    delete n.sourceURL;
    const body = JSON.stringify(buildSlackPayload(n, config));
    expect(body).not.toContain('alertflow.example.com');
    expect(body).not.toContain('Open in alertflow');
  });

  it('passes channel, username and icon_emoji through only when set', () => {
    expect(payload).not.toHaveProperty('channel');
    expect(payload).not.toHaveProperty('username');
    const custom = buildSlackPayload(notification(), { channel: '#oncall', username: 'alertflow', icon_emoji: ':bell:' });
    expect(custom).toMatchObject({ channel: '#oncall', username: 'alertflow', icon_emoji: ':bell:' });
  });

  it('renderSlack returns that payload as JSON', () => {
    const rendered = renderSlack(notification(), config);
    expect(JSON.parse(rendered.body)).toEqual(payload);
    expect(rendered.headers['Content-Type']).toBe('application/json; charset=utf-8');
  });
});

describe('Slack mrkdwn escaping', () => {
  const hostile: Alert = {
    ...FIXTURE_ALERT,
    labels: { ...FIXTURE_ALERT.labels, alertname: 'Disk <!channel> & co', team: 'a`b<c>' },
    annotations: {
      summary: '<!here> click <https://evil.example|here> & win',
      description: 'a > b && c < d',
      runbook_url: 'javascript:alert(1)',
      dashboard_url: 'https://grafana.example.com/d/x?a=1&b=<2>|3',
    },
  };
  const payload = buildSlackPayload(notification({ alerts: [hostile] }), config);
  const text = sectionTexts(payload.attachments[0]!.blocks)[0]!;

  it('escapes &, < and > in alert-provided text', () => {
    expect(text).toContain('*Disk &lt;!channel&gt; &amp; co*');
    expect(text).toContain('*Summary:* &lt;!here&gt; click &lt;https://evil.example|here&gt; &amp; win');
    expect(text).toContain('*Description:* a &gt; b &amp;&amp; c &lt; d');
    expect(text).toContain("`team=a'b&lt;c&gt;`");
    expect(text).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
  });

  it('links only http(s) URLs and keeps them from breaking out of the link syntax', () => {
    expect(text).not.toContain('javascript:');
    expect(text).toContain('<https://grafana.example.com/d/x?a=1&amp;b=%3C2%3E%7C3|:bar_chart: Dashboard>');
  });

  it('escapes the fallback text but not the plain_text header', () => {
    const n = notification({ alerts: [{ ...FIXTURE_ALERT, labels: { alertname: 'A&B' } }] });
    n.group.labels = { alertname: 'A&B' };
    const p = buildSlackPayload(n, config);
    expect(p.text).toBe('[FIRING:1] A&amp;B');
    expect(p.blocks[0]).toMatchObject({ type: 'header', text: { text: ':white_circle: [FIRING:1] A&B' } });
  });

  it('escapeMrkdwn, fitEscaped and mrkdwnLink', () => {
    expect(escapeMrkdwn('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    // Cutting never leaves half an entity behind.
    expect(fitEscaped('&&&&', 8)).toBe('&amp;…');
    expect(fitEscaped('short', 10)).toBe('short');
    expect(fitEscaped('😀😀😀', 4)).toBe('😀…');
    expect(mrkdwnLink('not a url', 'x')).toBeUndefined();
    expect(mrkdwnLink('ftp://example.com/file', 'x')).toBeUndefined();
    expect(mrkdwnLink(`https://example.com/${'a'.repeat(2000)}`, 'x')).toBeUndefined();
    expect(mrkdwnLink('https://example.com/a b', 'R&D')).toBe('<https://example.com/a%20b|R&amp;D>');
  });
});

describe('Slack status and colour', () => {
  const withSeverity = (severity: string | undefined, status: 'firing' | 'resolved' = 'firing'): Alert => {
    const labels: Record<string, string> = { alertname: 'X' };
    if (severity !== undefined) labels.severity = severity;
    return { ...FIXTURE_ALERT, status, labels, ...(status === 'resolved' ? { endsAt: '2026-11-22T06:20:00Z' } : {}) };
  };
  it.each([
    [['critical'], SEVERITY_COLORS.critical],
    [['warning', 'error'], SEVERITY_COLORS.error],
    [['info', 'warning'], SEVERITY_COLORS.warning],
    [['info'], SEVERITY_COLORS.info],
    [['Page'], SEVERITY_COLORS.critical],
    [[undefined], SEVERITY_COLORS.unknown],
    [['bogus'], SEVERITY_COLORS.unknown],
  ] as const)('firing severities %j are coloured %s', (severities, color) => {
    const p = buildSlackPayload(notification({ alerts: severities.map((s) => withSeverity(s)) }), config);
    expect(p.attachments[0]!.color).toBe(color);
  });

  it('a resolved group is green, says RESOLVED and shows when each alert resolved', () => {
    const p = buildSlackPayload(notification({ alerts: [withSeverity('critical', 'resolved')] }), config);
    expect(p.attachments[0]!.color).toBe(SEVERITY_COLORS.resolved);
    expect(p.text).toBe('[RESOLVED] HighErrorRate payment-gateway');
    expect(p.blocks[0]).toMatchObject({ text: { text: ':large_green_circle: [RESOLVED] HighErrorRate payment-gateway' } });
    expect(sectionTexts(p.attachments[0]!.blocks)[0]).toMatch(/^:large_green_circle: \*X\* · critical · resolved at <!date\^1795328400\^/);
  });

  it('a resolved alert in a firing group does not set the colour', () => {
    const p = buildSlackPayload(notification({ alerts: [withSeverity('info'), withSeverity('critical', 'resolved')] }), config);
    expect(p.attachments[0]!.color).toBe(SEVERITY_COLORS.info);
    expect(p.text).toBe('[FIRING:1] HighErrorRate payment-gateway');
  });

  it('without group labels the title names the common alertname', () => {
    const n = notification();
    n.group.labels = {};
    expect(buildSlackPayload(n, config).text).toBe('[FIRING:1] HighErrorRate');
  });
});

describe('Slack limits', () => {
  it('keeps a long group-label header within 150 characters', () => {
    const n = notification();
    n.group.labels = { alertname: 'A'.repeat(400) };
    const header = buildSlackPayload(n, config).blocks[0]!;
    expect(header.type === 'header' && header.text.text.length).toBe(SLACK_LIMITS.headerText);
    expect(header.type === 'header' && header.text.text.endsWith('…')).toBe(true);
  });

  it('one alert with huge annotations gets one section of at most 3000 characters, links intact', () => {
    const [alert] = hugeAlerts(1, 50_000);
    const p = buildSlackPayload(notification({ alerts: [alert!] }), config);
    const [text] = sectionTexts(p.attachments[0]!.blocks);
    expect(text!.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text!.length).toBeGreaterThan(2500);
    expect(text).toContain('|:book: Runbook>');
    expect(text).toContain('|:bar_chart: Dashboard>');
  });

  it('shows at most 20 alerts and counts the rest, and mentions truncatedAlerts', () => {
    const p = buildSlackPayload(notification({ alerts: hugeAlerts(25, 100), truncatedAlerts: 7 }), config);
    const blocks = p.attachments[0]!.blocks;
    expect(sectionTexts(blocks)).toHaveLength(20);
    const more = blocks.at(-2)!;
    expect(more).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '_…and 5 more alerts not shown (4 firing, 1 resolved)_' },
        { type: 'mrkdwn', text: '_7 more alerts left out of this notification to keep it within size limits_' },
      ],
    });
  });

  it('says "1 more alert" in the singular', () => {
    const p = buildSlackPayload(notification({ truncatedAlerts: 1 }), config);
    expect(JSON.stringify(p)).toContain('_1 more alert left out');
  });
});

describe('Slack severity icons and colours', () => {
  const withSeverity = (severity: string | undefined, status: 'firing' | 'resolved' = 'firing'): Alert => {
    const labels: Record<string, string> = { ...FIXTURE_ALERT.labels };
    if (severity === undefined) delete labels.severity;
    else labels.severity = severity;
    return { ...FIXTURE_ALERT, labels, status, ...(status === 'resolved' ? { endsAt: '2026-11-22T06:20:00Z' } : {}) };
  };

  it.each([
    ['critical', ':red_circle:', SEVERITY_COLORS.critical],
    ['page', ':red_circle:', SEVERITY_COLORS.critical],
    ['error', ':large_orange_circle:', SEVERITY_COLORS.error],
    ['warning', ':large_yellow_circle:', SEVERITY_COLORS.warning],
    ['warn', ':large_yellow_circle:', SEVERITY_COLORS.warning],
    ['info', ':large_blue_circle:', SEVERITY_COLORS.info],
    ['whatever', ':white_circle:', SEVERITY_COLORS.unknown],
    [undefined, ':white_circle:', SEVERITY_COLORS.unknown],
  ] as const)('a firing %s alert: %s, %s', (severity, emoji, color) => {
    const p = buildSlackPayload(notification({ alerts: [withSeverity(severity)] }), config);
    expect(p.blocks[0]).toMatchObject({ text: { text: `${emoji} [FIRING:1] HighErrorRate payment-gateway` } });
    expect(sectionTexts(p.attachments[0]!.blocks)[0]!.startsWith(`${emoji} *HighErrorRate*`)).toBe(true);
    expect(p.attachments[0]!.color).toBe(color);
  });

  it('every state has its own icon and colour', () => {
    const states = ['critical', 'error', 'warning', 'info', 'resolved', 'unknown'] as const;
    expect(new Set(states.map((s) => SEVERITY_EMOJI[s])).size).toBe(states.length);
    expect(new Set(states.map((s) => SEVERITY_COLORS[s])).size).toBe(states.length);
  });

  it('a group shows its worst firing severity; each alert its own', () => {
    const p = buildSlackPayload(notification({ alerts: [withSeverity('warning'), { ...withSeverity('info'), fingerprint: '00000000000000aa' }] }), config);
    expect(p.blocks[0]).toMatchObject({ text: { text: expect.stringMatching(/^:large_yellow_circle: /) } });
    const [first, second] = sectionTexts(p.attachments[0]!.blocks);
    expect(first).toMatch(/^:large_yellow_circle: /);
    expect(second).toMatch(/^:large_blue_circle: /);
  });
});

describe('Slack links lead to the alert\'s own sources', () => {
  it('Grafana panel, dashboard and silence URLs, and the Grafana instance for the group', () => {
    const grafana: Alert = {
      ...FIXTURE_ALERT,
      source: 'grafana',
      annotations: {
        summary: 'CPU high',
        dashboard_url: 'https://grafana.example.com/d/abc',
        panel_url: 'https://grafana.example.com/d/abc?viewPanel=2',
        silence_url: 'https://grafana.example.com/alerting/silence/new?matcher=alertname%3DCPU',
      },
      generatorURL: 'https://grafana.example.com/alerting/grafana/rule1/view',
    };
    const n = { ...notification({ alerts: [grafana] }), sourceURL: 'https://grafana.example.com/' };
    const p = buildSlackPayload(n, config);
    const section = sectionTexts(p.attachments[0]!.blocks)[0]!;
    expect(section.split('\n').at(-1)).toBe(
      '<https://grafana.example.com/d/abc|:bar_chart: Dashboard> · <https://grafana.example.com/d/abc?viewPanel=2|:chart_with_upwards_trend: Panel> · ' +
        '<https://grafana.example.com/alerting/grafana/rule1/view|:mag: Source> · <https://grafana.example.com/alerting/silence/new?matcher=alertname%3DCPU|:no_bell: Silence>',
    );
    expect(JSON.stringify(p.attachments[0]!.blocks.at(-1))).toContain('<https://grafana.example.com/|Open in Grafana>');
  });

  it('a CloudWatch alarm links to its console page, built from region and name when not stored', () => {
    const alarm: Alert = {
      fingerprint: '00000000000000cc',
      status: 'firing',
      labels: { alertname: 'api-5xx', source: 'cloudwatch', region: 'eu-west-1', account: '123456789012', alarm_type: 'metric' },
      annotations: { summary: 'API 5xx' },
      startsAt: '2026-11-22T06:15:10.568Z',
      source: 'cloudwatch',
    };
    const n = notification({ alerts: [alarm] });
    delete n.sourceURL;
    const p = buildSlackPayload(n, config);
    expect(sectionTexts(p.attachments[0]!.blocks)[0]).toContain(
      '<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api-5xx|:cloud: CloudWatch>',
    );
  });
});
