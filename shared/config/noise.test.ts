import { describe, expect, it } from 'vitest';
import { configIssues } from '../../test/support/config';
import { parseConfigYaml } from './loader';
import { compileConfig } from '../runtime/compiled-config';
import { matchRoutes } from '../routing/route-tree';

/** The noise-control keys of alertflow.yaml: inhibit_rules, time_intervals, cooldowns, storm protection, flapping. */

const RECEIVERS = `
receivers:
  - name: a
    webhook_configs: [{ url: 'http://127.0.0.1:1/x' }]
`;

describe('noise-control config', () => {
  it('names a route time interval that is not defined', () => {
    expect(configIssues(`route: { receiver: a, routes: [{ matchers: ['x="y"'], mute_time_intervals: [nights] }] }\n${RECEIVERS}`)).toEqual([
      'route.routes[0].mute_time_intervals[0] (test.yaml:1:77): unknown time interval "nights" (define it under time_intervals)',
    ]);
  });

  it('rejects bad inhibit rules, cooldowns, storm limits and flapping settings with their key paths', () => {
    const issues = configIssues(`
route: { receiver: a, cooldown: soon, cooldown_by: everyone, flapping: { transitions: 0, window: 1h } }
inhibit_rules:
  - source_matchers: ['severity=~"(bad"']
    equal: ['not-a-label']
receivers:
  - name: a
    storm_protection: { max_notifications: 0, window: 10m }
    webhook_configs: [{ url: 'http://127.0.0.1:1/x' }]
`);
    expect(issues.map((i) => i.split(' (')[0])).toEqual(
      expect.arrayContaining([
        'route.cooldown',
        'route.cooldown_by',
        'route.flapping.transitions',
        'inhibit_rules[0].source_matchers[0]',
        'inhibit_rules[0].equal[0]',
        'receivers[0].storm_protection.max_notifications',
      ]),
    );
  });

  it('inherits cooldown and flapping settings down the route tree, and compiles rules and intervals', () => {
    const config = compileConfig(
      parseConfigYaml(`
route:
  receiver: a
  cooldown: 10m
  flapping: { transitions: 4, window: 1h }
  routes:
    - matchers: ['team="db"']
      cooldown_by: alert
      routes:
        - matchers: ['severity="critical"']
          cooldown: 1m
          active_time_intervals: [office]
inhibit_rules:
  - source_match: { severity: critical }
    target_match_re: { severity: 'warning|info' }
    equal: [cluster]
time_intervals:
  - name: office
    time_intervals: [{ weekdays: ['monday:friday'], location: Europe/Berlin }]
${RECEIVERS}`),
    );
    const [leaf] = matchRoutes(config.routeTree, { team: 'db', severity: 'critical' });
    expect(leaf).toMatchObject({ cooldownMs: 60_000, cooldownBy: 'alert', flapping: { transitions: 4, windowMs: 3_600_000 }, activeTimeIntervals: ['office'] });
    const [other] = matchRoutes(config.routeTree, { team: 'web' });
    expect(other).toMatchObject({ cooldownMs: 600_000, cooldownBy: undefined });
    expect(config.inhibitRules).toHaveLength(1);
    expect(config.timeIntervals.get('office')).toHaveLength(1);
  });
});
