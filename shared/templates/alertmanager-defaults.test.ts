import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALLS, SCENARIOS, htmlInformation, scenarioData, type Rendered } from '../../test/fixtures/alertmanager-templates/scenarios';
import { ALERTMANAGER_DEFAULT_NAMES } from './alertmanager-defaults';
import { escapeHtml } from './functions';
import { compileTemplate, defaultTemplateSet } from './template';
import { NOW, alert, notification, sampleData } from '../channels/template-testing';
import { templateData } from '../channels/template-data';

/**
 * alertflow's definitions of Alertmanager's default template names against what Alertmanager 0.25
 * rendered for the same notifications (test/fixtures/alertmanager-templates: rendered.json, captured
 * by test/e2e/alertmanager-templates.test.ts, which also checks the capture is still current).
 */
const rendered = JSON.parse(readFileSync(new URL('../../test/fixtures/alertmanager-templates/rendered.json', import.meta.url), 'utf8')) as Rendered;

describe("Alertmanager's default template names", () => {
  it('are all defined in every set, and the fixture covers each', () => {
    for (const name of ALERTMANAGER_DEFAULT_NAMES) expect(defaultTemplateSet().has(name), name).toBe(true);
    expect(CALLS.map(([name]) => name)).toEqual([...ALERTMANAGER_DEFAULT_NAMES]);
    for (const s of SCENARIOS) expect(Object.keys(rendered[s.name]!).sort(), s.name).toEqual([...ALERTMANAGER_DEFAULT_NAMES].sort());
  });

  describe.each(SCENARIOS.map((s) => [s.name, s] as const))('render as Alertmanager does: %s', (scenario, s) => {
    const data = scenarioData(s);
    it.each(CALLS.filter(([name]) => name !== 'email.default.html'))('%s', (name, source) => {
      expect(compileTemplate(source, name).render(data, { onError: (e) => expect.fail(String(e)) })).toBe(rendered[scenario]![name]);
    });

    it('email.default.html (a simpler page with the same text and links)', () => {
      const ours = compileTemplate('{{ template "email.default.html" . }}', 'html').render(data);
      expect(htmlInformation(ours)).toEqual(htmlInformation(rendered[scenario]!['email.default.html']!));
    });
  });

  it('render the sample notification (channels/template-testing.ts) as expected', () => {
    const render = (name: string) => compileTemplate(`{{ template "${name}" . }}`).render(sampleData(), { now: NOW });
    expect(render('__subject')).toBe('[FIRING:2] HighCPU (critical infra)');
    expect(render('slack.default.fallback')).toBe('[FIRING:2] HighCPU (critical infra) | https://alertflow.example.com/#/alerts?receiver=team-infra');
    expect(render('pagerduty.default.client')).toBe('Alertmanager');
    expect(render('msteams.default.title')).toBe('[FIRING:2] HighCPU (critical infra)');
  });

  it('are checked against the dot a field passes (Alertmanager fails such a render when it runs)', () => {
    expect(() => compileTemplate('{{ template "pagerduty.default.instances" . }}', 'details.firing')).toThrow(
      /^template details\.firing:1:4: template "pagerduty\.default\.instances" → "__text_alert_list", at alertmanager-defaults:\d+:\d+ \(dot: Data\): range can't iterate over a Data$/,
    );
    expect(compileTemplate('{{ template "pagerduty.default.instances" .Alerts.Firing }}').render(sampleData())).toMatch(/^Labels:\n - alertname = HighCPU\n/);
  });

  it('email.default.html escapes the alerts\' values and keeps its own markup when rendered with HTML escaping', () => {
    const bad = alert({
      labels: { alertname: 'X<script>', team: '"a&b"' },
      annotations: { summary: '<img src=x onerror=alert(1)>' },
      generatorURL: 'javascript:alert(1)',
    });
    const data = templateData(notification([bad], { labels: { alertname: 'X<script>' } }));
    const html = compileTemplate('{{ template "email.default.html" . }}').render(data, { escape: escapeHtml });
    expect(html).toContain('<title>[FIRING:1] X&lt;script&gt; (&#34;a&amp;b&#34;)</title>');
    expect(html).toContain('summary = &lt;img src=x onerror=alert(1)&gt;<br>');
    expect(html).not.toMatch(/<script|<img/);
    // A source link only for http(s) URLs.
    expect(html).not.toContain('javascript:');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html>/);
  });
});
