import { describe, it, expect } from 'vitest';
import type { RouteConfig } from '../config/schema';
import { ConfigError } from '../errors';
import {
  alertmanagerGroupKeyFor,
  buildRouteTree,
  formatAlertmanagerLabelSet,
  formatLabelSet,
  groupKeyFor,
  groupLabelsFor,
  indexRoutesById,
  matchRoutes,
  walkRoutes,
  type RouteNode,
} from './route-tree';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const DEFAULTS = { groupWaitMs: 30 * S, groupIntervalMs: 5 * M, repeatIntervalMs: 4 * H };

/** The routing options Alertmanager's route tests compare, with group_by as a sorted set. */
const opts = (n: RouteNode) => ({
  receiver: n.receiver,
  groupBy: [...n.groupBy].sort(),
  groupByAll: n.groupByAll,
  groupWaitMs: n.groupWaitMs,
  groupIntervalMs: n.groupIntervalMs,
  repeatIntervalMs: n.repeatIntervalMs,
});

const route = (receiver: string, groupBy: string[], groupByAll: boolean, timers: Partial<typeof DEFAULTS> = {}) => ({
  receiver,
  groupBy: [...groupBy].sort(),
  groupByAll,
  ...DEFAULTS,
  ...timers,
});

/** Alertmanager dispatch/route_test.go TestRouteMatch's tree (match / match_re). */
const MATCH_TREE: RouteConfig = {
  receiver: 'notify-def',
  routes: [
    {
      match: { owner: 'team-A' },
      receiver: 'notify-A',
      routes: [
        { match: { env: 'testing' }, receiver: 'notify-testing', group_by: ['...'] },
        { match: { env: 'production' }, receiver: 'notify-productionA', group_wait: '1m', continue: true },
        {
          match_re: { env: 'produ.*', job: '.*' },
          receiver: 'notify-productionB',
          group_wait: '30s',
          group_interval: '5m',
          repeat_interval: '1h',
          group_by: ['job'],
        },
      ],
    },
    { match_re: { owner: 'team-(B|C)' }, group_by: ['foo', 'bar'], group_wait: '2m', receiver: 'notify-BC' },
    {
      match: { group_by: 'role' },
      group_by: ['role'],
      routes: [
        {
          match: { env: 'testing' },
          receiver: 'notify-testing',
          routes: [{ match: { wait: 'long' }, group_wait: '2m' }],
        },
      ],
    },
  ],
};

/** TestRouteMatchers' tree: the same shape with `matchers` strings. */
const MATCHERS_TREE: RouteConfig = {
  receiver: 'notify-def',
  routes: [
    {
      matchers: ['{owner="team-A"}', '{level!="critical"}'],
      receiver: 'notify-A',
      routes: [
        { matchers: ['{env="testing"}', '{baz!~".*quux"}'], receiver: 'notify-testing', group_by: ['...'] },
        { matchers: ['{env="production"}'], receiver: 'notify-productionA', group_wait: '1m', continue: true },
        {
          matchers: ['env=~"produ.*"', 'job=~".*"'],
          receiver: 'notify-productionB',
          group_wait: '30s',
          group_interval: '5m',
          repeat_interval: '1h',
          group_by: ['job'],
        },
      ],
    },
    { matchers: ['owner=~"team-(B|C)"'], group_by: ['foo', 'bar'], group_wait: '2m', receiver: 'notify-BC' },
    {
      matchers: ['group_by="role"'],
      group_by: ['role'],
      routes: [
        {
          matchers: ['{env="testing"}'],
          receiver: 'notify-testing',
          routes: [{ matchers: ['wait="long"'], group_wait: '2m' }],
        },
      ],
    },
  ],
};

/** TestRouteMatchersAndMatch's tree: both forms mixed. */
const MIXED_TREE: RouteConfig = {
  receiver: 'notify-def',
  routes: [
    {
      matchers: ['{owner="team-A"}', '{level!="critical"}'],
      receiver: 'notify-A',
      routes: [
        { matchers: ['{env="testing"}', '{baz!~".*quux"}'], receiver: 'notify-testing', group_by: ['...'] },
        { match: { env: 'production' }, receiver: 'notify-productionA', group_wait: '1m', continue: true },
        {
          matchers: ['env=~"produ.*"', 'job=~".*"'],
          receiver: 'notify-productionB',
          group_wait: '30s',
          group_interval: '5m',
          repeat_interval: '1h',
          group_by: ['job'],
        },
      ],
    },
    { match_re: { owner: 'team-(B|C)' }, group_by: ['foo', 'bar'], group_wait: '2m', receiver: 'notify-BC' },
    {
      matchers: ['group_by="role"'],
      group_by: ['role'],
      routes: [
        {
          matchers: ['{env="testing"}'],
          receiver: 'notify-testing',
          routes: [{ matchers: ['wait="long"'], group_wait: '2m' }],
        },
      ],
    },
  ],
};

/** The expectations shared by the three trees; only the matcher part of the keys differs. */
interface Expectation {
  labels: Record<string, string>;
  routes: ReturnType<typeof route>[];
  keys: string[];
}

function expectations(k: { teamA: string; teamBC: string; testing: string; prodA: string; prodB: string }): Expectation[] {
  return [
    {
      labels: { owner: 'team-A' },
      routes: [route('notify-A', [], false)],
      keys: [`{}/${k.teamA}`],
    },
    {
      labels: { owner: 'team-A', env: 'unset' },
      routes: [route('notify-A', [], false)],
      keys: [`{}/${k.teamA}`],
    },
    {
      labels: { owner: 'team-C' },
      routes: [route('notify-BC', ['foo', 'bar'], false, { groupWaitMs: 2 * M })],
      keys: [`{}/${k.teamBC}`],
    },
    {
      labels: { owner: 'team-A', env: 'testing' },
      routes: [route('notify-testing', [], true)],
      keys: [`{}/${k.teamA}/${k.testing}`],
    },
    {
      labels: { owner: 'team-A', env: 'production' },
      routes: [
        route('notify-productionA', [], false, { groupWaitMs: 1 * M }),
        route('notify-productionB', ['job'], false, { groupWaitMs: 30 * S, groupIntervalMs: 5 * M, repeatIntervalMs: 1 * H }),
      ],
      keys: [`{}/${k.teamA}/${k.prodA}`, `{}/${k.teamA}/${k.prodB}`],
    },
    {
      labels: { group_by: 'role' },
      routes: [route('notify-def', ['role'], false)],
      keys: ['{}/{group_by="role"}'],
    },
    {
      labels: { env: 'testing', group_by: 'role' },
      routes: [route('notify-testing', ['role'], false)],
      keys: ['{}/{group_by="role"}/{env="testing"}'],
    },
    {
      labels: { env: 'testing', group_by: 'role', wait: 'long' },
      routes: [route('notify-testing', ['role'], false, { groupWaitMs: 2 * M })],
      keys: ['{}/{group_by="role"}/{env="testing"}/{wait="long"}'],
    },
  ];
}

describe('matchRoutes: Alertmanager route_test.go trees', () => {
  const trees = [
    {
      name: 'TestRouteMatch (match / match_re)',
      config: MATCH_TREE,
      keys: {
        teamA: '{owner="team-A"}',
        teamBC: '{owner=~"^(?:team-(B|C))$"}',
        testing: '{env="testing"}',
        prodA: '{env="production"}',
        prodB: '{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}',
      },
    },
    {
      name: 'TestRouteMatchers (matchers strings)',
      config: MATCHERS_TREE,
      keys: {
        teamA: '{level!="critical",owner="team-A"}',
        teamBC: '{owner=~"team-(B|C)"}',
        testing: '{baz!~".*quux",env="testing"}',
        prodA: '{env="production"}',
        prodB: '{env=~"produ.*",job=~".*"}',
      },
    },
    {
      name: 'TestRouteMatchersAndMatch (both forms)',
      config: MIXED_TREE,
      keys: {
        teamA: '{level!="critical",owner="team-A"}',
        teamBC: '{owner=~"^(?:team-(B|C))$"}',
        testing: '{baz!~".*quux",env="testing"}',
        prodA: '{env="production"}',
        prodB: '{env=~"produ.*",job=~".*"}',
      },
    },
  ];

  for (const tree of trees) {
    describe(tree.name, () => {
      it.each(expectations(tree.keys))('$labels', ({ labels, routes, keys }) => {
        // Prepare
        const root = buildRouteTree(tree.config);
        // Act
        const matched = matchRoutes(root, labels);
        // Assess
        expect(matched.map(opts)).toEqual(routes);
        expect(matched.map((n) => n.key)).toEqual(keys);
      });
    });
  }

  it('falls back to the root when no child matches', () => {
    // Prepare
    const root = buildRouteTree(MATCH_TREE);
    // Act
    const matched = matchRoutes(root, { owner: 'team-Z' });
    // Assess
    expect(matched).toEqual([root]);
    expect(matched[0]!.key).toBe('{}');
    expect(opts(matched[0]!)).toEqual(route('notify-def', [], false));
  });
});

describe('walkRoutes (TestRouteWalk)', () => {
  it('visits depth-first, parents before children, siblings in order', () => {
    // Prepare
    const root = buildRouteTree(MATCH_TREE);
    const receivers: string[] = [];
    const parents: (string | undefined)[] = [];
    // Act
    walkRoutes(root, (node, parent) => {
      receivers.push(node.receiver);
      parents.push(parent?.key);
    });
    // Assess
    expect(receivers).toEqual([
      'notify-def',
      'notify-A',
      'notify-testing',
      'notify-productionA',
      'notify-productionB',
      'notify-BC',
      'notify-def',
      'notify-testing',
      'notify-testing',
    ]);
    expect(parents.slice(0, 3)).toEqual([undefined, '{}', '{}/{owner="team-A"}']);
  });
});

describe('RouteNode.id (TestRouteID) and key', () => {
  const config: RouteConfig = {
    receiver: 'default',
    routes: [
      { continue: true, matchers: ['foo=bar'], receiver: 'test1', routes: [{ matchers: ['bar=baz'] }] },
      { continue: true, matchers: ['foo=bar'], receiver: 'test1', routes: [{ matchers: ['bar=baz'] }] },
      { continue: true, matchers: ['foo=bar'], receiver: 'test2', routes: [{ matchers: ['bar=baz'] }] },
      {
        continue: true,
        matchers: ['bar=baz'],
        receiver: 'test3',
        routes: [{ matchers: ['baz=qux'] }, { matchers: ['qux=corge'] }],
      },
      { continue: true, matchers: ['qux=~"[a-zA-Z0-9]+"'] },
      { continue: true, matchers: ['corge!~"[0-9]+"'] },
    ],
  };

  it('appends each node position so siblings with identical matchers differ', () => {
    // Prepare
    const root = buildRouteTree(config);
    const ids: string[] = [];
    // Act
    walkRoutes(root, (n) => ids.push(n.id));
    // Assess
    expect(ids).toEqual([
      '{}',
      '{}/{foo="bar"}/0',
      '{}/{foo="bar"}/0/{bar="baz"}/0',
      '{}/{foo="bar"}/1',
      '{}/{foo="bar"}/1/{bar="baz"}/0',
      '{}/{foo="bar"}/2',
      '{}/{foo="bar"}/2/{bar="baz"}/0',
      '{}/{bar="baz"}/3',
      '{}/{bar="baz"}/3/{baz="qux"}/0',
      '{}/{bar="baz"}/3/{qux="corge"}/1',
      '{}/{qux=~"[a-zA-Z0-9]+"}/4',
      '{}/{corge!~"[0-9]+"}/5',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('leaves positions out of the key, so same-matcher siblings share it as in Alertmanager', () => {
    // Prepare
    const root = buildRouteTree(config);
    // Act
    const keys = root.routes.slice(0, 3).map((n) => n.key);
    const childKeys = root.routes.slice(0, 3).map((n) => n.routes[0]!.key);
    // Assess
    expect(keys).toEqual(['{}/{foo="bar"}', '{}/{foo="bar"}', '{}/{foo="bar"}']);
    expect(childKeys).toEqual(['{}/{foo="bar"}/{bar="baz"}', '{}/{foo="bar"}/{bar="baz"}', '{}/{foo="bar"}/{bar="baz"}']);
  });

  it('matches every continue sibling in order', () => {
    // Prepare
    const root = buildRouteTree(config);
    // Act
    const matched = matchRoutes(root, { foo: 'bar', bar: 'baz', qux: 'x1' });
    // Assess
    expect(matched.map((n) => n.id)).toEqual([
      '{}/{foo="bar"}/0/{bar="baz"}/0',
      '{}/{foo="bar"}/1/{bar="baz"}/0',
      '{}/{foo="bar"}/2/{bar="baz"}/0',
      '{}/{bar="baz"}/3',
      '{}/{qux=~"[a-zA-Z0-9]+"}/4',
      '{}/{corge!~"[0-9]+"}/5',
    ]);
  });

  it('indexes every node by id', () => {
    // Prepare
    const root = buildRouteTree(config);
    // Act
    const index = indexRoutesById(root);
    // Assess
    expect(index.size).toBe(12);
    expect(index.get('{}/{bar="baz"}/3/{qux="corge"}/1')).toBe(root.routes[3]!.routes[1]);
    expect(index.get('{}')).toBe(root);
  });

  it('sorts a node matchers by name, value and type before forming the key', () => {
    // Prepare
    const config: RouteConfig = {
      receiver: 'r',
      routes: [{ match: { b: '1', a: 'z' }, match_re: { a: 'x.*' }, matchers: ['a!="y"', '{c="0", a="z"}'] }],
    };
    // Act
    const child = buildRouteTree(config).routes[0]!;
    // Assess
    // Value before type: "^(?:x.*)$" < "y" < "z" bytewise.
    expect(child.key).toBe('{}/{a=~"^(?:x.*)$",a!="y",a="z",a="z",b="1",c="0"}');
    expect(child.matchers.map((m) => m.name)).toEqual(['a', 'a', 'a', 'a', 'b', 'c']);
  });
});

describe('inheritance', () => {
  it('starts the root from Alertmanager defaults: 30s / 5m / 4h, no grouping', () => {
    // Prepare / Act
    const root = buildRouteTree({ receiver: 'r' });
    // Assess
    expect(root).toMatchObject({
      id: '{}',
      key: '{}',
      receiver: 'r',
      groupBy: [],
      groupByAll: false,
      groupWaitMs: 30 * S,
      groupIntervalMs: 5 * M,
      repeatIntervalMs: 4 * H,
      continue: false,
      matchers: [],
      muteTimeIntervals: [],
      activeTimeIntervals: [],
      routes: [],
    });
  });

  it('inherits receiver, group_by and each timer separately down several levels', () => {
    // Prepare
    const config: RouteConfig = {
      receiver: 'root',
      group_by: ['alertname'],
      group_wait: '10s',
      routes: [
        {
          match: { team: 'a' },
          receiver: 'team-a',
          group_interval: '1m',
          routes: [{ match: { sev: 'page' }, repeat_interval: '30m', routes: [{ match: { x: '1' }, receiver: 'deep' }] }],
        },
      ],
    };
    // Act
    const root = buildRouteTree(config);
    const child = root.routes[0]!;
    const grandchild = child.routes[0]!;
    const deepest = grandchild.routes[0]!;
    // Assess
    expect([opts(child), opts(grandchild), opts(deepest)]).toEqual([
      route('team-a', ['alertname'], false, { groupWaitMs: 10 * S, groupIntervalMs: 1 * M }),
      route('team-a', ['alertname'], false, { groupWaitMs: 10 * S, groupIntervalMs: 1 * M, repeatIntervalMs: 30 * M }),
      route('deep', ['alertname'], false, { groupWaitMs: 10 * S, groupIntervalMs: 1 * M, repeatIntervalMs: 30 * M }),
    ]);
  });

  it("passes group_by ['...'] down until a child lists labels (TestInheritParentGroupByAll)", () => {
    // Prepare
    const config: RouteConfig = {
      routes: [
        {
          match: { env: 'parent' },
          group_by: ['...'],
          routes: [{ match: { env: 'child1' } }, { match: { env: 'child2' }, group_by: ['foo'] }],
        },
      ],
    };
    // Act
    const parent = buildRouteTree(config).routes[0]!;
    const [child1, child2] = parent.routes;
    // Assess
    expect([parent.groupByAll, child1!.groupByAll, child2!.groupByAll]).toEqual([true, true, false]);
    expect(child2!.groupBy).toEqual(['foo']);
  });

  it('reads an empty group_by as not set: the route inherits its parent grouping, as Alertmanager 0.25 does', () => {
    // Prepare: Alertmanager's config.Route keeps GroupBy nil for `group_by: []`, and NewRoute
    // replaces the parent's grouping only when GroupBy is non-nil.
    const config: RouteConfig = {
      receiver: 'r',
      group_by: ['alertname', 'cluster'],
      routes: [
        { match: { a: '1' }, group_by: [], routes: [{ match: { b: '1' }, group_by: [] }, { match: { b: '2' } }] },
        { match: { a: '2' } },
        { match: { a: '3' }, group_by: ['...'], routes: [{ match: { c: '1' }, group_by: [] }] },
      ],
    };
    // Act
    const [empty, absent, all] = buildRouteTree(config).routes;
    const [emptyGrandchild, absentGrandchild] = empty!.routes;
    // Assess
    expect([empty, emptyGrandchild, absentGrandchild, absent].map((n) => [n!.groupBy, n!.groupByAll])).toEqual([
      [['alertname', 'cluster'], false],
      [['alertname', 'cluster'], false],
      [['alertname', 'cluster'], false],
      [['alertname', 'cluster'], false],
    ]);
    // An empty list under `['...']` keeps grouping by all labels.
    expect(all!.routes[0]!.groupByAll).toBe(true);
  });

  it('gives a root with an empty group_by no grouping (Alertmanager defaults)', () => {
    // Prepare / Act
    const root = buildRouteTree({ receiver: 'r', group_by: [] });
    // Assess
    expect([root.groupBy, root.groupByAll, groupKeyFor(root, { alertname: 'X', b: '1' })]).toEqual([[], false, '{}:{}']);
  });

  it("takes '...' more than once as group by all labels, as Alertmanager 0.25 does", () => {
    // Prepare / Act
    const root = buildRouteTree({ receiver: 'r', group_by: ['alertname'], routes: [{ match: { a: '1' }, group_by: ['...', '...'] }] });
    // Assess
    expect(root.routes[0]!.groupByAll).toBe(true);
    expect(groupKeyFor(root.routes[0]!, { a: '1', z: '2' })).toBe('{}/{a="1"}:{a="1", z="2"}');
  });

  it('does not inherit mute or active time intervals', () => {
    // Prepare
    const config: RouteConfig = {
      receiver: 'r',
      routes: [
        {
          match: { a: '1' },
          mute_time_intervals: ['weekends'],
          active_time_intervals: ['office'],
          routes: [{ match: { b: '1' } }, { match: { b: '2' }, mute_time_intervals: ['nights'] }],
        },
      ],
    };
    // Act
    const parent = buildRouteTree(config).routes[0]!;
    const [plain, own] = parent.routes;
    // Assess
    expect([parent.muteTimeIntervals, parent.activeTimeIntervals]).toEqual([['weekends'], ['office']]);
    expect([plain!.muteTimeIntervals, plain!.activeTimeIntervals]).toEqual([[], []]);
    expect([own!.muteTimeIntervals, own!.activeTimeIntervals]).toEqual([['nights'], []]);
  });

  it('does not inherit continue', () => {
    // Prepare
    const config: RouteConfig = { receiver: 'r', routes: [{ match: { a: '1' }, continue: true, routes: [{ match: { b: '1' } }] }] };
    // Act
    const parent = buildRouteTree(config).routes[0]!;
    // Assess
    expect([parent.continue, parent.routes[0]!.continue]).toEqual([true, false]);
  });
});

describe('matchRoutes: continue semantics', () => {
  const config: RouteConfig = {
    receiver: 'default',
    routes: [
      { match: { team: 'db' }, receiver: 'audit', continue: true },
      { match: { team: 'nope' }, receiver: 'skipped', continue: true },
      {
        match: { team: 'db' },
        receiver: 'db',
        routes: [
          { match: { sev: 'page' }, receiver: 'db-pager', continue: true },
          { match: { sev: 'page' }, receiver: 'db-pager-2' },
          { match: { sev: 'page' }, receiver: 'db-never' },
        ],
      },
      { match: { team: 'db' }, receiver: 'after-stop' },
      { receiver: 'catch-all' },
    ],
  };

  it.each([
    [{ team: 'db', sev: 'page' }, ['audit', 'db-pager', 'db-pager-2']],
    [{ team: 'db', sev: 'info' }, ['audit', 'db']],
    [{ team: 'web' }, ['catch-all']],
    [{}, ['catch-all']],
  ])('%j goes to %j', (labels, receivers) => {
    // Prepare
    const root = buildRouteTree(config);
    // Act
    const matched = matchRoutes(root, labels);
    // Assess
    expect(matched.map((n) => n.receiver)).toEqual(receivers);
  });

  it('returns nothing when the root itself does not match', () => {
    // Prepare: the schema forbids root matchers, but the tree follows Alertmanager regardless.
    const root = buildRouteTree({ receiver: 'r', matchers: ['env="prod"'] });
    // Act
    const [miss, hit] = [matchRoutes(root, { env: 'dev' }), matchRoutes(root, { env: 'prod' })];
    // Assess
    expect(miss).toEqual([]);
    expect(hit).toEqual([root]);
  });

  it('applies regex and negative matchers with a missing label as ""', () => {
    // Prepare
    const root = buildRouteTree({
      receiver: 'default',
      routes: [
        { matchers: ['team!~".+"'], receiver: 'unowned' },
        { matchers: ['severity=~"(?i)crit.*"'], receiver: 'crit' },
      ],
    });
    // Act
    const alerts: Record<string, string>[] = [{}, { team: 'x', severity: 'CRITICAL' }, { team: 'x' }];
    const receivers = alerts.map((l) => matchRoutes(root, l)[0]!.receiver);
    // Assess
    expect(receivers).toEqual(['unowned', 'crit', 'default']);
  });
});

describe('groupLabelsFor / groupKeyFor', () => {
  // The tree and alerts of /work/shared/fixtures/alertmanager/*.json, captured from Alertmanager 0.25.
  const fixtureRoot: RouteConfig = {
    receiver: 'hook',
    group_by: ['alertname', 'service'],
    group_wait: '2s',
    group_interval: '5s',
    repeat_interval: '1h',
  };

  it.each([
    [
      { alertname: 'HighErrorRate', env: 'prod', service: 'payment-gateway', severity: 'critical' },
      '{}:{alertname="HighErrorRate", service="payment-gateway"}',
    ],
    [{ alertname: 'DiskFilling', env: 'prod', service: 'database', severity: 'warning' }, '{}:{alertname="DiskFilling", service="database"}'],
    [{ alertname: 'Manual', severity: 'warning' }, '{}:{alertname="Manual"}'],
  ])('reproduces the captured Alertmanager groupKey for %j', (labels, groupKey) => {
    // Prepare
    const root = buildRouteTree(fixtureRoot);
    const [node] = matchRoutes(root, labels);
    // Act
    const key = groupKeyFor(node!, labels);
    // Assess
    expect(key).toBe(groupKey);
  });

  it('keeps only group_by labels the alert has', () => {
    // Prepare
    const root = buildRouteTree(fixtureRoot);
    // Act
    const labels = groupLabelsFor(root, { service: 'db', alertname: 'X', env: 'prod' });
    // Assess
    expect(labels).toEqual({ alertname: 'X', service: 'db' });
    expect(Object.keys(labels)).toEqual(['alertname', 'service']);
  });

  it('prefixes the route key of a nested route', () => {
    // Prepare
    const root = buildRouteTree({
      receiver: 'r',
      group_by: ['alertname'],
      routes: [{ matchers: ['severity="critical"'], routes: [{ match_re: { team: 'a|b' }, group_by: ['team'] }] }],
    });
    const labels = { alertname: 'Down', severity: 'critical', team: 'a' };
    // Act
    const keys = matchRoutes(root, labels).map((n) => groupKeyFor(n, labels));
    // Assess
    expect(keys).toEqual(['{}/{severity="critical"}/{team=~"^(?:a|b)$"}:{team="a"}']);
  });

  it("groups by every label with group_by ['...']", () => {
    // Prepare
    const root = buildRouteTree({ receiver: 'r', group_by: ['...'] });
    const labels = { zone: 'b', alertname: 'Down', instance: 'h:9100' };
    // Act
    const key = groupKeyFor(root, labels);
    // Assess
    expect(key).toBe('{}:{alertname="Down", instance="h:9100", zone="b"}');
  });

  it('forms {} when nothing is grouped', () => {
    // Prepare
    const root = buildRouteTree({ receiver: 'r' });
    // Act
    const key = groupKeyFor(root, { alertname: 'Down' });
    // Assess
    expect(key).toBe('{}:{}');
  });

  it('lists an unsorted group_by in sorted order, in the key and in the group labels', () => {
    // Prepare
    const root = buildRouteTree({ receiver: 'r', group_by: ['service', 'alertname'] });
    const labels = { zone: 'z1', service: 'api', alertname: 'X' };
    // Act
    const groupLabels = groupLabelsFor(root, labels);
    // Assess: what Alertmanager 0.25 sends for this tree (test/e2e/group-by-differential.test.ts).
    expect(Object.keys(groupLabels)).toEqual(['alertname', 'service']);
    expect(groupKeyFor(root, labels)).toBe('{}:{alertname="X", service="api"}');
    expect(alertmanagerGroupKeyFor(root, labels)).toBe('{}:{alertname="X", service="api"}');
  });

  it('forms the Alertmanager 0.25 key from sorted name="value" pairs, and the id key from sorted names', () => {
    // Prepare: `env1` is `env` plus a digit, which sorts before `=`.
    const root = buildRouteTree({ receiver: 'r', routes: [{ matchers: ['k="digits"'], group_by: ['env1', 'env', 'a_b', 'a'] }] });
    const labels = { alertname: 'X', k: 'digits', env: 'p', env1: 'q', a: '1', a_b: '2' };
    const [node] = matchRoutes(root, labels);
    // Act
    const amKey = alertmanagerGroupKeyFor(node!, labels);
    const idKey = groupKeyFor(node!, labels);
    // Assess: the first is what the Debian Alertmanager 0.25 sent as groupKey for this tree.
    expect(amKey).toBe('{}/{k="digits"}:{a="1", a_b="2", env1="q", env="p"}');
    // Group ids hash this one; it must not change (stored groups would get new ids).
    expect(idKey).toBe('{}/{k="digits"}:{a="1", a_b="2", env="p", env1="q"}');
  });

  it('writes a label set as prometheus/common v0.38 does: pairs sorted bytewise, values Go-quoted', () => {
    // Prepare
    const labels = { a_b: '3', a1: '2', B: '4', a: '1', msg: 'say "hi"\\\n\ttab é 😀\u0001' };
    // Act
    const text = formatAlertmanagerLabelSet(labels);
    // Assess
    expect(text).toBe(String.raw`{B="4", a1="2", a="1", a_b="3", msg="say \"hi\"\\\n\ttab é 😀\x01"}`);
  });

  it('sorts label names bytewise and Go-quotes values', () => {
    // Prepare
    const labels = { a_b: '3', a1: '2', B: '4', a: '1', msg: 'say "hi"\\\n\ttab é 😀\u0001' };
    // Act
    const text = formatLabelSet(labels);
    // Assess
    expect(text).toBe(String.raw`{B="4", a="1", a1="2", a_b="3", msg="say \"hi\"\\\n\ttab é 😀\x01"}`);
  });

  it('gives same-matcher siblings the same group key, as Alertmanager does (their ids differ)', () => {
    // Prepare
    const root = buildRouteTree({
      receiver: 'r',
      group_by: ['alertname'],
      routes: [
        { match: { a: '1' }, receiver: 'x', continue: true },
        { match: { a: '1' }, receiver: 'y' },
      ],
    });
    const labels = { alertname: 'Down', a: '1' };
    // Act
    const [first, second] = matchRoutes(root, labels);
    // Assess
    expect(groupKeyFor(first!, labels)).toBe(groupKeyFor(second!, labels));
    expect(first!.id).not.toBe(second!.id);
  });
});

describe('buildRouteTree: configurations Alertmanager refuses', () => {
  it.each<[string, RouteConfig, string, RegExp]>([
    [
      "'...' mixed with labels",
      { receiver: 'r', routes: [{ group_by: ['...', 'alertname'] }] },
      'route.routes[0].group_by',
      /cannot be combined/,
    ],
    ['duplicate group_by label', { receiver: 'r', group_by: ['a', 'b', 'a'] }, 'route.group_by', /duplicated label "a"/],
    ['zero group_interval', { receiver: 'r', routes: [{ group_interval: '0s' }] }, 'route.routes[0].group_interval', /cannot be zero/],
    ['zero repeat_interval', { receiver: 'r', repeat_interval: '0' }, 'route.repeat_interval', /cannot be zero/],
    ['bad duration', { receiver: 'r', group_wait: '5 minutes' }, 'route.group_wait', /not a duration/],
    [
      'bad matcher string',
      { receiver: 'r', routes: [{ routes: [{ matchers: ['a="1"', 'team=~"(ops"'] }] }] },
      'route.routes[0].routes[0].matchers[1]',
      /invalid matcher "team=~\\"\(ops\\"": invalid regular expression/,
    ],
    [
      'bad match_re regex',
      { receiver: 'r', routes: [{ match_re: { team: 'a[' } }] },
      'route.routes[0].match_re.team',
      /invalid regular expression "a\["/,
    ],
    ['mute_time_intervals on the root', { receiver: 'r', mute_time_intervals: ['x'] }, 'route.mute_time_intervals', /root route/],
    ['active_time_intervals on the root', { receiver: 'r', active_time_intervals: ['x'] }, 'route.active_time_intervals', /root route/],
  ])('%s', (_name, config, path, message) => {
    // Prepare: the config above. Act
    let error: unknown;
    try {
      buildRouteTree(config);
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect((error as ConfigError).message).toContain(path);
  });
});
