import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileTemplate } from '../../shared/templates';
import { CALLS, EXTERNAL_URL, SCENARIOS, htmlInformation, scenarioData, type Rendered, type Scenario } from '../fixtures/alertmanager-templates/scenarios';
import { ALERTMANAGER_BIN, freePort } from '../support/alertmanager';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * Alertmanager's default template names, rendered by a real Alertmanager 0.25 and by alertflow for
 * the same notifications (test/fixtures/alertmanager-templates/scenarios.ts). Alertmanager renders
 * them in the fields of a Slack message (`value: '{{ template "slack.default.title" . }}'`; every
 * text field goes through the same ExecuteTextString) posted to a local stand-in. The capture must
 * equal the saved fixture (rendered.json, which the unit test compares alertflow with offline);
 * ALERTFLOW_UPDATE_FIXTURES=1 rewrites it instead.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/alertmanager-templates');
const RENDERED = join(FIXTURES, 'rendered.json');

let standIn: StandIn;
let child: ChildProcess | undefined;
let dir: string;
let output = '';
let captured: Rendered;

/** Start Alertmanager with `config`, with a fixed external URL (what `.ExternalURL` renders). */
async function startAlertmanager(config: unknown): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'alertflow-am-templates-'));
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
  const port = await freePort();
  child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${EXTERNAL_URL}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 15_000; ; ) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return url;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`alertmanager did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const allResolved = (s: Scenario): boolean => s.alerts.every((a) => a.resolved);

/**
 * `fire`: the scenario's alerts, resolved ones already ended, except in an all-resolved scenario,
 * whose alerts fire first (Alertmanager notifies an all-resolved group only after notifying it
 * firing); `resolve`: all of them ended.
 */
async function postAlerts(url: string, s: Scenario, phase: 'fire' | 'resolve'): Promise<void> {
  const now = Date.now();
  const body = s.alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations ?? {},
    // Recent: an alert older than group_wait would flush its group at once, maybe before the rest arrive.
    startsAt: new Date(now - 2000).toISOString(),
    ...((phase === 'resolve' || (a.resolved && !allResolved(s))) && { endsAt: new Date(now - 1000).toISOString() }),
    ...(a.generatorURL && { generatorURL: a.generatorURL }),
  }));
  const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`alertmanager refused the alerts of ${s.name}: ${res.status} ${await res.text()}`);
}

const posts = (s: Scenario) => standIn.received.filter((r) => r.path === `/${s.name}`);

async function waitForPosts(s: Scenario, count: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; posts(s).length < count; ) {
    if (Date.now() > deadline) throw new Error(`no notification ${count} for ${s.name}:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  standIn = await startStandIn();
  const url = await startAlertmanager({
    route: {
      receiver: 'blackhole',
      group_wait: '3s',
      group_interval: '1s',
      repeat_interval: '1h',
      routes: SCENARIOS.map((s) => ({ receiver: s.receiver, group_by: s.groupBy, matchers: [`alertname=${JSON.stringify(s.alerts[0]!.labels.alertname)}`] })),
    },
    receivers: [
      { name: 'blackhole' },
      ...SCENARIOS.map((s) => ({
        name: s.receiver,
        slack_configs: [{ api_url: `${standIn.url}/${s.name}`, send_resolved: true, fields: CALLS.map(([name, source]) => ({ title: name, value: source })) }],
      })),
    ],
    // Alertmanager 0.25 has no Teams names: load them (0.28's text) as a user template file.
    templates: [join(FIXTURES, 'teams-0.28.tmpl')],
  });
  for (const s of SCENARIOS) await postAlerts(url, s, 'fire');
  for (const s of SCENARIOS.filter(allResolved)) {
    await waitForPosts(s, 1);
    await postAlerts(url, s, 'resolve');
  }
  captured = {};
  for (const s of SCENARIOS) {
    // An all-resolved scenario's notification is its second.
    const index = allResolved(s) ? 1 : 0;
    await waitForPosts(s, index + 1);
    const body = posts(s)[index]!.json() as { attachments: [{ fields: { title: string; value?: string }[] }] };
    // A field's value is left out of the JSON when it rendered empty (Go's omitempty).
    captured[s.name] = Object.fromEntries(body.attachments[0].fields.map((f) => [f.title, f.value ?? '']));
  }
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await standIn?.close();
});

describe("Alertmanager 0.25's default template names", () => {
  it('render as the saved fixture says (ALERTFLOW_UPDATE_FIXTURES=1 rewrites it)', () => {
    if (process.env.ALERTFLOW_UPDATE_FIXTURES === '1') writeFileSync(RENDERED, `${JSON.stringify(captured, null, 2)}\n`);
    for (const s of SCENARIOS) expect(Object.keys(captured[s.name]!)).toEqual(CALLS.map(([name]) => name));
    expect(captured).toEqual(JSON.parse(readFileSync(RENDERED, 'utf8')));
    // Each capture is the notification the scenario describes.
    expect(captured.mixed!['__subject']).toBe('[FIRING:2] HighCPU (critical infra)');
    expect(captured.resolved!['__subject']).toBe('[RESOLVED] DiskFull eu-1 ');
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('alertflow renders the same for %s', (_name, s) => {
    const data = scenarioData(s);
    for (const [name, source] of CALLS) {
      const ours = compileTemplate(source, name).render(data);
      const theirs = captured[s.name]![name]!;
      if (name === 'email.default.html') expect(htmlInformation(ours), name).toEqual(htmlInformation(theirs));
      else expect(ours, name).toBe(theirs);
    }
  });
});
