import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../config/loader';
import { parseConfig } from '../../config/validate';
import { ConfigError } from '../../errors';
import { FIXTURE_ALERT, notification } from '../testing';
import { PagerDutyConfig } from './config';
import { buildPagerDutyEvent } from './render';

const base = { routing_key: { env: 'PD_KEY' } };

describe('PagerDuty templates', () => {
  it('renders summary, source, severity, component, group and class from templates', () => {
    const config = PagerDutyConfig.parse({
      ...base,
      summary: '{{ .CommonLabels.alertname }} on {{ .CommonLabels.service }}: {{ len .Alerts.Firing }} firing\n',
      source: '{{ .CommonLabels.env }}-cluster',
      severity: '{{ if eq .CommonLabels.env "prod" }}warning{{ else }}info{{ end }}',
      component: '{{ .CommonLabels.service }}',
      group: '{{ .CommonLabels.env }}',
      class: '{{ .Status | toUpper }}',
    });
    expect(buildPagerDutyEvent(notification(), config).payload).toMatchObject({
      summary: 'HighErrorRate on payment-gateway: 1 firing',
      source: 'prod-cluster',
      severity: 'warning',
      component: 'payment-gateway',
      group: 'prod',
      class: 'FIRING',
    });
  });

  it('a severity template with another output falls back to the labels and says so', () => {
    const config = PagerDutyConfig.parse({ ...base, severity: '{{ .CommonLabels.env }}' });
    const { payload } = buildPagerDutyEvent(notification(), config);
    expect(payload!.severity).toBe('critical');
    expect(payload!.custom_details.template_errors).toEqual(['severity: "prod" is not one of critical, error, warning, info; used the severity labels']);
  });

  it('an empty rendering falls back to the default (PagerDuty refuses an empty summary or source)', () => {
    const config = PagerDutyConfig.parse({ ...base, summary: '{{ .CommonLabels.nope }}', source: '  ', component: '{{ .CommonLabels.nope }}' });
    const { payload } = buildPagerDutyEvent(notification(), config);
    expect(payload!.summary).toBe('[FIRING:1] HighErrorRate payment-gateway: Error rate 7.5% above 5%');
    expect(payload!.source).toBe('vm:9093');
    expect(payload).not.toHaveProperty('component');
  });

  it('cuts rendered fields: summary to 1024 characters on one line, the others to 255', () => {
    const long = { ...FIXTURE_ALERT, annotations: { summary: 'word '.repeat(2000) } };
    const config = PagerDutyConfig.parse({ ...base, summary: '{{ .CommonAnnotations.summary }}', class: '{{ .CommonAnnotations.summary }}' });
    const { payload } = buildPagerDutyEvent(notification({ alerts: [long] }), config);
    expect(payload!.summary).toHaveLength(1024);
    expect(payload!.summary).not.toContain('\n');
    expect(payload!.class).toHaveLength(255);
  });
});

describe('PagerDuty template validation', () => {
  it.each([
    ['summary', '{{ .Status ', 1],
    ['source', '{{ .Labelz }}', 1],
    ['severity', 'ok\n{{ if .Status }}', 2],
    ['class', '{{ nosuchfunc .Status }}', 1],
  ] as const)('a bad %s template fails the schema at that key, with line and column', (key, source, line) => {
    const r = PagerDutyConfig.safeParse({ ...base, [key]: source });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]!.path).toEqual([key]);
    expect(r.error!.issues[0]!.message).toMatch(new RegExp(`^invalid template at line ${line}, column \\d+: \\S`));
  });

  it('an empty template is refused rather than silently meaning "default"', () => {
    const r = PagerDutyConfig.safeParse({ ...base, summary: '' });
    expect(r.error!.issues[0]).toMatchObject({ path: ['summary'], message: 'an empty template; leave the key out to use the default' });
  });

  it('config validation reports the full key path', () => {
    const raw = {
      route: { receiver: 'pd' },
      receivers: [{ name: 'pd', pagerduty_configs: [{ ...base, summary: 'fine' }, { ...base, group: '{{ .GroupLabels.team ' }] }],
    };
    try {
      parseConfig(raw);
      expect.unreachable('the config is invalid');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([
        { path: 'receivers[0].pagerduty_configs[1].group', message: expect.stringMatching(/^invalid template at line 1, column \d+: /) },
      ]);
    }
  });

  it('config:check on YAML points at the file line of the key too', () => {
    const yaml = [
      'route:',
      '  receiver: pd',
      'receivers:',
      '  - name: pd',
      '    pagerduty_configs:',
      '      - routing_key: { env: PD_KEY }',
      '        summary: "{{ .Alerts.Firing | len"',
      '',
    ].join('\n');
    expect(() => parseConfigYaml(yaml, 'alertflow.yaml')).toThrow(
      /receivers\[0\]\.pagerduty_configs\[0\]\.summary \(alertflow\.yaml:7:18\): invalid template at line 1, column \d+: /,
    );
  });
});
