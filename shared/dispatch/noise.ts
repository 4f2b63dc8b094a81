import type { Receiver } from '../config/schema';
import { parseDuration } from '../primitives/duration';
import { statusAt, type Alert } from '../alerts/model';
import { inhibitor, type InhibitionSource, type InhibitRule } from '../inhibition/rules';
import { matchesAll } from '../labels/matchers';
import type { Logger } from '../log';
import type { RouteNode } from '../routing/route-tree';
import { activeIntervalNames } from '../timeinterval/intervals';
import type { CompiledConfig } from '../runtime/compiled-config';
import { silences as silencesOf, type Silence } from '../silences/model';
import type { GroupAlert, GroupState } from '../grouping/model';
import { cooldownKey, inhibitPartition } from '../store/noise';
import type { CooldownStore, InhibitionSourceStore } from '../store/port';

/**
 * What a flush needs to know from outside its group: silences, inhibiting alerts, time intervals and
 * cooldowns. Reads are memoized per batch, so many groups flushing together share them.
 */
export interface NoiseReads {
  silences(): Promise<readonly Silence[]>;
  inhibitionSources(partition: string): Promise<readonly InhibitionSource[]>;
  cooldowns: CooldownStore;
  /** Where a silence left unevaluated (over the per-alert match budget) is reported. */
  log?: Logger | undefined;
}

/**
 * `batch`: the alerts the batch brings, and the inhibit rules. The index of inhibiting sources is
 * written once the batch's groups are stored, so on its own it lags the batch: a group flushing in
 * the batch that brought a source (its own alert, or another group's) would not see it, nor see a
 * source the batch resolved go. Alertmanager's inhibitor caches every alert as it is received,
 * before any flush, so the batch's alerts stand over the index: the latest of each fingerprint,
 * firing or resolved, in place of what the index holds for it.
 */
export function batchReads(
  deps: { silences: () => Promise<readonly Silence[]>; inhibitions: InhibitionSourceStore; cooldowns: CooldownStore; log?: Logger | undefined },
  now: Date,
  batch?: { alerts: readonly Alert[]; rules: readonly InhibitRule[] },
): NoiseReads {
  let silences: Promise<readonly Silence[]> | undefined;
  const partitions = new Map<string, Promise<readonly InhibitionSource[]>>();
  const brought = batchSources(batch?.alerts ?? [], batch?.rules ?? []);
  return {
    silences: () => (silences ??= deps.silences()),
    inhibitionSources: (partition) => {
      let p = partitions.get(partition);
      if (!p) {
        const indexed = deps.inhibitions.query(partition, now);
        p = brought.fingerprints.size === 0 ? indexed : indexed.then((list) => [...list.filter((s) => !brought.fingerprints.has(s.fingerprint)), ...(brought.byPartition.get(partition) ?? [])]);
        partitions.set(partition, p);
      }
      return p;
    },
    cooldowns: deps.cooldowns,
    log: deps.log,
  };
}

/**
 * The batch's alerts as inhibition sources: every fingerprint it brings (the later alert of one
 * sent twice wins, as the merge takes it), and those matching a rule's source side by partition.
 */
function batchSources(alerts: readonly Alert[], rules: readonly InhibitRule[]): { fingerprints: Set<string>; byPartition: Map<string, InhibitionSource[]> } {
  const latest = new Map<string, Alert>();
  if (rules.length > 0) for (const a of alerts) latest.set(a.fingerprint, a);
  const byPartition = new Map<string, InhibitionSource[]>();
  for (const a of latest.values()) {
    for (const rule of rules) {
      if (!matchesAll(rule.source, a.labels)) continue;
      const partition = inhibitPartition(rule, a.labels);
      const list = byPartition.get(partition);
      const source: InhibitionSource = { fingerprint: a.fingerprint, labels: a.labels, status: a.status, endsAt: a.endsAt };
      if (list) list.push(source);
      else byPartition.set(partition, [source]);
    }
  }
  return { fingerprints: new Set(latest.keys()), byPartition };
}

/** Whether the route may not notify at `now`: a mute interval is active, or no active interval is. */
export function timeMuted(route: RouteNode, config: CompiledConfig, now: Date): boolean {
  if (activeIntervalNames(route.muteTimeIntervals, config.timeIntervals, now).length > 0) return true;
  return route.activeTimeIntervals.length > 0 && activeIntervalNames(route.activeTimeIntervals, config.timeIntervals, now).length === 0;
}

/**
 * Alertmanager's inhibition mute: the group's alerts an inhibiting source mutes now, each with the
 * source's fingerprint.
 */
export async function inhibitedAlerts(group: GroupState, config: CompiledConfig, reads: NoiseReads, now: Date): Promise<Map<string, string>> {
  const inhibited = new Map<string, string>();
  const rules = config.inhibitRules;
  if (rules.length === 0) return inhibited;
  const alerts = Object.values(group.alerts);
  const partitions = new Set<string>();
  for (const a of alerts) for (const rule of rules) if (matchesAll(rule.target, a.labels)) partitions.add(inhibitPartition(rule, a.labels));
  if (partitions.size === 0) return inhibited;
  const sources = (await Promise.all([...partitions].map((p) => reads.inhibitionSources(p)))).flat();
  const inhibitedBy = inhibitor(sources, rules, now);
  for (const a of alerts) {
    const by = inhibitedBy(a);
    if (by) inhibited.set(a.fingerprint, by.sourceFingerprint);
  }
  return inhibited;
}

export interface Silenced {
  /** The silences muting each silenced alert, by fingerprint. */
  by: Map<string, string[]>;
  /** When the earliest silence muting a firing alert ends (the group is flushed again then, if not on an earlier tick). */
  endsAt?: number | undefined;
}

/** Alertmanager's silence mute: the group's alerts active silences match now. */
export async function silencedAlerts(group: GroupState, reads: NoiseReads, now: Date): Promise<Silenced> {
  const result: Silenced = { by: new Map() };
  const list = await reads.silences();
  if (list.length === 0) return result;
  const ends = new Map(list.map((s) => [s.id, Date.parse(s.ends_at)]));
  for (const a of Object.values(group.alerts)) {
    // Fail open (see `silences`): the alert is notified; say which silence and label, never the value.
    const ids = silencesOf(a, list, now, (skipped) =>
      reads.log?.warn('silence not evaluated: its regex would exceed the per-alert match budget, so it does not silence this alert', {
        ...skipped,
        fingerprint: a.fingerprint,
      }),
    );
    if (ids.length === 0) continue;
    result.by.set(a.fingerprint, ids);
    if (statusAt(a, now.getTime()) === 'firing') {
      const end = Math.min(...ids.map((id) => ends.get(id) ?? Infinity));
      result.endsAt = Math.min(result.endsAt ?? Infinity, end);
    }
  }
  return result;
}

export interface CooldownSettings {
  ms: number;
  by: 'group' | 'alert';
}

/** The route's cooldown, else the receiver's; undefined when neither sets one. */
export function cooldownOf(route: RouteNode, receiver: Receiver): CooldownSettings | undefined {
  const ms = route.cooldownMs ?? (receiver.cooldown ? parseDuration(receiver.cooldown) : undefined);
  if (!ms) return undefined;
  return { ms, by: route.cooldownBy ?? receiver.cooldown_by ?? 'group' };
}

export function cooldownKeys(settings: CooldownSettings, group: GroupState, alerts: readonly GroupAlert[]) {
  return settings.by === 'group'
    ? [cooldownKey(group.receiver, { groupId: group.groupId })]
    : alerts.map((a) => cooldownKey(group.receiver, { fingerprint: a.fingerprint }));
}

/** The live cooldowns of a group (`group`) or of its firing alerts (`alerts`, by fingerprint). */
export async function cooldownsFor(
  settings: CooldownSettings | undefined,
  group: GroupState,
  reads: NoiseReads,
  now: Date,
): Promise<{ group?: number | undefined; alerts: Map<string, number> }> {
  const alerts = new Map<string, number>();
  if (!settings) return { alerts };
  const firing = Object.values(group.alerts).filter((a) => statusAt(a, now.getTime()) === 'firing');
  const keys = cooldownKeys(settings, group, firing);
  const live = await reads.cooldowns.getMany(keys, now);
  if (settings.by === 'group') return { group: live.get(keys[0]!.pk), alerts };
  firing.forEach((a, i) => {
    const until = live.get(keys[i]!.pk);
    if (until !== undefined) alerts.set(a.fingerprint, until);
  });
  return { alerts };
}

/**
 * Whether every firing alert of the group is muted now, and by what: silenced when silences mute
 * them all, else inhibited. Undefined when some firing alert would be heard (or none fires).
 */
export async function groupMuted(group: GroupState, config: CompiledConfig, reads: NoiseReads, now: Date): Promise<'silenced' | 'inhibited' | undefined> {
  const firing = Object.values(group.alerts).filter((a) => statusAt(a, now.getTime()) === 'firing');
  if (firing.length === 0) return undefined;
  const silenced = await silencedAlerts(group, reads, now);
  if (firing.every((a) => silenced.by.has(a.fingerprint))) return 'silenced';
  const inhibited = await inhibitedAlerts(group, config, reads, now);
  return firing.every((a) => silenced.by.has(a.fingerprint) || inhibited.has(a.fingerprint)) ? 'inhibited' : undefined;
}
