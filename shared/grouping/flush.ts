import { statusAt } from '../alerts/model';
import type { ChannelEntry } from '../channels/keys';
import type { RouteNode } from '../routing/route-tree';
import type { GroupAlert, GroupState, NflogEntry } from './model';
import { isFlapping } from './flapping';
import { needsUpdate } from './nflog';

/**
 * One group flush, as Alertmanager's notification pipeline runs it (mute stages, then per channel
 * dedup against the notification log), plus alertflow's cooldowns and flap damping. Pure: the caller
 * gathers silences, inhibitions and cooldowns, and applies storm protection to the result.
 */

/** Why an alert is left out of notifications at this flush. */
export interface AlertMute {
  silencedBy?: string[];
  inhibitedBy?: string;
}

export interface FlushInputs {
  group: GroupState;
  route: RouteNode;
  channels: readonly ChannelEntry[];
  now: number;
  /** Silenced and inhibited alerts by fingerprint (Alertmanager's mute stages). */
  mutes: ReadonlyMap<string, AlertMute>;
  /**
   * Until when (epoch ms) new pages are held: for the whole group, and per alert. A page is a firing
   * alert the channel has not been told about; resolves and repeats are never held.
   */
  cooldown: { group?: number | undefined; alerts: ReadonlyMap<string, number> };
  /** Firing alerts whose page failed for good: sending them again is not a new page, so no cooldown holds it. */
  repaging?: ReadonlySet<string> | undefined;
}

export interface FlushPlan {
  /** The notification log after the flush (changed entries have `at === now`). */
  nflog: Record<string, NflogEntry>;
  /** Channel entries whose log changed: they are notified (or, without alerts to show, only logged). */
  updated: string[];
  /** Fingerprints notified as newly firing on some channel: pages, which start cooldowns. */
  paged: string[];
  /** New pages held back by a cooldown, and when the earliest cooldown ends. */
  cooldownHeld: string[];
  cooldownUntil?: number | undefined;
}

export const channelKey = (ch: Pick<ChannelEntry, 'type' | 'index'>): string => `${ch.type}.${ch.index}`;

/** A channelKey (`slack.0`) as people read it and the API shows it: `slack[0]`. */
export function channelLabel(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? key : `${key.slice(0, dot)}[${key.slice(dot + 1)}]`;
}


export function planFlush(input: FlushInputs): FlushPlan {
  const { group, route, now } = input;
  const nflog: Record<string, NflogEntry> = { ...group.nflog };
  const plan: FlushPlan = { nflog, updated: [], paged: [], cooldownHeld: [] };
  // Alertmanager stops the pipeline when the mute stages leave no alerts: nothing is logged.
  const included = Object.values(group.alerts).filter((a) => !input.mutes.has(a.fingerprint));
  if (included.length === 0) return plan;

  const paged = new Set<string>();
  const held = new Set<string>();
  for (const ch of input.channels) {
    const key = channelKey(ch);
    const entry = group.nflog[key];
    const firing = new Set<string>();
    const resolved = new Set<string>();
    for (const a of included) {
      const status = notifiedStatus(a, group, route, entry, now);
      if (status === 'resolved') {
        resolved.add(a.fingerprint);
        continue;
      }
      const isNew = !entry?.firing.includes(a.fingerprint);
      const until = Math.max(input.cooldown.group ?? 0, input.cooldown.alerts.get(a.fingerprint) ?? 0);
      if (isNew && until > now && !input.repaging?.has(a.fingerprint)) {
        held.add(a.fingerprint);
        plan.cooldownUntil = Math.min(plan.cooldownUntil ?? Infinity, until);
        continue;
      }
      firing.add(a.fingerprint);
    }
    if (!needsUpdate(entry, firing, resolved, ch.sendResolved, route.repeatIntervalMs, now)) continue;
    nflog[key] = { firing: [...firing].sort(), resolved: [...resolved].sort(), at: now };
    plan.updated.push(key);
    for (const fp of firing) if (!entry?.firing.includes(fp)) paged.add(fp);
  }
  plan.paged = [...paged].sort();
  plan.cooldownHeld = [...held].filter((fp) => !paged.has(fp)).sort();
  return plan;
}

/**
 * The status a channel is told. A flapping alert that was notified within its flap window keeps the
 * status the channel last heard, so its edges inside the window are not news.
 */
function notifiedStatus(a: GroupAlert, group: GroupState, route: RouteNode, entry: NflogEntry | undefined, now: number): 'firing' | 'resolved' {
  const actual = statusAt(a, now);
  const flap = group.flaps[a.fingerprint];
  if (!route.flapping || !flap?.notifiedAt || now >= flap.notifiedAt + route.flapping.windowMs) return actual;
  if (!isFlapping(flap, route.flapping, now)) return actual;
  if (entry?.firing.includes(a.fingerprint)) return 'firing';
  if (entry?.resolved.includes(a.fingerprint)) return 'resolved';
  return actual;
}
