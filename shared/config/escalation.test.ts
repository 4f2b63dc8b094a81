import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigYaml } from './loader';
import { configWarnings } from './validate';
import { describePolicy, policyTimeline } from '../escalation/policy';
import { matchRoutes } from '../routing/route-tree';
import { compileConfig } from '../runtime/compiled-config';
import { configIssues } from '../../test/support/config';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const RECEIVERS = `
receivers:
  - name: team-slack
    webhook_configs: [{ url: 'http://127.0.0.1:1/slack' }]
  - name: oncall-sms
    webhook_configs: [{ url: 'http://127.0.0.1:1/sms' }]
  - name: oncall-pagerduty
    webhook_configs: [{ url: 'http://127.0.0.1:1/pd' }]
  - name: managers-email
    webhook_configs: [{ url: 'http://127.0.0.1:1/mail' }]
`;

/** The issue's example, verbatim. */
const CRITICAL = `
escalation_policies:
  - name: critical
    steps:
      - notify: [team-slack]
        wait: 10m
      - notify: [oncall-sms, oncall-pagerduty]
        wait: 15m
      - notify: [managers-email]
    repeat: 2
    ack_timeout: 30m
    ack_allowed: true
    notify_on: [ack, resolve]
`;

/** The issues without their file positions. */
const issues = (yaml: string) => configIssues(yaml).map((i) => i.replace(/ \(test\.yaml:\d+:\d+\)/, ''));

const policy = (body: string) => `route: { receiver: team-slack }\n${RECEIVERS}\nescalation_policies:\n  - name: p\n${body}`;

describe('escalation policies in the config', () => {
  it("loads the issue's example: steps, repeat, ack settings, and a route that names it", () => {
    const yaml = `${CRITICAL}
route:
  receiver: team-slack
  routes:
    - matchers: ['severity="critical"']
      receiver: team-slack
      escalation_policy: critical
${RECEIVERS}`;
    // Without `wait` on the last step a repeating chain has no pause: the example needs one.
    expect(configIssues(yaml)).toEqual(['escalation_policies[0].steps[2].wait (test.yaml:9:9): the last step needs a wait with repeat: 2 (the chain runs again after it)']);
    const config = compileConfig(parseConfigYaml(yaml.replace('      - notify: [managers-email]\n', '      - notify: [managers-email]\n        wait: 5m\n'), 'test.yaml'));
    expect(config.escalationPolicies.get('critical')).toEqual({
      name: 'critical',
      steps: [
        { notify: ['team-slack'], waitMs: 600_000 },
        { notify: ['oncall-sms', 'oncall-pagerduty'], waitMs: 900_000 },
        { notify: ['managers-email'], waitMs: 300_000 },
      ],
      repeat: 2,
      ackTimeoutMs: 1_800_000,
      ackAllowed: true,
      notifyOn: ['ack', 'resolve'],
    });
    expect(matchRoutes(config.routeTree, { severity: 'critical' })[0]?.escalationPolicy).toBe('critical');
    expect(matchRoutes(config.routeTree, { severity: 'info' })[0]?.escalationPolicy).toBeUndefined();
  });

  it('is inherited down the route tree like the timers, and a child may name another', () => {
    const yaml = `${CRITICAL.replace('      - notify: [managers-email]\n', '      - notify: [managers-email]\n        wait: 5m\n')}
  - name: quiet
    steps: [{ notify: [team-slack] }]
route:
  receiver: team-slack
  routes:
    - matchers: ['team="db"']
      escalation_policy: critical
      routes:
        - matchers: ['severity="info"']
          escalation_policy: quiet
        - matchers: ['severity="critical"']
${RECEIVERS}`;
    const config = compileConfig(parseConfigYaml(yaml, 'test.yaml'));
    expect(matchRoutes(config.routeTree, { team: 'db', severity: 'critical' }).map((r) => r.escalationPolicy)).toEqual(['critical']);
    expect(matchRoutes(config.routeTree, { team: 'db', severity: 'info' }).map((r) => r.escalationPolicy)).toEqual(['quiet']);
    expect(matchRoutes(config.routeTree, { team: 'db' }).map((r) => r.escalationPolicy)).toEqual(['critical']);
  });

  it('defaults: runs once, an ack stops it, the paged hear of ack and resolve; durations down to 1s', () => {
    const config = compileConfig(parseConfigYaml(policy('    steps:\n      - notify: [team-slack]\n        wait: 1s\n      - notify: [oncall-sms]\n'), 'test.yaml'));
    expect(config.escalationPolicies.get('p')).toEqual({
      name: 'p',
      steps: [
        { notify: ['team-slack'], waitMs: 1000 },
        { notify: ['oncall-sms'], waitMs: undefined },
      ],
      repeat: 0,
      ackTimeoutMs: undefined,
      ackAllowed: true,
      notifyOn: ['ack', 'resolve'],
    });
  });

  it('refuses unknown receivers and policies, empty steps, missing waits and bad values with their key paths', () => {
    expect(issues(policy('    steps: []\n'))).toEqual(['escalation_policies[0].steps: at least one step']);
    expect(issues(policy('    steps: [{ notify: [] }]\n'))).toEqual(['escalation_policies[0].steps[0].notify: at least one receiver']);
    expect(issues(policy('    steps: [{ notify: [team-slack, nobody] }]\n'))).toEqual([
      'escalation_policies[0].steps[0].notify[1]: unknown receiver "nobody" (defined: team-slack, oncall-sms, oncall-pagerduty, managers-email)',
    ]);
    expect(issues(policy('    steps: [{ notify: [team-slack] }, { notify: [oncall-sms] }]\n'))).toEqual([
      'escalation_policies[0].steps[0].wait: step 1 needs a wait: step 2 follows it',
    ]);
    expect(issues(policy('    steps: [{ notify: [team-slack], wait: 0s }]\n    repeat: 10\n    ack_timeout: soon\n    notify_on: [ack, ack, page]\n'))).toEqual(
      expect.arrayContaining([
        'escalation_policies[0].steps[0].wait: must be longer than 0',
        'escalation_policies[0].repeat: at most 9 (as PagerDuty)',
        'escalation_policies[0].ack_timeout: not a duration: "soon" (expected e.g. "30s", "5m", "1h30m")',
        expect.stringMatching(/^escalation_policies\[0\]\.notify_on\[2\]: /),
      ]),
    );
    expect(issues(`route: { receiver: team-slack, routes: [{ matchers: ['a="b"'], escalation_policy: nope }] }\n${RECEIVERS}`)).toEqual([
      'route.routes[0].escalation_policy: unknown escalation policy "nope" (define it under escalation_policies)',
    ]);
    expect(
      issues(`${policy('    steps: [{ notify: [team-slack] }]\n')}  - name: p\n    steps: [{ notify: [oncall-sms] }]\n`),
    ).toEqual(['escalation_policies[1].name: duplicate escalation policy name "p"']);
  });

  it('loads without warnings', () => {
    expect(configWarnings(parseConfigYaml(policy('    steps: [{ notify: [team-slack] }]\n'), 'test.yaml'))).toEqual([]);
  });
});

describe('policy timeline', () => {
  const critical = compileConfig(parseConfigYaml(`route: { receiver: team-slack }\n${RECEIVERS}${CRITICAL.replace('      - notify: [managers-email]\n', '      - notify: [managers-email]\n        wait: 5m\n')}`, 'test.yaml')).escalationPolicies.get('critical')!;

  it('lists every step of every run with its offset from the incident start', () => {
    const minutes = policyTimeline(critical).map((e) => [e.loop, e.step, e.atMs / 60_000]);
    expect(minutes).toEqual([
      [0, 0, 0],
      [0, 1, 10],
      [0, 2, 25],
      [1, 0, 30],
      [1, 1, 40],
      [1, 2, 55],
      [2, 0, 60],
      [2, 1, 70],
      [2, 2, 85],
    ]);
  });

  it('is what config:check prints for each policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertflow-esc-'));
    const file = join(dir, 'alertflow.yaml');
    writeFileSync(file, `route: { receiver: team-slack }\n${RECEIVERS}${CRITICAL.replace('      - notify: [managers-email]\n', '      - notify: [managers-email]\n        wait: 90s\n')}`);
    const out = execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bin/config-check.ts'), file], { encoding: 'utf8', stdio: 'pipe' });
    expect(out.split('\n').slice(1, 5)).toEqual([
      'escalation policy critical: repeats 2x; an ack lapses after 30m; tells the paged on ack, resolve',
      '  at 0m        run 1 step 1: team-slack',
      '  at 10m       run 1 step 2: oncall-sms, oncall-pagerduty',
      '  at 25m       run 1 step 3: managers-email',
    ]);
    expect(out).toContain('  at 26m30s    run 2 step 1: team-slack');
    expect(describePolicy({ ...critical, repeat: 0, ackAllowed: false, notifyOn: [] })).toEqual([
      'escalation policy critical: runs once; only a resolve stops it; tells the paged nothing more',
      '  at 0m        step 1: team-slack',
      '  at 10m       step 2: oncall-sms, oncall-pagerduty',
      '  at 25m       step 3: managers-email',
    ]);
  });
});
