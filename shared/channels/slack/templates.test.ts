import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../config/loader';
import { ConfigError } from '../../errors';
import { FIXTURE_ALERT, notification } from '../testing';
import { SlackConfig } from './config';
import { buildSlackPayload, SLACK_LIMITS } from './render';

const base = { webhook_url: { env: 'SLACK_URL' } };

describe('Slack templates', () => {
  it('a title template replaces the header and the fallback text, on one line', () => {
    const config = SlackConfig.parse({ ...base, title: '{{ .Status | toUpper }}: {{ .CommonLabels.service }}\n' });
    const p = buildSlackPayload(notification(), config);
    expect(p.text).toBe('FIRING: payment-gateway');
    expect(JSON.stringify(p.blocks[0])).toContain('FIRING: payment-gateway');
  });

  it("a text template replaces the alert sections; its mrkdwn stays, interpolated values are escaped", () => {
    const hostile = { ...FIXTURE_ALERT, annotations: { summary: '<!channel> & <https://evil.example|click>' } };
    const config = SlackConfig.parse({ ...base, text: '*{{ .CommonLabels.alertname }}*\n{{ range .Alerts }}• {{ .Annotations.summary }}\n{{ end }}' });
    const blocks = buildSlackPayload(notification({ alerts: [hostile] }), config).attachments[0]!.blocks;
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*HighErrorRate*\n• &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;' } });
    expect(blocks.filter((b) => b.type === 'section')).toHaveLength(1);
  });

  it('a text template is cut to the section limit', () => {
    const big = { ...FIXTURE_ALERT, annotations: { summary: 'x'.repeat(20_000) } };
    const config = SlackConfig.parse({ ...base, text: '{{ .CommonAnnotations.summary }}' });
    const section = buildSlackPayload(notification({ alerts: [big] }), config).attachments[0]!.blocks[0] as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  });

  it('a bad template fails config loading with its key path and position', () => {
    const yaml = `
route: { receiver: a }
receivers:
  - name: a
    slack_configs:
      - webhook_url: http://x
        title: '{{ .Status | toUpperr }}'
`;
    let error: unknown;
    try {
      parseConfigYaml(yaml, 'a.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]!.path).toMatch(/^receivers\[0\]\.slack_configs\[0\]\.title \(a\.yaml:7:\d+\)$/);
    expect((error as ConfigError).issues[0]!.message).toMatch(/toUpperr/);
  });
});
