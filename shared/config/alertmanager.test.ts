import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotificationTemplates } from '../channels/templating';
import { notification } from '../channels/testing';
import { importConfigYaml, loadConfigFile, parseConfigYaml } from './loader';
import { compileConfig } from '../runtime/compiled-config';
import { configWarnings } from './warnings';
import { ConfigError } from '../errors';

/** An alertmanager.yml as people write them: global defaults, AM receiver keys, anchors, old names. */
const AM = `
global:
  resolve_timeout: 2m
  slack_api_url: https://hooks.slack.com/services/T0/B0/X
  smtp_smarthost: smtp.example.com:587
  smtp_from: am@example.com
  pagerduty_url: https://events.eu.pagerduty.com/v2/enqueue
route:
  receiver: team
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      mute_time_intervals: [nights]
receivers:
  - name: team
    slack_configs:
      - &chat
        channel: '#alerts'
      - <<: *chat
        channel: '#more'
        color: danger
        actions: [{ type: button, text: Runbook, url: 'https://r' }]
    email_configs:
      - to: 'a@example.com, b@example.com'
        headers: { Subject: 'Alert {{ .Status }}', X-Team: ops }
    opsgenie_configs: [{ api_key: x }, { api_key: y }]
  - name: pager
    pagerduty_configs:
      - service_key: v1key
        description: '{{ .CommonLabels.alertname }}'
    webhook_configs:
      - url: http://hook.example.com/x
        max_alerts: 5
        http_config: { basic_auth: { username: u, password: p } }
    sns_configs:
      - phone_number: '+15555550100'
      - topic_arn: arn:aws:sns:us-east-1:1:t
mute_time_intervals:
  - name: nights
    time_intervals: [{ times: [{ start_time: 22:00, end_time: 24:00 }] }]
`;

describe("an alertmanager.yml loads as alertflow's config", () => {
  const { config, warnings } = importConfigYaml(AM, 'am.yml');
  const [team, pager] = config.receivers;

  it("maps Alertmanager's keys and global defaults, with Alertmanager's send_resolved defaults", () => {
    expect(config.global.resolve_timeout).toBe('2m');
    expect(team!.slack_configs.map((s) => [s.webhook_url, s.channel, s.send_resolved])).toEqual([
      ['https://hooks.slack.com/services/T0/B0/X', '#alerts', false],
      ['https://hooks.slack.com/services/T0/B0/X', '#more', false],
    ]);
    expect(team!.email_configs[0]).toMatchObject({ from: 'am@example.com', to: ['a@example.com', 'b@example.com'], subject: 'Alert {{ .Status }}', send_resolved: false });
    expect(pager!.pagerduty_configs[0]).toMatchObject({ routing_key: 'v1key', events_url: 'https://events.eu.pagerduty.com/v2/enqueue', summary: '{{ .CommonLabels.alertname }}', send_resolved: true });
    expect(pager!.webhook_configs[0]).toMatchObject({ url: 'http://hook.example.com/x', format: 'alertmanager', max_alerts: 5, headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    expect(pager!.sms_configs.map((s) => s.to)).toEqual([['+15555550100']]);
    expect(config.time_intervals.map((t) => t.name)).toEqual(['nights']);
  });

  it('warns, with key path and position, for what it cannot honour, and never refuses for it', () => {
    expect(warnings).toEqual([
      'global.smtp_smarthost (am.yml:5:19): not used: alertflow sends email through Amazon SES (locally, to the outbox)',
      'receivers[0].opsgenie_configs (am.yml:26:23): alertflow has no OpsGenie channel: 2 configs of receiver "team" will not be delivered',
      'receivers[0].slack_configs[1] (am.yml:19:9): color, actions: not used by alertflow\'s Slack message',
      'receivers[0].email_configs[0].headers.X-Team (am.yml:25:60): not used: alertflow sets the email headers itself',
      'receivers[1].pagerduty_configs[0].service_key (am.yml:29:22): sent as an Events API v2 routing key: the PagerDuty service needs an Events API v2 integration',
      'receivers[1].sns_configs[1] (am.yml:37:9): an SNS topic or target is not a channel alertflow has (it sends SMS to phone numbers): this entry will not be delivered',
    ]);
    expect(configWarnings(config)).toEqual(expect.arrayContaining(warnings));
  });

  it("keeps alertflow's own keys, which win where both are given, and alertflow's defaults in an alertflow file", () => {
    const own = parseConfigYaml(`
auth: { tokens: [{ name: t, secret: { env: T }, scopes: [read] }] }
global: { slack_api_url: https://hooks.slack.com/services/global }
route: { receiver: r }
receivers:
  - name: r
    slack_configs: [{ webhook_url: https://hooks.slack.com/services/own, api_url: https://hooks.slack.com/services/am }]
    webhook_configs: [{ url: http://h }]
`);
    expect(own.receivers[0]!.slack_configs[0]).toMatchObject({ webhook_url: 'https://hooks.slack.com/services/own', send_resolved: true });
    expect(own.receivers[0]!.webhook_configs[0]!.format).toBe('alertflow');
  });

  it('reads secrets given as files nowhere: the entry is left out with a warning (a Lambda cannot read the file)', () => {
    const { config, warnings } = importConfigYaml(`
global: { slack_api_url_file: /etc/slack-url }
route: { receiver: r }
receivers:
  - name: r
    slack_configs: [{ channel: '#a' }]
    webhook_configs: [{ url_file: /etc/hook-url }]
    email_configs: [{ to: 'oncall@localhost', from: 'Prometheus <prometheus@localhost>' }]
`, 'am.yml');
    expect(config.receivers[0]!.slack_configs).toEqual([]);
    expect(config.receivers[0]!.webhook_configs).toEqual([]);
    // Go's mail.ParseAddress takes a host without dots, and so does alertflow now.
    expect(config.receivers[0]!.email_configs[0]!.to).toEqual(['oncall@localhost']);
    expect(warnings.map((w) => w.replace(/ \(am\.yml:\d+:\d+\)/, ''))).toEqual([
      'global.slack_api_url_file: not read: give the Slack URL as webhook_url, a secret reference ({ ssm: … } or { env: … })',
      'receivers[0].slack_configs[0]: global.slack_api_url_file is not read (give webhook_url as a secret reference): this entry will not be delivered',
      'receivers[0].webhook_configs[0]: url_file is not read (give url as a secret reference): this entry will not be delivered',
    ]);
  });

  it('still refuses what Alertmanager refuses too, naming the key', () => {
    expect(() => parseConfigYaml('route: { receiver: nobody }\nreceivers: [{ name: team }]\nglobal: {}\n', 'am.yml')).toThrow(ConfigError);
  });
});

describe('templates: files, as Alertmanager reads them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-templates-'));
  mkdirSync(join(dir, 'tmpl'));
  writeFileSync(join(dir, 'tmpl', 'a.tmpl'), '{{ define "my.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}\n{{ define "my.text" }}first{{ end }}');
  // Read after a.tmpl (sorted): its definition of my.text wins.
  writeFileSync(join(dir, 'tmpl', 'b.tmpl'), '{{ define "my.text" }}{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}{{ end }}');
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(
    file,
    `global: { slack_api_url: https://hooks.slack.com/services/T/B/X }
templates: ['tmpl/*.tmpl', 'missing/*.tmpl']
route: { receiver: team }
receivers:
  - name: team
    slack_configs:
      - title: '{{ template "my.title" . }}'
        text: '{{ template "my.text" . }} / {{ template "slack.default.title" . }}'
        username: '{{ template "nowhere.defined" . }}'
`,
  );

  it('reads the globs relative to the file, in order, and the fields call their definitions when they render', () => {
    const config = compileConfig(loadConfigFile(file));
    expect(config.raw.template_files.map((f) => f.name)).toEqual([join(dir, 'tmpl', 'a.tmpl'), join(dir, 'tmpl', 'b.tmpl')]);
    const slack = config.raw.receivers[0]!.slack_configs[0]!;
    const render = (source: string) => {
      const run = new NotificationTemplates(notification()).run(source, 'field');
      if ('thrown' in run) throw run.thrown;
      return run.text;
    };
    expect(render(slack.title!)).toBe('[FIRING] HighErrorRate');
    expect(render(slack.text!)).toBe('Error rate 7.5% above 5% / [FIRING:1] HighErrorRate payment-gateway (prod critical)');
  });

  it('drops a field that calls a name nothing defines, with a warning (Alertmanager loads it and fails to send)', () => {
    const { config, warnings } = importConfigYaml(readFileSync(file, 'utf8'), file);
    expect(config.receivers[0]!.slack_configs[0]!.username).toBeUndefined();
    expect(warnings.some((w) => w.startsWith('receivers[0].slack_configs[0].username') && w.includes('"nowhere.defined"'))).toBe(true);
  });

  it('refuses a template file that does not compile, naming it', () => {
    writeFileSync(join(dir, 'bad.tmpl'), '{{ define "x" }}{{ .Status ');
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'templates: [bad.tmpl]\nroute: { receiver: r }\nreceivers: [{ name: r }]\n');
    expect(() => loadConfigFile(bad)).toThrow(/templates \(.*bad\.yml:1:12\): template .*bad\.tmpl:1:/);
  });
});
