import * as z from 'zod';
import { statusAt, type Alert } from '../alerts/model';
import { LabelName, labelMap, MatcherString, RegexString } from '../primitives/schemas';
import {
  labelValuesKey,
  matcherFromMatch,
  matcherFromMatchRe,
  matchesAll,
  parseMatchers,
  type Matcher,
} from '../labels/matchers';

/**
 * Alertmanager inhibition (`inhibit/inhibit.go`): while a firing alert matches a rule's source side,
 * alerts matching its target side whose `equal` labels have the same values are muted.
 *
 * Semantics mirrored from Alertmanager:
 *   - only firing sources count: `status: 'firing'` and no `endsAt` at or before `now`
 *     (Alertmanager's `ResolvedAt(now)`);
 *   - `equal` compares values with a missing label read as "", so a label absent on both sides (or
 *     absent on one side and "" on the other) is equal; absent on one side only is not;
 *   - an alert matching both sides of a rule is not inhibited by a source that also matches both
 *     sides (`excludeTwoSidedMatch`), so such alerts cannot mute each other or themselves; a source
 *     matching only the source side still inhibits it;
 *   - a source inhibits whatever its own state: Alertmanager caches every alert that matches the
 *     source matchers, inhibited or silenced ones included, so callers must pass all firing alerts,
 *     not only the unmuted ones;
 *   - the target's own status is not consulted (Alertmanager mutes resolved notifications too).
 */

/** A label name in the classic grammar, as `group_by` and `match` keys take them. */
/** One `inhibit_rules[]` entry, keys as in alertmanager.yml. */
export const InhibitRuleConfig = z
  .object({
    /** Optional, for logs and the API (Alertmanager has it too). */
    name: z.string().min(1).optional(),
    source_matchers: z.array(MatcherString).optional(),
    target_matchers: z.array(MatcherString).optional(),
    /** Older forms, still accepted by Alertmanager; combined with the matchers above (AND). */
    source_match: labelMap(z.string()).optional(),
    source_match_re: labelMap(RegexString).optional(),
    target_match: labelMap(z.string()).optional(),
    target_match_re: labelMap(RegexString).optional(),
    /** Labels whose values must be the same on source and target. */
    equal: z.array(LabelName).optional(),
  })
  .strict();
export type InhibitRuleConfig = z.infer<typeof InhibitRuleConfig>;

/** A rule ready to evaluate. An empty side matches every alert, as in Alertmanager. */
export interface InhibitRule {
  name?: string | undefined;
  source: readonly Matcher[];
  target: readonly Matcher[];
  /** Sorted and deduplicated. */
  equal: readonly string[];
}

export interface Inhibition {
  /** Fingerprint of the firing alert that inhibits the target. */
  sourceFingerprint: string;
  /** Index of the rule in `inhibit_rules`. */
  rule: number;
}

/** The alert fields inhibition reads; full Alerts (or stored group alerts) fit. */
export type InhibitionTarget = Pick<Alert, 'labels'>;
export type InhibitionSource = Pick<Alert, 'fingerprint' | 'labels' | 'status' | 'endsAt'>;

/** Compile validated configs. Throws MatcherParseError on a bad matcher (the schema rejects those first). */
export function compileInhibitRules(configs: readonly InhibitRuleConfig[]): InhibitRule[] {
  return configs.map((c) => ({
    name: c.name,
    // Same order as Alertmanager's NewInhibitRule; order does not change the result.
    source: sideMatchers(c.source_match, c.source_match_re, c.source_matchers),
    target: sideMatchers(c.target_match, c.target_match_re, c.target_matchers),
    equal: [...new Set(c.equal ?? [])].sort(),
  }));
}

function sideMatchers(
  match: Record<string, string> | undefined,
  matchRe: Record<string, string> | undefined,
  matchers: readonly string[] | undefined,
): Matcher[] {
  return [
    ...Object.entries(match ?? {}).map(([name, value]) => matcherFromMatch(name, value)),
    ...Object.entries(matchRe ?? {}).map(([name, re]) => matcherFromMatchRe(name, re)),
    ...(matchers ?? []).flatMap((line) => parseMatchers(line)),
  ];
}

/**
 * Whether `target` is inhibited, and by which source and rule (the first rule in order that
 * inhibits it, and the first qualifying source in `firingSources` order). `firingSources` may be
 * every current alert: resolved ones are skipped here, and the target may be among them.
 */
export function inhibitedBy(
  target: InhibitionTarget,
  firingSources: readonly InhibitionSource[],
  rules: readonly InhibitRule[],
  now: Date = new Date(),
): Inhibition | undefined {
  return inhibitor(firingSources, rules, now)(target);
}

/**
 * `inhibitedBy` for many targets against one set of sources: sources are filtered and bucketed by
 * their `equal` values once, so each target costs a lookup per rule instead of a scan.
 */
export function inhibitor(
  firingSources: readonly InhibitionSource[],
  rules: readonly InhibitRule[],
  now: Date = new Date(),
): (target: InhibitionTarget) => Inhibition | undefined {
  const t = now.getTime();
  const firing = firingSources.filter((a) => statusAt(a, t) === 'firing');
  const buckets = rules.map((rule) => {
    const byEqual = new Map<string, InhibitionSource[]>();
    for (const a of firing) {
      if (!matchesAll(rule.source, a.labels)) continue;
      const key = equalKey(rule, a.labels);
      const list = byEqual.get(key);
      if (list) list.push(a);
      else byEqual.set(key, [a]);
    }
    return byEqual;
  });

  return (target) => {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!matchesAll(rule.target, target.labels)) continue;
      const candidates = buckets[i]!.get(equalKey(rule, target.labels));
      if (!candidates) continue;
      // Only a target that is itself a source needs the two-sided exclusion.
      const twoSided = matchesAll(rule.source, target.labels);
      const source = twoSided ? candidates.find((a) => !matchesAll(rule.target, a.labels)) : candidates[0];
      if (source) return { sourceFingerprint: source.fingerprint, rule: i };
    }
    return undefined;
  };
}

// Missing labels read as "", as Alertmanager's `a.Labels[n] != lset[n]` does.
function equalKey(rule: InhibitRule, labels: Readonly<Record<string, string>>): string {
  return labelValuesKey(labels, rule.equal);
}
