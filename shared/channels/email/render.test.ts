import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/model';
import { parseConfigYaml } from '../../config/loader';
import { ConfigError } from '../../errors';
import { FIXTURE_ALERT, hugeAlerts, notification } from '../testing';
import { EmailConfig } from './config';
import { buildEmail, EMAIL_COLORS, EMAIL_LIMITS, renderEmail } from './render';

const config = (extra: Record<string, unknown> = {}) => EmailConfig.parse({ from: 'alerts@example.com', to: ['oncall@example.com'], ...extra });

const RESOLVED: Alert = { ...FIXTURE_ALERT, status: 'resolved', endsAt: '2026-11-22T06:20:00.000Z' };
const HOSTILE: Alert = {
  ...FIXTURE_ALERT,
  labels: { ...FIXTURE_ALERT.labels, pod: '<img src=x onerror=alert(1)>', note: `"quoted" & 'single'` },
  annotations: {
    summary: '<script>alert("summary")</script>',
    description: 'line one\n<b>not bold</b>',
    runbook_url: 'javascript:alert(1)',
  },
};

describe('email subject', () => {
  it('is Alertmanager\'s title plus the worst firing severity', () => {
    expect(buildEmail(notification(), config()).subject).toBe('[FIRING:1] HighErrorRate payment-gateway (critical)');
  });

  it('says RESOLVED, without a severity, when the group resolved', () => {
    expect(buildEmail(notification({ alerts: [RESOLVED] }), config()).subject).toBe('[RESOLVED] HighErrorRate payment-gateway');
  });

  it('is one line of at most EMAIL_LIMITS.subject characters, whatever the labels hold', () => {
    const n = notification();
    n.group.labels = { service: `evil\r\nBcc: victim@example.com ${'x'.repeat(2000)}` };
    const { subject } = buildEmail(n, config());
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.length).toBeLessThanOrEqual(EMAIL_LIMITS.subject);
    expect(subject.startsWith('[FIRING:1] evil Bcc: victim@example.com xxx')).toBe(true);
  });
});

describe('email HTML card', () => {
  it('HTML-escapes everything that came from an alert', () => {
    const { html } = buildEmail(notification({ alerts: [HOSTILE] }), config());
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>not bold</b>');
    expect(html).toContain('&lt;script&gt;alert(&#34;summary&#34;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&#34;quoted&#34; &amp; &#39;single&#39;');
    // A javascript: runbook is not turned into a link.
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).not.toContain('>Runbook</a>');
  });

  it('shows the labels in a table, one row per label, alertname in the title instead', () => {
    const { html } = buildEmail(notification(), config());
    for (const [k, v] of Object.entries(FIXTURE_ALERT.labels)) {
      if (k === 'alertname') continue;
      expect(html).toMatch(new RegExp(`<tr><td[^>]*>${k}</td><td[^>]*>${v}</td></tr>`));
    }
    expect(html).not.toMatch(/<td[^>]*>alertname<\/td>/);
    expect(html).toContain('HighErrorRate');
    expect(html).toContain('Error rate 7.5% above 5%');
    expect(html).toContain('Firing since 2026-11-22 06:15:10 UTC');
  });

  it('links the runbook and the source (http(s) only, & escaped in href)', () => {
    const { html } = buildEmail(notification(), config());
    expect(html).toContain('<a href="https://runbooks.example.com/high-error-rate" style="color:#1565C0;">Runbook</a>');
    expect(html).toContain('<a href="http://vm:9090/graph?g0.expr=vector%287.5%29+%3E+5&amp;g0.tab=1" style="color:#1565C0;">Source</a>');
    expect(html).toContain('<a href="http://vm:9093/" style=');
    expect(html).toContain('Open in Alertmanager');
  });

  it("never links to alertflow's external_url, where no page answers; Grafana and CloudWatch links are shown", () => {
    const grafana = {
      ...FIXTURE_ALERT,
      source: 'grafana' as const,
      annotations: { summary: 'CPU', panel_url: 'https://grafana.example.com/d/a?viewPanel=1', silence_url: 'https://grafana.example.com/alerting/silence/new' },
    };
    const cloudwatch = {
      ...FIXTURE_ALERT,
      fingerprint: '00000000000000cc',
      source: 'cloudwatch' as const,
      labels: { alertname: 'api-5xx', region: 'us-east-1', source: 'cloudwatch' },
      annotations: { summary: 'API 5xx', alarm_arn: 'arn:aws-cn:cloudwatch:us-east-1:123456789012:alarm:api-5xx' },
      generatorURL: undefined,
    };
    const n = { ...notification({ alerts: [grafana, cloudwatch] }), externalURL: 'https://alertflow.example.com' };
    delete n.sourceURL;
    const { html, text } = buildEmail(n, config());
    for (const part of [html, text]) {
      expect(part).not.toContain('alertflow.example.com');
      expect(part).not.toContain('Open in alertflow');
      expect(part).toContain('https://grafana.example.com/d/a?viewPanel=1');
      expect(part).toContain('https://grafana.example.com/alerting/silence/new');
      expect(part).toContain('https://us-east-1.console.amazonaws.cn/cloudwatch/home?region=us-east-1#alarmsV2:alarm/api-5xx');
    }
  });

  it('colours firing by severity and resolved green', () => {
    const firing = buildEmail(notification(), config()).html;
    expect(firing).toContain(`border-top:6px solid ${EMAIL_COLORS.critical}`);
    expect(firing).toMatch(/>Firing · critical</);

    const warning = buildEmail(notification({ alerts: [{ ...FIXTURE_ALERT, labels: { ...FIXTURE_ALERT.labels, severity: 'warn' } }] }), config()).html;
    expect(warning).toContain(`border-top:6px solid ${EMAIL_COLORS.warning}`);

    const unknown = buildEmail(notification({ alerts: [{ ...FIXTURE_ALERT, labels: { alertname: 'X' } }] }), config()).html;
    expect(unknown).toContain(`border-top:6px solid ${EMAIL_COLORS.unknown}`);

    const resolved = buildEmail(notification({ alerts: [RESOLVED] }), config()).html;
    expect(resolved).toContain(`border-top:6px solid ${EMAIL_COLORS.resolved}`);
    expect(resolved).toMatch(/>Resolved · was critical</);
    expect(resolved).toContain('Resolved at 2026-11-22 06:20:00 UTC');
    expect(resolved).not.toContain(EMAIL_COLORS.critical.slice(1) + ';">Firing');
  });

  it('renders the Acknowledge link only when an ack URL is given and the group fires', () => {
    const ack = 'https://alertflow.example.com/v1/ack?t=abc&sig=def';
    expect(buildEmail(notification(), config()).html).not.toContain('Acknowledge');
    expect(buildEmail(notification(), config()).text).not.toContain('Acknowledge');

    const withAck = buildEmail(notification(), config(), { ackUrl: ack });
    expect(withAck.html).toMatch(/<a href="https:\/\/alertflow\.example\.com\/v1\/ack\?t=abc&amp;sig=def" [^>]*>Acknowledge<\/a>/);
    expect(withAck.text).toContain(`Acknowledge: ${ack}`);

    expect(buildEmail(notification({ alerts: [RESOLVED] }), config(), { ackUrl: ack }).html).not.toContain('Acknowledge');
    expect(buildEmail(notification(), config(), { ackUrl: 'javascript:alert(1)' }).html).not.toContain('Acknowledge');
  });

  it('stays under Gmail\'s clipping size for a huge group, summarising the rest', () => {
    const n = notification({ alerts: hugeAlerts(500, 10 * 1024), truncatedAlerts: 25 });
    const { html, text } = buildEmail(n, config());
    expect(html.length).toBeLessThan(102_000);
    expect(text.length).toBeLessThan(80_000);
    for (const part of [html, text]) {
      expect(part).toContain('and 480 more alerts not shown (384 firing, 96 resolved)');
      expect(part).toContain('25 more alerts left out of this notification');
    }
    // Twenty alerts in detail, each with its (cut) summary.
    expect(html.match(/&#9679;/g)).toHaveLength(EMAIL_LIMITS.alertsShown);
    expect(html).toContain('S0 x&amp;&lt;&gt;');
    expect(html).toContain('…');
    expect(html.endsWith('</html>')).toBe(true);
  });
});

describe('email text part', () => {
  it('carries the same facts as plain text', () => {
    const { text } = buildEmail(notification(), config());
    expect(text.split('\n')[0]).toBe('[FIRING:1] HighErrorRate payment-gateway');
    expect(text).toContain('1 firing. Severity: critical.');
    expect(text).toContain('FIRING · critical · HighErrorRate');
    expect(text).toContain('Summary: Error rate 7.5% above 5%');
    expect(text).toContain('Labels: env=prod, service=payment-gateway, severity=critical');
    expect(text).toContain('Runbook: https://runbooks.example.com/high-error-rate');
    expect(text).toContain('Open in Alertmanager: http://vm:9093/');
  });

  it('is not HTML-escaped', () => {
    expect(buildEmail(notification({ alerts: [HOSTILE] }), config()).text).toContain('Summary: <script>alert("summary")</script>');
  });
});

describe('email templates', () => {
  it('render the subject, the HTML (values escaped, markup kept) and the text', () => {
    const m = buildEmail(
      notification({ alerts: [HOSTILE] }),
      config({
        subject: '{{ .Status }}: {{ .CommonLabels.alertname }}\non {{ .CommonLabels.pod }}',
        html: '<h1>{{ .CommonAnnotations.summary }}</h1>',
        text: 'Summary: {{ .CommonAnnotations.summary }}',
      }),
    );
    expect(m.subject).toBe('firing: HighErrorRate on <img src=x onerror=alert(1)>');
    expect(m.html).toBe('<h1>&lt;script&gt;alert(&#34;summary&#34;)&lt;/script&gt;</h1>');
    expect(m.text).toBe('Summary: <script>alert("summary")</script>');
  });

  it('leave the parts they do not set to the defaults', () => {
    const m = buildEmail(notification(), config({ subject: 'custom {{ .Status }}' }));
    expect(m.subject).toBe('custom firing');
    expect(m.html).toContain('<!DOCTYPE html>');
    expect(m.text.startsWith('[FIRING:1] HighErrorRate')).toBe(true);
  });

  it('are cut at the output cap, with a note saying so', () => {
    const m = buildEmail(notification({ alerts: hugeAlerts(200, 10 * 1024) }), config({ text: '{{ range .Alerts }}{{ .Annotations.description }}{{ end }}' }));
    const note = `The configured text template output was cut at ${EMAIL_LIMITS.templateText} characters.`;
    expect(m.text.endsWith(`\n\n${note}`)).toBe(true);
    expect(m.text.length).toBe(EMAIL_LIMITS.templateText + 2 + note.length);
  });

  it('cut HTML before a tag left half-written', () => {
    const m = buildEmail(
      notification({ alerts: hugeAlerts(100, 10 * 1024) }),
      config({ html: '{{ range .Alerts }}<a title="{{ .Annotations.description }}">x</a>{{ end }}' }),
    );
    const [body, note] = m.html.split('\n<p style="font-size:12px;color:#6b7280;">');
    expect(note).toBe(`The configured html template output was cut at ${EMAIL_LIMITS.templateHtml} characters.</p>`);
    expect(body!.endsWith('</a>')).toBe(true);
  });

  it('fall back to the default, with a note, when a template cannot be used at send time', () => {
    // A config that skipped validation (parse would have refused it).
    const m = buildEmail(notification(), { ...config(), subject: '{{ end }}', text: '{{ .Nope }}' });
    expect(m.subject).toBe('[FIRING:1] HighErrorRate payment-gateway (critical)');
    expect(m.text.startsWith('[FIRING:1] HighErrorRate payment-gateway\n')).toBe(true);
    expect(m.text).toContain('The configured subject template failed (template subject:1:4: unexpected {{ end }}); the default subject was used.');
    expect(m.text).toContain('The configured text template failed (template text:1:4: unknown field ".Nope"');
    expect(m.html).toContain('The configured subject template failed');
  });

  it('are rendered the same by render() as sent', () => {
    const c = config({ subject: 'S {{ .Status }}' });
    expect(JSON.parse(renderEmail(notification(), c).body)).toEqual(buildEmail(notification(), c));
  });
});

describe('email config', () => {
  it('rejects a bad template at load with the key path and the template line/col', () => {
    const r = EmailConfig.safeParse({ from: 'a@example.com', to: ['b@example.com'], html: '<p>\n{{ .Status </p>' });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(['html']);
    expect(issue.message).toMatch(/^invalid template at line 2, column \d+: \S/);
  });

  it('names the full key path through config:check', () => {
    let err: unknown;
    try {
      parseConfigYaml(
        ['route:', '  receiver: mail', 'receivers:', '  - name: mail', '    email_configs:', '      - from: a@example.com', '        to: [b@example.com]', "        subject: '{{ end }}'", ''].join('\n'),
        'test.yaml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('receivers[0].email_configs[0].subject (test.yaml:8:18)');
    expect(issues[0]!.message).toMatch(/^invalid template at line 1, column 4: \S/);
  });

  it('refuses an empty template, more than 50 recipients, and a malformed from', () => {
    expect(EmailConfig.safeParse({ from: 'a@example.com', to: ['b@example.com'], text: '' }).success).toBe(false);
    const many = Array.from({ length: 40 }, (_, i) => `u${i}@example.com`);
    const r = EmailConfig.safeParse({ from: 'a@example.com', to: many, cc: many.slice(0, 11) });
    expect(r.error?.issues[0]).toMatchObject({ path: ['to'], message: expect.stringMatching(/at most 50 recipients/) });
    expect(EmailConfig.safeParse({ from: 'not an address', to: ['b@example.com'] }).success).toBe(false);
    expect(EmailConfig.safeParse({ from: 'Alertflow <alerts@example.com>', to: ['b@example.com'] }).success).toBe(true);
    expect(EmailConfig.safeParse({ from: 'Alert"flow <alerts@example.com>', to: ['b@example.com'] }).success).toBe(false);
  });
});
