import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `alertflow template render --channel <type>`: a whole notification as each channel's renderer
 * builds it, from the fixture alerts (test/fixtures/cli/alerts.json: one firing, one resolved) and
 * the entries of test/fixtures/cli/render.yaml or a default entry. No running alertflow needed.
 */
const ROOT = join(import.meta.dirname, '../..');
const ALERTS = join(ROOT, 'test/fixtures/cli/alerts.json');
const CONFIG = join(ROOT, 'test/fixtures/cli/render.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, ALERTFLOW_URL: 'http://127.0.0.1:9' };
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/cli.ts'), ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const render = (channel: string, ...more: string[]) => cli(['template', 'render', '--alert', ALERTS, '--channel', channel, ...more]);
const json = <T>(res: Run): T => {
  expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(res.stdout) as T;
};

describe('alertflow template render --channel', () => {
  it('slack: the blocks as text (table), the payload (json), with the config entry\'s title', async () => {
    const table = await render('slack', '--config', CONFIG);
    expect(table, table.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^text: Custom title: HighErrorRate\n/);
    expect(table.stdout).toContain('*Summary:* Error rate 7.5% above 5%');
    expect(table.stdout).toContain('*Labels:* `service=checkout` `severity=critical`');
    expect(table.stdout).toContain('Receiver: *team*');

    const payload = json<{ text: string; blocks: Array<{ type: string }> }>(await render('slack', '--config', CONFIG, '-o', 'json'));
    expect(payload.text).toBe('Custom title: HighErrorRate');
    expect(payload.blocks[0]).toMatchObject({ type: 'header' });
  });

  it('email: from, to, subject and the text part (table); subject, html and text (json)', async () => {
    const table = await render('email', '--config', CONFIG, '--receiver', 'team');
    expect(table, table.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^From: alertflow@example.com\nTo: team@example.com\nSubject: \[team\] HighErrorRate \(1 firing\)\n\n/);
    expect(table.stdout).toContain('FIRING · critical · HighErrorRate');
    expect(table.stdout).toContain('RESOLVED · critical · HighErrorRate');

    const mail = json<{ subject: string; html: string; text: string }>(await render('email', '-o', 'json'));
    expect(mail.subject).toBe('[FIRING:1] HighErrorRate (critical)');
    expect(mail.html).toMatch(/^<!DOCTYPE html>|<html/i);
    expect(mail.text).toContain('Summary: Error rate 7.5% above 5%');
  });

  it('pagerduty: the trigger event, with the entry\'s severity', async () => {
    const table = await render('pagerduty', '--config', CONFIG, '--receiver', 'pager');
    expect(table, table.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^event_action: trigger\ndedup_key: [0-9a-f]{64}\nsummary: \[FIRING:1\] HighErrorRate: Error rate 7.5% above 5%\nseverity: warning\n/);

    const event = json<{ event_action: string; payload: { severity: string; custom_details: unknown } }>(await render('pagerduty', '-o', 'json'));
    expect(event).toMatchObject({ event_action: 'trigger', payload: { severity: 'critical' } });
  });

  it('teams: the card\'s text (table), the adaptive card message (json)', async () => {
    const table = await render('teams');
    expect(table, table.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toContain('[FIRING:1] HighErrorRate');
    expect(table.stdout).toContain('Error rate 7.5% above 5%');

    const message = json<{ type: string; attachments: Array<{ contentType: string; content: { type: string } }> }>(await render('teams', '-o', 'json'));
    expect(message).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }] });
  });

  it('sms: the text to each number, with the entry\'s message template (calling a define of the config\'s templates: file), or the default text', async () => {
    const custom = await render('sms', '--config', CONFIG);
    expect(custom).toEqual({ code: 0, stdout: 'To: +15550123\nPAGE HighErrorRate\n', stderr: '' });

    const messages = json<Array<{ phoneNumber: string; body: string }>>(await render('sms', '-o', 'json'));
    expect(messages).toEqual([{ phoneNumber: '+15550100', body: expect.stringContaining('HighErrorRate') }]);
  });

  it('webhook: the body, alertflow\'s format by default, Alertmanager\'s with the entry\'s format', async () => {
    const native = json<{ version: string; receiver: string; alerts: Array<{ status: string }> }>(await render('webhook'));
    expect(native).toMatchObject({ version: '1', receiver: 'team', status: 'firing' });
    expect(native.alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);

    const am = json<{ version: string; receiver: string; groupLabels: unknown; alerts: Array<{ endsAt: string }> }>(await render('webhook', '--config', CONFIG, '--receiver', 'pager', '-o', 'json'));
    expect(am).toMatchObject({ version: '4', receiver: 'pager', status: 'firing', groupLabels: { alertname: 'HighErrorRate' } });
    expect(am.alerts[0]!.endsAt).toBe('0001-01-01T00:00:00Z');
  });

  it('without --alert renders the sample alert; refuses a receiver without the channel (exit 1) and bad usage (exit 2)', async () => {
    const sample = await cli(['template', 'render', '--channel', 'sms']);
    expect(sample).toMatchObject({ code: 0, stdout: expect.stringContaining('DiskFull') });

    // An Alertmanager webhook body: a firing alert's end is Go's zero time, not a resolve.
    const body = join(mkdtempSync(join(tmpdir(), 'alertflow-render-')), 'webhook.json');
    writeFileSync(body, JSON.stringify({ alerts: [{ status: 'firing', labels: { alertname: 'X' }, startsAt: '2026-11-22T06:15:10Z', endsAt: '0001-01-01T00:00:00Z' }] }));
    expect(await cli(['template', 'render', '--channel', 'sms', '--alert', body])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^To: \+15550100\n\[FIRING\] X /) });

    expect(await render('teams', '--config', CONFIG)).toMatchObject({ code: 1, stderr: expect.stringContaining('no receiver has teams_configs') });
    expect(await render('slack', '--config', CONFIG, '--receiver', 'nobody')).toMatchObject({ code: 1, stderr: expect.stringContaining('no receiver "nobody"') });
    expect(await render('fax')).toMatchObject({ code: 2, stderr: expect.stringContaining("Allowed choices are slack, webhook, email, sms, pagerduty, teams") });
    expect(await render('slack', '--receiver', 'team')).toMatchObject({ code: 2, stderr: expect.stringContaining('--receiver needs --config') });
    expect(await cli(['template', 'render', '{{ .Status }}', '--channel', 'slack'])).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') });
    expect(await cli(['template', 'render'])).toMatchObject({ code: 2, stderr: expect.stringContaining("missing required argument 'template'") });
  });
});
