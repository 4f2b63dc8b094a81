import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';
import { runCli, type CliRun } from '../support/cli';

/**
 * `alertflow fire <scenario.yaml>` and `alertflow storm` against a real local runtime, with a
 * webhook stand-in for the notifications. The CLI runs as a child process, asynchronously: the
 * runtime answers from this test's event loop.
 */
const ROOT = join(import.meta.dirname, '../..');

let rt: LocalRuntime;
let hook: StandIn;


const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(args, { ALERTFLOW_URL: rt.url, ALERTFLOW_TOKEN: rt.token, ...env }, 30_000);

function scenarioFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'alertflow-fire-')), 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
}

interface Notification {
  status: string;
  group: { labels: Record<string, string> };
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

beforeAll(async () => {
  hook = await startStandIn();
  rt = await startRuntimeWithConfig(`
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: team
    webhook_configs: [{ url: '${hook.url}/team' }]
`);
});

afterAll(async () => {
  await rt?.close();
  await hook?.close();
});

describe('alertflow fire', () => {
  it('replays the scenario step by step (--speed scales the waits), and the notifications follow it', async () => {
    const t0 = Date.now();
    const res = await cli(['fire', join(ROOT, 'test/fixtures/cli/scenario.yaml'), '--speed', '2']);
    const took = Date.now() - t0;
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^step 1\/3 \+0s: fired 1: DiskFull\{instance="db-1",severity="warning"\}$/);
    expect(lines[1]).toMatch(/^step 2\/3 \+1(\.\d+)?s: fired 1: DiskFull\{instance="db-2",severity="warning"\}$/);
    expect(lines[2]).toMatch(/^step 3\/3 \+3(\.\d+)?s: resolved 1: DiskFull\{instance="db-1",severity="warning"\}$/);
    // 2s + 4s of waits at speed 2.
    expect(took).toBeGreaterThanOrEqual(3000);

    // The group notifies db-1 firing, then db-1 and db-2 firing, then db-1 resolved beside db-2.
    const seen = (n: Notification) => n.alerts.map((a) => `${a.labels.instance}:${a.status}`).sort().join(' ');
    let got: Notification[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      got = hook.received.filter((r) => r.path === '/team').map((r) => r.json() as Notification).filter((n) => n.group.labels.alertname === 'DiskFull');
      if (got.some((n) => seen(n) === 'db-1:resolved db-2:firing')) break;
    }
    expect(got.map(seen)).toEqual(['db-1:firing', 'db-1:firing db-2:firing', 'db-1:resolved db-2:firing']);
    expect(got.every((n) => n.status === 'firing')).toBe(true);
  });

  it('-o json prints the steps posted', async () => {
    const file = scenarioFile('steps:\n  - fire: [{ labels: { alertname: JsonFire } }]\n  - resolve: [{ labels: { alertname: JsonFire } }]\n');
    const res = await cli(['fire', file, '-o', 'json']);
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(res.stdout)).toEqual([
      { step: 1, at: expect.any(String), fired: 1, resolved: 0 },
      { step: 2, at: expect.any(String), fired: 0, resolved: 1 },
    ]);
  });

  it('exits 1 when a post is refused, stopping there; a malformed scenario exits 1 naming the problem', async () => {
    const file = scenarioFile('steps:\n  - fire: [{ labels: { alertname: Refused } }]\n  - after: 1s\n    fire: [{ labels: { alertname: Never } }]\n');
    const refused = await cli(['fire', file], { ALERTFLOW_TOKEN: 'wrong-token' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('step 1/2 +0s: refused\n');
    expect(refused.stderr).toMatch(/^alertflow: POST \/api\/v2\/alerts: 401/);

    const bad = scenarioFile('steps:\n  - after: soon\n    fire: [{ labels: { instance: x } }]\n');
    const malformed = await cli(['fire', bad]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('steps.0.after');
    expect(malformed.stderr).toContain('steps.0.fire.0.labels: needs an alertname label');

    expect(await cli(['fire', file, '--speed', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('expected a number over zero') });
  });
});

describe('alertflow storm', () => {
  it('posts the storm in batches and sums up what got through and the groups alertflow holds and notified', async () => {
    const res = await cli(['storm', '--alerts', '50', '--groups', '5', '--batch', '7', '--concurrency', '3', '--wait', '10s', '-o', 'json']);
    // stderr is not a terminal: no progress line.
    expect(res, res.stderr).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ alerts: 50, groups: 5, requests: 8, accepted: 50, refused: {}, alertflow: { groups: 5, notified: 5 } });
    expect(summary.rate_per_s).toBeGreaterThan(0);

    const names = new Set(hook.received.filter((r) => r.path === '/team').flatMap((r) => (r.json() as Notification).alerts.map((a) => a.labels.alertname)));
    expect([...names].filter((n) => n!.startsWith('storm-')).sort()).toEqual(['storm-0', 'storm-1', 'storm-2', 'storm-3', 'storm-4']);
  });

  it('table output; through /v1/alerts too; refused requests by status, exit 1', async () => {
    const table = await cli(['storm', '--alerts', '10', '--groups', '2', '--api', 'v1', '--wait', '5s']);
    expect(table, table.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^alerts accepted {4}10 of 10 \(1 requests\)\nrequests refused {3}0\nelapsed {12}\d+\.\d\ds\nrate {15}\d+ alerts\/s\ngroups {13}\d+ held by alertflow \(of 2 in the storm\), \d+ notified \(polled for \d+\.\ds\)\n$/);

    const refused = await cli(['storm', '--alerts', '10', '--groups', '2', '--batch', '5', '--wait', '0'], { ALERTFLOW_TOKEN: 'wrong-token' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^alerts accepted {4}0 of 10 \(2 requests\)\nrequests refused {3}2 \(401\)\n/);
  });
});
