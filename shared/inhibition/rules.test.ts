import { describe, it, expect } from 'vitest';
import type { Alert } from '../alerts/model';
import { fingerprint } from '../labels/fingerprint';
import { InhibitRuleConfig, compileInhibitRules, inhibitedBy, inhibitor, type InhibitRule } from './rules';

const NOW = new Date('2025-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function alert(labels: Record<string, string>, opts: { status?: 'firing' | 'resolved'; endsAt?: string } = {}): Alert {
  return {
    fingerprint: fingerprint(labels),
    status: opts.status ?? 'firing',
    labels,
    annotations: {},
    startsAt: at(-MINUTE),
    ...(opts.endsAt !== undefined ? { endsAt: opts.endsAt } : {}),
    source: 'alertmanager',
  };
}

function rules(...configs: unknown[]): InhibitRule[] {
  return compileInhibitRules(configs.map((c) => InhibitRuleConfig.parse(c)));
}

const muted = (target: Record<string, string>, sources: Alert[], rs: InhibitRule[]) => inhibitedBy(alert(target), sources, rs, NOW) !== undefined;

describe('InhibitRuleConfig', () => {
  it('accepts every Alertmanager key', () => {
    const parsed = InhibitRuleConfig.parse({
      name: 'node down mutes its services',
      source_matchers: ['alertname="NodeDown"', 'severity=~"critical|page"'],
      target_matchers: ['severity!="critical", team="infra"'],
      source_match: { job: 'node' },
      source_match_re: { instance: 'db-.*' },
      target_match: { tier: 'service' },
      target_match_re: { env: '(?i)prod' },
      equal: ['instance', 'cluster'],
    });
    const [rule] = compileInhibitRules([parsed]);
    expect(rule!.source.map(String)).toEqual(['job="node"', 'instance=~"^(?:db-.*)$"', 'alertname="NodeDown"', 'severity=~"critical|page"']);
    expect(rule!.target.map(String)).toEqual(['tier="service"', 'env=~"^(?:(?i)prod)$"', 'severity!="critical"', 'team="infra"']);
    expect(rule!.equal).toEqual(['cluster', 'instance']);
    expect(rule!.name).toBe('node down mutes its services');
  });

  it('names a bad matcher', () => {
    const r = InhibitRuleConfig.safeParse({ source_matchers: ['alertname="A"', 'severity=~"(crit"'] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['source_matchers', 1]);
    expect(r.error!.issues[0]!.message).toMatch(/^invalid matcher "severity=~\\"\(crit\\"": /);
  });

  it('names an unparsable matcher string', () => {
    const r = InhibitRuleConfig.safeParse({ target_matchers: ['just-a-word'] });
    expect(r.error!.issues[0]!.message).toContain('invalid matcher "just-a-word"');
  });

  it('rejects a bad match_re pattern, a bad label name, a bad equal entry and unknown keys', () => {
    const issues = (v: unknown) => InhibitRuleConfig.safeParse(v).error!.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ target_match_re: { env: 'a(' } })[0]![0]).toBe('target_match_re.env');
    expect(issues({ target_match_re: { env: 'a(' } })[0]![1]).toContain('invalid regular expression "a("');
    expect(issues({ source_match: { 'bad-name': 'x' } })[0]![0]).toBe('source_match.bad-name');
    expect(issues({ equal: ['ok', '1bad'] })[0]).toEqual(['equal.1', 'a label name ([a-zA-Z_][a-zA-Z0-9_]*)']);
    expect(InhibitRuleConfig.safeParse({ source_matcher: ['a="b"'] }).error!.issues[0]!.code).toBe('unrecognized_keys');
  });
});

// Equivalent of Alertmanager's TestInhibitRuleHasEqual (hasEqual without the two-sided exclusion):
// sources carry s="1", targets do not, and the target side is empty, so only `equal` decides.
describe('equal labels (TestInhibitRuleHasEqual)', () => {
  const anyRule = (equal: string[]) => rules({ source_matchers: ['s="1"'], equal });

  it('no source alerts: not inhibited', () => {
    expect(muted({ a: 'b' }, [], anyRule([]))).toBe(false);
  });

  it('no equal labels: any firing source inhibits', () => {
    expect(muted({ a: 'b' }, [alert({ s: '1', x: 'y' })], anyRule([]))).toBe(true);
  });

  it('matching but already resolved: not inhibited', () => {
    const sources = [
      alert({ s: '1', a: 'b', b: 'f' }, { endsAt: at(-1000) }),
      alert({ s: '1', a: 'b', b: 'c' }, { status: 'resolved', endsAt: at(-1000) }),
    ];
    expect(muted({ a: 'b', b: 'c' }, sources, anyRule(['a', 'b']))).toBe(false);
  });

  it('matching and unresolved: inhibited by the unresolved one', () => {
    const stale = alert({ s: '1', a: 'b', c: 'd' }, { endsAt: at(-1000) });
    const live = alert({ s: '1', a: 'b', c: 'f' }, { endsAt: at(HOUR) });
    expect(inhibitedBy(alert({ a: 'b' }), [stale, live], anyRule(['a']), NOW)).toEqual({ sourceFingerprint: live.fingerprint, rule: 0 });
  });

  it('equal label has another value: not inhibited', () => {
    expect(muted({ a: 'b' }, [alert({ s: '1', a: 'c', c: 'd' }), alert({ s: '1', a: 'c', c: 'f' })], anyRule(['a']))).toBe(false);
  });

  it('a label missing on both sides counts as equal', () => {
    expect(muted({ t: '1' }, [alert({ s: '1' })], anyRule(['cluster']))).toBe(true);
  });

  it('missing on one side and "" on the other counts as equal (Alertmanager reads missing as "")', () => {
    expect(muted({ t: '1', cluster: '' }, [alert({ s: '1' })], anyRule(['cluster']))).toBe(true);
  });

  it('a label missing on one side only is not equal', () => {
    expect(muted({ t: '1' }, [alert({ s: '1', cluster: 'c1' })], anyRule(['cluster']))).toBe(false);
    expect(muted({ t: '1', cluster: 'c1' }, [alert({ s: '1' })], anyRule(['cluster']))).toBe(false);
  });

  it('all equal labels must agree', () => {
    const src = [alert({ s: '1', cluster: 'c1', zone: 'a' })];
    expect(muted({ cluster: 'c1', zone: 'a' }, src, anyRule(['cluster', 'zone']))).toBe(true);
    expect(muted({ cluster: 'c1', zone: 'b' }, src, anyRule(['cluster', 'zone']))).toBe(false);
  });

  it('a rule with both sides empty never inhibits: every alert matches both sides', () => {
    expect(muted({ a: 'b' }, [alert({ x: 'y' })], rules({}))).toBe(false);
    expect(muted({ a: 'b' }, [alert({ x: 'y' })], rules({ equal: ['cluster'] }))).toBe(false);
  });
});

describe('resolved sources do not inhibit', () => {
  const rs = rules({ source_match: { s: '1' }, target_match: { t: '1' }, equal: ['e'] });
  const target = { t: '1', e: 'f' };

  it('status resolved', () => {
    expect(muted(target, [alert({ s: '1', e: 'f' }, { status: 'resolved', endsAt: at(-1) })], rs)).toBe(false);
  });

  it('firing, but its endsAt has passed (Alertmanager resolves at endsAt, inclusive)', () => {
    expect(muted(target, [alert({ s: '1', e: 'f' }, { endsAt: at(0) })], rs)).toBe(false);
    expect(muted(target, [alert({ s: '1', e: 'f' }, { endsAt: at(1) })], rs)).toBe(true);
  });

  it('firing without endsAt', () => {
    expect(muted(target, [alert({ s: '1', e: 'f' })], rs)).toBe(true);
  });

  // Alertmanager's TestInhibit: a source that fires inhibits, once resolved it no longer does.
  it('the same source before and after it resolves', () => {
    expect(muted(target, [], rs)).toBe(false);
    expect(muted(target, [alert({ s: '1', e: 'f' }, { endsAt: at(HOUR) })], rs)).toBe(true);
    expect(muted(target, [alert({ s: '1', e: 'f' }, { status: 'resolved', endsAt: at(-1000) })], rs)).toBe(false);
    // The source itself is not a target.
    expect(muted({ s: '1', e: 'f' }, [alert({ s: '1', e: 'f' })], rs)).toBe(false);
  });
});

// Equivalent of Alertmanager's TestInhibitRuleMatches (old-style source_match / target_match).
describe('two rules with source_match / target_match (TestInhibitRuleMatches)', () => {
  const rs = rules(
    { source_match: { s1: '1' }, target_match: { t1: '1' }, equal: ['e'] },
    { source_match: { s2: '1' }, target_match: { t2: '1' }, equal: ['e'] },
  );
  // Matches rule 1's source side only; matches rule 2's source and target sides.
  const sources = [alert({ s1: '1', t1: '2', e: '1' }, { endsAt: at(HOUR) }), alert({ s2: '1', t2: '1', e: '1' }, { endsAt: at(HOUR) })];

  it.each<[Record<string, string>, boolean, string]>([
    [{ t1: '1', e: '1' }, true, 'matches the target side of rule 1'],
    [{ t2: '1', e: '1' }, true, 'matches the target side of rule 2'],
    [{ t1: '1', t3: '1', e: '1' }, true, 'matches rule 1 plus noise'],
    [{ t1: '1', t2: '1', e: '1' }, true, 'matches the targets of both rules'],
    [{ t1: '0', e: '1' }, false, 'matches no target side'],
    [{ s1: '1', t1: '1', e: '1' }, true, 'two-sided for rule 1, but its source is one-sided'],
    [{ s2: '1', t2: '1', e: '1' }, false, 'two-sided for rule 2, and so is its only source'],
    [{ t1: '1', e: '0' }, false, 'equal label differs'],
  ])('%j → %s (%s)', (target, expected) => {
    expect(muted(target, sources, rs)).toBe(expected);
  });
});

// Equivalent of Alertmanager's TestInhibitRuleMatchers (new-style matchers, including `!=`).
describe('two rules with source_matchers / target_matchers (TestInhibitRuleMatchers)', () => {
  const rs = rules(
    { source_matchers: ['s1="1"'], target_matchers: ['t1!="1"'], equal: ['e'] },
    { source_matchers: ['s2="1"'], target_matchers: ['t2="1"'], equal: ['e'] },
  );
  const sources = [alert({ s1: '1', t1: '2', e: '1' }, { endsAt: at(HOUR) }), alert({ s2: '1', t2: '1', e: '1' }, { endsAt: at(HOUR) })];

  it.each<[Record<string, string>, boolean]>([
    [{ t1: '1', e: '1' }, false],
    [{ t2: '1', e: '1' }, true],
    [{ t1: '1', t3: '1', e: '1' }, false],
    [{ t1: '1', t2: '1', e: '1' }, true],
    // t1 absent reads as "", which `t1!="1"` matches: a target of rule 1.
    [{ t1: '0', e: '1' }, true],
    [{ s1: '1', t1: '1', e: '1' }, false],
    // Two-sided for rule 2 and excluded there, but `t1!="1"` makes it a target of rule 1.
    [{ s2: '1', t2: '1', e: '1' }, true],
    [{ t1: '1', e: '0' }, false],
  ])('%j → %s', (target, expected) => {
    expect(muted(target, sources, rs)).toBe(expected);
  });

  it('reports the rule and the source', () => {
    expect(inhibitedBy(alert({ s2: '1', t2: '1', e: '1' }), sources, rs, NOW)).toEqual({ sourceFingerprint: sources[0]!.fingerprint, rule: 0 });
    expect(inhibitedBy(alert({ t2: '1', e: '1', t1: '1' }), sources, rs, NOW)).toEqual({ sourceFingerprint: sources[1]!.fingerprint, rule: 1 });
  });
});

describe('two-sided matches', () => {
  // Alertmanager's TestInhibitRuleTwoSidedDoesNotShadow: any severity inhibits warnings in its cluster.
  const rs = rules({ target_matchers: ['severity="warning"'], equal: ['cluster'] });

  it('an alert matching both sides does not inhibit itself', () => {
    const self = alert({ alertname: 'W', cluster: 'c1', severity: 'warning' });
    expect(inhibitedBy(self, [self], rs, NOW)).toBeUndefined();
  });

  it('two alerts matching both sides do not inhibit each other', () => {
    const a = alert({ alertname: 'A', cluster: 'c1', severity: 'warning' });
    const b = alert({ alertname: 'B', cluster: 'c1', severity: 'warning' });
    expect(inhibitedBy(a, [a, b], rs, NOW)).toBeUndefined();
    expect(inhibitedBy(b, [a, b], rs, NOW)).toBeUndefined();
  });

  it('a two-sided source does not shadow a one-sided one with the same equal labels', () => {
    const twoSided = alert({ alertname: 'S2', cluster: 'c1', severity: 'warning' });
    const sourceOnly = alert({ alertname: 'S1', cluster: 'c1', severity: 'critical' });
    const target = alert({ alertname: 'T', cluster: 'c1', severity: 'warning' });
    expect(inhibitedBy(target, [twoSided, sourceOnly, target], rs, NOW)).toEqual({ sourceFingerprint: sourceOnly.fingerprint, rule: 0 });
  });

  it('a two-sided source cannot inhibit a two-sided target, but can a one-sided one', () => {
    const r = rules({ source_matchers: ['severity=~"critical|warning"'], target_matchers: ['severity="warning"'] });
    const warn = alert({ severity: 'warning', alertname: 'W' });
    expect(inhibitedBy(alert({ severity: 'warning', x: '1' }), [warn], r, NOW)).toBeUndefined();
    // A source matching both sides still inhibits a target that matches the target side only.
    const r2 = rules({ source_matchers: ['severity=~"critical|warning"'], target_matchers: ['team="db"'] });
    const dbWarn = alert({ severity: 'warning', team: 'db' });
    expect(inhibitedBy(alert({ team: 'db', alertname: 'Slow' }), [dbWarn], r2, NOW)?.sourceFingerprint).toBe(dbWarn.fingerprint);
  });
});

describe('inhibited alerts still inhibit (Alertmanager caches every source-matching alert)', () => {
  it('a chain: critical mutes warning, warning mutes info', () => {
    const rs = rules(
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['instance'] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ['instance'] },
    );
    const critical = alert({ severity: 'critical', instance: 'i1' });
    const warning = alert({ severity: 'warning', instance: 'i1' });
    const info = alert({ severity: 'info', instance: 'i1' });
    const all = [critical, warning, info];
    expect(inhibitedBy(warning, all, rs, NOW)).toEqual({ sourceFingerprint: critical.fingerprint, rule: 0 });
    expect(inhibitedBy(info, all, rs, NOW)).toEqual({ sourceFingerprint: warning.fingerprint, rule: 1 });
    expect(inhibitedBy(critical, all, rs, NOW)).toBeUndefined();
  });
});

describe('matcher semantics', () => {
  it('regex sides are anchored; negative matchers treat a missing label as ""', () => {
    const rs = rules({ source_match_re: { alertname: 'Node.*' }, target_matchers: ['alertname!~"Node.*"', 'team!="sre"'] });
    const src = [alert({ alertname: 'NodeDown' })];
    expect(muted({ alertname: 'DiskFull' }, src, rs)).toBe(true);
    expect(muted({ alertname: 'DiskFull', team: 'sre' }, src, rs)).toBe(false);
    expect(muted({ alertname: 'DiskFull' }, [alert({ alertname: 'XNodeDown' })], rs)).toBe(false);
  });

  it('the first rule that inhibits wins, in config order', () => {
    const rs = rules({ source_matchers: ['a="1"'], target_matchers: ['t="1"'] }, { source_matchers: ['b="1"'] });
    const a = alert({ a: '1' });
    const b = alert({ b: '1' });
    expect(inhibitedBy(alert({ t: '1' }), [b, a], rs, NOW)).toEqual({ sourceFingerprint: a.fingerprint, rule: 0 });
    expect(inhibitedBy(alert({ t: '2' }), [b, a], rs, NOW)).toEqual({ sourceFingerprint: b.fingerprint, rule: 1 });
  });

  it('no rules: nothing is inhibited', () => {
    expect(inhibitedBy(alert({ a: '1' }), [alert({ b: '1' })], [], NOW)).toBeUndefined();
  });

  it('label names that are Object.prototype keys are not labels', () => {
    const rs = rules({ source_matchers: ['s="1"'], equal: ['constructor'] });
    expect(muted({ t: '1' }, [alert({ s: '1' })], rs)).toBe(true);
  });
});

describe('inhibitor (indexed form)', () => {
  it('agrees with a direct scan of every source', () => {
    const rs = rules(
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ['cluster', 'service'] },
      { source_matchers: ['alertname="ClusterDown"'], equal: ['cluster'] },
      { source_matchers: ['severity=~".+"'], target_matchers: ['severity="info"'], equal: ['service'] },
    );
    const values = { severity: ['critical', 'warning', 'info', ''], cluster: ['c1', 'c2', ''], service: ['api', 'db'], alertname: ['ClusterDown', 'X'] };
    const alerts: Alert[] = [];
    let n = 0;
    for (const severity of values.severity)
      for (const cluster of values.cluster)
        for (const service of values.service)
          for (const alertname of values.alertname) {
            const labels: Record<string, string> = { alertname, service };
            if (severity) labels.severity = severity;
            if (cluster) labels.cluster = cluster;
            alerts.push(alert(labels, n++ % 5 === 0 ? { status: 'resolved', endsAt: at(-1) } : {}));
          }
    const reference = (target: Alert) => {
      for (let i = 0; i < rs.length; i++) {
        const rule = rs[i]!;
        const matches = (ms: InhibitRule['source'], l: Record<string, string>) => ms.every((m) => m.matches(l[m.name] ?? ''));
        if (!matches(rule.target, target.labels)) continue;
        const twoSided = matches(rule.source, target.labels);
        for (const s of alerts) {
          if (s.status !== 'firing' || !matches(rule.source, s.labels)) continue;
          if (!rule.equal.every((e) => (s.labels[e] ?? '') === (target.labels[e] ?? ''))) continue;
          if (twoSided && matches(rule.target, s.labels)) continue;
          return { sourceFingerprint: s.fingerprint, rule: i };
        }
      }
      return undefined;
    };
    const check = inhibitor(alerts, rs, NOW);
    let inhibited = 0;
    for (const target of alerts) {
      const got = check(target);
      expect(got).toEqual(reference(target));
      if (got) inhibited++;
    }
    expect(inhibited).toBeGreaterThan(10);
    expect(inhibited).toBeLessThan(alerts.length);
  });
});
