import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/validate';
import { ConfigError } from '../../errors';
import { FIXTURE_ALERT, notification } from '../testing';
import { TeamsConfig } from './config';
import { buildTeamsMessage, TEAMS_LIMITS, type CardElement } from './render';

const base = { webhook_url: { env: 'TEAMS_URL' } };
const bodyOf = (config: TeamsConfig, n = notification()): CardElement[] => buildTeamsMessage(n, config).attachments[0]!.content.body;

describe('Teams templates', () => {
  it('a title template replaces the heading, escaped and on one line', () => {
    const config = TeamsConfig.parse({ ...base, title: '{{ .Status | toUpper }}: *{{ .CommonLabels.service }}*\n' });
    expect(bodyOf(config)[0]).toMatchObject({ type: 'TextBlock', text: '🔴 FIRING: \\*payment-gateway\\*', color: 'attention' });
  });

  it("a text template replaces the alert sections; its own Markdown stays, the values it interpolates are escaped", () => {
    const hostile = { ...FIXTURE_ALERT, annotations: { summary: '*boom* [x](https://evil.example)' } };
    const config = TeamsConfig.parse({
      ...base,
      text: '**{{ .CommonLabels.alertname }}** has {{ len .Alerts.Firing }} firing\n{{ range .Alerts }}- {{ .Annotations.summary }}\n{{ end }}',
    });
    const body = bodyOf(config, notification({ alerts: [hostile] }));
    expect(body.filter((e) => e.type === 'Container')).toHaveLength(0);
    expect(body[2]).toEqual({
      type: 'TextBlock',
      text: '**HighErrorRate** has 1 firing\n\n- \\*boom\\* \\[x\\](https://evil.example)',
      wrap: true,
    });
  });

  it('a text template is cut to the size budget', () => {
    const big = { ...FIXTURE_ALERT, annotations: { summary: 'é'.repeat(40_000) } };
    const config = TeamsConfig.parse({ ...base, text: '{{ .CommonAnnotations.summary }}' });
    const m = buildTeamsMessage(notification({ alerts: [big] }), config);
    const block = m.attachments[0]!.content.body[2]!;
    expect(block.type === 'TextBlock' && block.text.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
  });

  it('blank output falls back to the default title and the alert sections', () => {
    const config = TeamsConfig.parse({ ...base, title: '{{ .CommonLabels.nope }}', text: '  {{ .CommonLabels.nope }}\n' });
    const body = bodyOf(config);
    expect(body[0]).toMatchObject({ text: '🔴 [FIRING:1] HighErrorRate payment-gateway' });
    expect(body[2]).toMatchObject({ type: 'Container' });
  });
});

describe('Teams template validation', () => {
  it.each([
    ['title', '{{ .Status', 1],
    ['text', 'ok\n\n{{ range .Alerts }}{{ .Labelz }}{{ end }}', 3],
  ] as const)('a bad %s template fails the schema at that key, with line and column', (key, source, line) => {
    const r = TeamsConfig.safeParse({ ...base, [key]: source });
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.path).toEqual([key]);
    expect(r.error!.issues[0]!.message).toMatch(new RegExp(`^invalid template at line ${line}, column \\d+: \\S`));
  });

  it('config validation reports the full key path', () => {
    const raw = { route: { receiver: 'chat' }, receivers: [{ name: 'chat', teams_configs: [{ ...base, text: '{{ if }}' }] }] };
    try {
      parseConfig(raw);
      expect.unreachable('the config is invalid');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([
        { path: 'receivers[0].teams_configs[0].text', message: expect.stringMatching(/^invalid template at line 1, column \d+: /) },
      ]);
    }
  });
});
