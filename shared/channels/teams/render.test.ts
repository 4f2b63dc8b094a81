import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Alert } from '../../alerts/model';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import { TeamsConfig } from './config';
import { buildTeamsMessage, escapeTeamsMarkdown, fitBytes, renderTeams, STATE_ICONS, TEAMS_LIMITS, type CardElement, type TeamsMessage } from './render';

const config = TeamsConfig.parse({ webhook_url: { env: 'TEAMS_URL' } });

/**
 * The parts of the Adaptive Card schema (1.4) this card uses, strict: a misspelt property or an
 * element Teams does not know fails here. Colours are the named ones TextBlock accepts.
 */
const HttpUrl = z.url({ protocol: /^https?$/ });
const OpenUrl = z.object({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: HttpUrl }).strict();
const Element: z.ZodType<CardElement> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z
      .object({
        type: z.literal('TextBlock'),
        text: z.string().min(1),
        wrap: z.literal(true),
        weight: z.enum(['Bolder']).optional(),
        size: z.enum(['Small', 'Medium', 'Large']).optional(),
        color: z.enum(['default', 'accent', 'good', 'warning', 'attention']).optional(),
        isSubtle: z.boolean().optional(),
        spacing: z.enum(['None', 'Small', 'Medium']).optional(),
      })
      .strict(),
    z.object({ type: z.literal('FactSet'), facts: z.array(z.object({ title: z.string(), value: z.string() }).strict()).min(1) }).strict(),
    z.object({ type: z.literal('ActionSet'), actions: z.array(OpenUrl).min(1) }).strict(),
    z.object({ type: z.literal('Container'), items: z.array(Element).min(1), separator: z.boolean().optional(), spacing: z.literal('Medium').optional() }).strict(),
  ]),
);
const Message = z
  .object({
    type: z.literal('message'),
    attachments: z
      .array(
        z
          .object({
            contentType: z.literal('application/vnd.microsoft.card.adaptive'),
            contentUrl: z.null(),
            content: z
              .object({
                $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
                type: z.literal('AdaptiveCard'),
                version: z.enum(['1.4', '1.5']),
                msteams: z.object({ width: z.literal('Full') }).strict(),
                body: z.array(Element).min(1),
                actions: z.array(OpenUrl).optional(),
              })
              .strict(),
          })
          .strict(),
      )
      .length(1),
  })
  .strict();

function valid(message: TeamsMessage): TeamsMessage {
  Message.parse(message);
  return message;
}

function texts(elements: CardElement[]): string[] {
  return elements.flatMap((e) => {
    if (e.type === 'TextBlock') return [e.text];
    if (e.type === 'Container') return texts(e.items);
    if (e.type === 'FactSet') return e.facts.flatMap((f) => [f.title, f.value]);
    return [];
  });
}

const cardOf = (m: TeamsMessage) => m.attachments[0]!.content;
const resolved = (a: Alert): Alert => ({ ...a, status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' });

describe('Teams card for the fixture alert', () => {
  const message = valid(buildTeamsMessage(notification(), config));
  const card = cardOf(message);

  it('is a message with one Adaptive Card 1.4 attachment, full width', () => {
    expect(message.type).toBe('message');
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' } });
  });

  it('opens with a heading coloured by the worst severity, and a counts line', () => {
    expect(card.body[0]).toEqual({
      type: 'TextBlock',
      text: '🔴 [FIRING:1] HighErrorRate payment-gateway',
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: 'attention',
    });
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: '1 firing, 0 resolved · Receiver: hook', isSubtle: true });
  });

  it('shows the alert as a container: heading with localised time, summary, labels, link buttons', () => {
    expect(card.body[2]).toEqual({
      type: 'Container',
      separator: true,
      spacing: 'Medium',
      items: [
        {
          type: 'TextBlock',
          text: '🔴 HighErrorRate · CRITICAL · firing since {{DATE(2026-11-22T06:15:10Z, SHORT)}} {{TIME(2026-11-22T06:15:10Z)}}',
          wrap: true,
          weight: 'Bolder',
          color: 'attention',
        },
        { type: 'TextBlock', text: 'Error rate 7.5% above 5%', wrap: true, spacing: 'Small' },
        {
          type: 'FactSet',
          facts: [
            { title: 'env', value: 'prod' },
            { title: 'service', value: 'payment-gateway' },
          ],
        },
        {
          type: 'ActionSet',
          actions: [
            { type: 'Action.OpenUrl', title: 'Runbook', url: 'https://runbooks.example.com/high-error-rate' },
            { type: 'Action.OpenUrl', title: 'Source', url: 'http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&g0.tab=1' },
          ],
        },
      ],
    });
    expect(card.body).toHaveLength(3);
  });

  it('links to the Alertmanager that sent the alert from the card actions', () => {
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open in Alertmanager', url: 'http://vm:9093/' }]);
  });

  it("never links to alertflow's external_url, where no page answers", () => {
    const n = { ...notification(), externalURL: 'https://alertflow.example.com' };
    delete n.sourceURL;
    const m = buildTeamsMessage(n, config);
    expect(cardOf(m).actions).toBeUndefined();
    expect(JSON.stringify(m)).not.toContain('alertflow.example.com');
  });

  it('renderTeams returns that message as JSON', () => {
    const rendered = renderTeams(notification(), config);
    expect(JSON.parse(rendered.body)).toEqual(message);
    expect(rendered.headers['Content-Type']).toBe('application/json; charset=utf-8');
  });
});

describe('Teams colours', () => {
  const withSeverity = (severity: string | undefined, i = 0): Alert => {
    const labels: Record<string, string> = { alertname: 'X' };
    if (severity !== undefined) labels.severity = severity;
    return { ...FIXTURE_ALERT, fingerprint: i.toString(16).padStart(16, '0'), labels };
  };
  it.each([
    [['critical'], 'attention', '🔴', ['🔴']],
    [['page'], 'attention', '🔴', ['🔴']],
    [['error'], 'attention', '🟠', ['🟠']],
    [['warning', 'info'], 'warning', '🟡', ['🟡', '🔵']],
    [['info'], 'accent', '🔵', ['🔵']],
    [[undefined], 'default', '⚪', ['⚪']],
    [['bogus', 'info'], 'accent', '🔵', ['⚪', '🔵']],
  ] as const)('firing severities %j colour the heading %s, icon %s; each alert its own', (severities, color, icon, alertIcons) => {
    const card = cardOf(buildTeamsMessage(notification({ alerts: severities.map((s, i) => withSeverity(s, i)) }), config));
    expect(card.body[0]).toMatchObject({ color, text: `${icon} [FIRING:${severities.length}] HighErrorRate payment-gateway` });
    const containers = card.body.filter((e) => e.type === 'Container');
    const iconOf = (c: CardElement) => {
      const first = c.type === 'Container' ? c.items[0] : undefined;
      return first?.type === 'TextBlock' ? Array.from(first.text)[0] : undefined;
    };
    expect(containers.map(iconOf)).toEqual(alertIcons);
  });

  it('every state has its own icon', () => {
    expect(new Set(Object.values(STATE_ICONS)).size).toBe(6);
  });

  it('a resolved group is good (green) and says when each alert resolved', () => {
    const card = cardOf(valid(buildTeamsMessage(notification({ alerts: [resolved(FIXTURE_ALERT)] }), config)));
    expect(card.body[0]).toMatchObject({ text: '🟢 [RESOLVED] HighErrorRate payment-gateway', color: 'good' });
    expect(card.body[1]).toMatchObject({ text: '0 firing, 1 resolved · Receiver: hook' });
    const container = card.body[2]!;
    expect(container.type === 'Container' && container.items[0]).toMatchObject({
      text: '🟢 HighErrorRate · CRITICAL · resolved at {{DATE(2026-11-22T06:20:00Z, SHORT)}} {{TIME(2026-11-22T06:20:00Z)}}',
      color: 'good',
    });
  });
});

describe('Teams Markdown escaping', () => {
  const hostile: Alert = {
    ...FIXTURE_ALERT,
    labels: { alertname: 'Disk **full** _now_', team: '[ops](https://evil.example)', note: '- item', step: '1. first' },
    annotations: {
      summary: 'at {{DATE(2017-02-14T06:08:39Z, SHORT)}} <b>&amp;</b> `code` ~~gone~~ 5 > 4',
      description: 'line one\n- not a list\n> not a quote\n2) not numbered\n# not a heading\n10.5% fine',
      runbook_url: 'javascript:alert(1)',
      dashboard_url: 'https://grafana.example.com/d/x?a=1&b=<2>',
    },
  };
  const card = cardOf(valid(buildTeamsMessage(notification({ alerts: [hostile] }), config)));
  const all = texts(card.body).join('\n');

  it('escapes emphasis, links, code, HTML and strike-through in alert text, and only that', () => {
    expect(all).toContain('Disk \\*\\*full\\*\\* \\_now\\_ · firing since');
    expect(all).toContain('\\[ops\\](https://evil.example)');
    expect(all).toContain('\\<b>&amp;\\</b> \\`code\\` \\~\\~gone\\~\\~ 5 > 4');
    expect(all).not.toMatch(/(?<!\\)\*\*full/);
  });

  it('neutralises the card DATE()/TIME() functions in alert text but keeps its own', () => {
    expect(all).toContain('at {\u200B{DATE(2017-02-14T06:08:39Z, SHORT)}}');
    expect(all).toContain('{{DATE(2026-11-22T06:15:10Z, SHORT)}}');
  });

  it('escapes list and quote markers at line starts and keeps line breaks as paragraphs', () => {
    expect(all).toContain('line one\n\n\\- not a list\n\n\\> not a quote\n\n2\\) not numbered\n\n\\# not a heading\n\n10.5% fine');
    expect(all).toContain('\\- item');
    expect(all).toContain('1\\. first');
  });

  it('turns only http(s) URLs into buttons', () => {
    expect(JSON.stringify(card)).not.toContain('javascript:');
    expect(JSON.stringify(card)).toContain('"url":"https://grafana.example.com/d/x?a=1&b=%3C2%3E"');
  });

  it('escapeTeamsMarkdown', () => {
    expect(escapeTeamsMarkdown('a*b_c')).toBe('a\\*b\\_c');
    expect(escapeTeamsMarkdown('C:\\path')).toBe('C:\\\\path');
    expect(escapeTeamsMarkdown('  - x\n+ y\n10. z\na - b\n-5%\n>q')).toBe('  \\- x\n\\+ y\n10\\. z\na - b\n-5%\n\\>q');
    expect(escapeTeamsMarkdown('plain text, 5% (ok) & a > b')).toBe('plain text, 5% (ok) & a > b');
  });
});

describe('Teams limits', () => {
  it('keeps one alert with huge annotations within the message size', () => {
    const [alert] = hugeAlerts(1, 50_000);
    const m = valid(buildTeamsMessage(notification({ alerts: [alert!] }), config));
    const body = JSON.stringify(m);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    expect(body).toContain('"title":"Dashboard"');
  });

  it('shows at most 10 alerts, then "and N more", and counts alerts the router left out', () => {
    const m = valid(buildTeamsMessage(notification({ alerts: hugeAlerts(12, 100), truncatedAlerts: 1 }), config));
    const body = cardOf(m).body;
    expect(body.filter((e) => e.type === 'Container')).toHaveLength(10);
    expect(texts(body.slice(-2))).toEqual([
      '…and 2 more alerts not shown (2 firing, 0 resolved)',
      '1 more alert left out of this notification to keep it within size limits',
    ]);
  });

  it('cuts many labels to 12 facts plus a count', () => {
    const labels: Record<string, string> = { alertname: 'X' };
    for (let i = 0; i < 20; i++) labels[`l${String(i).padStart(2, '0')}`] = `v${i}`;
    const card = cardOf(valid(buildTeamsMessage(notification({ alerts: [{ ...FIXTURE_ALERT, labels }] }), config)));
    const container = card.body[2]!;
    const facts = container.type === 'Container' ? container.items.find((e) => e.type === 'FactSet') : undefined;
    expect(facts?.type === 'FactSet' && facts.facts).toHaveLength(13);
    expect(facts?.type === 'FactSet' && facts.facts.at(-1)).toEqual({ title: '…', value: '8 more labels' });
  });

  it('fitBytes cuts by UTF-8 bytes of the JSON, never through a character or after a lone backslash', () => {
    expect(fitBytes('short', 100)).toBe('short');
    const cut = fitBytes('é'.repeat(100), 52);
    expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(52);
    expect(cut).toMatch(/^é+…$/);
    expect(fitBytes('ab\\*cdef', 9)).toBe('ab…');
    expect(fitBytes('😀😀😀', 12)).toBe('😀…');
  });
});
