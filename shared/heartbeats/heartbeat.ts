import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../alerts/model';
import { fingerprint } from '../labels/fingerprint';
import { formatDuration, parseDuration } from '../primitives/duration';
import type { HeartbeatConfig } from './config';
import { formatMatchers, matchesAll, parseMatchers, type Matcher } from '../labels/matchers';

/**
 * Heartbeats (dead man's switches): the state of each, the pure transitions between its states, and
 * the alert it raises. The checks tick (service.ts) and pings apply these with a conditional write
 * on the state's version (ADR 0017).
 */

/** The alert name a missing heartbeat fires as. */
export const HEARTBEAT_ALERTNAME = 'HeartbeatMissing';

export interface Heartbeat {
  name: string;
  everyMs: number;
  graceMs: number;
  /** A firing alert matching all of these is a ping; undefined: only explicit pings count. */
  matchers: readonly Matcher[] | undefined;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** alertflow's own (self_monitoring's synthetic heartbeat): no signed ping URL. */
  builtin?: boolean;
}

export function compileHeartbeats(configs: readonly HeartbeatConfig[]): ReadonlyMap<string, Heartbeat> {
  return new Map(
    configs.map((c) => [
      c.name,
      {
        name: c.name,
        everyMs: parseDuration(c.every),
        graceMs: parseDuration(c.grace),
        matchers: c.matchers?.flatMap((m) => parseMatchers(m)),
        labels: c.labels,
        annotations: c.annotations,
      },
    ]),
  );
}

/** What config:check prints for a heartbeat: when it fires, and what pings it. */
export function describeHeartbeat(hb: Heartbeat): string {
  const by = hb.matchers ? `a ping or a firing alert matching ${formatMatchers(hb.matchers)}` : 'a ping';
  return `heartbeat ${hb.name}: ${HEARTBEAT_ALERTNAME} fires after ${formatDuration(hb.everyMs + hb.graceMs)} without ${by}`;
}

/** What is stored per heartbeat. */
export interface HeartbeatState {
  name: string;
  /** Epoch ms of the last ping, or of when alertflow started expecting one (before the first ping). */
  lastPingAt: number;
  /** Pings recorded so far (0: `lastPingAt` is when the wait for the first one started). */
  pings: number;
  /** Epoch ms of this write: the stored state expires HEARTBEAT_RETENTION_S after it. */
  writtenAt: number;
  status: 'ok' | 'missing';
  /** Epoch ms the heartbeat went missing (its deadline), while missing. */
  missingSince?: number | undefined;
  /**
   * Set by a ping that ended a missing spell: that spell's `missingSince`, until a checks tick has
   * sent its resolve. Only the tick sends a heartbeat's alerts, so a resolve never overtakes a
   * firing re-send of the same spell.
   */
  resolving?: number | undefined;
  version: number;
}

/**
 * Where heartbeat states are kept (the store adapters implement it): one per configured heartbeat,
 * written with the version conditions incidents use.
 */
export interface HeartbeatStore {
  getMany(names: readonly string[]): Promise<Map<string, HeartbeatState>>;
  /** Write `next` if the stored version is still `next.version - 1` (absent for version 1); else ConflictError. */
  put(next: HeartbeatState): Promise<void>;
}

/** Heartbeat states outlive a heartbeat removed from the config by this long after their last write. */
export const HEARTBEAT_RETENTION_S = 30 * 86_400;
/**
 * A state not written for this long is written again by the tick, so a heartbeat that stays
 * missing (no pings, nothing to change) does not expire while it is configured.
 */
const REFRESH_AFTER_MS = (HEARTBEAT_RETENTION_S - 7 * 86_400) * 1000;

/** When a heartbeat in `state` is missing if no ping comes first. */
export const deadlineOf = (hb: Heartbeat, state: Pick<HeartbeatState, 'lastPingAt'>): number => state.lastPingAt + hb.everyMs + hb.graceMs;

/**
 * A ping at `at`: the heartbeat is ok. One that ends a missing spell leaves the spell's resolve to
 * the next tick (`resolving`). A ping older than the last one (a delayed Watchdog) moves nothing back.
 */
export function pinged(state: HeartbeatState | undefined, name: string, at: number): HeartbeatState {
  const resolving = state?.status === 'missing' ? state.missingSince : state?.resolving;
  return {
    name,
    lastPingAt: Math.max(state?.lastPingAt ?? at, at),
    pings: (state?.pings ?? 0) + 1,
    writtenAt: Math.max(state?.writtenAt ?? at, at),
    status: 'ok',
    ...(resolving === undefined ? {} : { resolving }),
    version: (state?.version ?? 0) + 1,
  };
}

/**
 * The checks tick at `now`: what it sends, and the state to write (undefined: nothing changes). A
 * heartbeat seen for the first time starts its wait now (it was never pinged, so its first deadline
 * is one period away); one past its deadline goes missing; a missing one's alert is sent again; a
 * spell a ping ended is resolved.
 */
export function tick(hb: Heartbeat, state: HeartbeatState | undefined, now: number): { next?: HeartbeatState; firing?: number; resolve?: { missingSince: number; at: number } } {
  if (!state) return { next: { name: hb.name, lastPingAt: now, pings: 0, writtenAt: now, status: 'ok', version: 1 } };
  const { resolving, ...rest } = state;
  const resolve = resolving === undefined ? undefined : { missingSince: resolving, at: state.lastPingAt };
  if (state.status === 'ok' && now >= deadlineOf(hb, state)) {
    const missingSince = deadlineOf(hb, state);
    return { next: { ...rest, status: 'missing', missingSince, writtenAt: now, version: state.version + 1 }, firing: missingSince, ...(resolve ? { resolve } : {}) };
  }
  const firing = state.status === 'missing' ? state.missingSince : undefined;
  const write = resolve !== undefined || now - state.writtenAt >= REFRESH_AFTER_MS;
  return { ...(write ? { next: { ...rest, writtenAt: now, version: state.version + 1 } } : {}), ...(resolve ? { resolve } : {}), ...(firing === undefined ? {} : { firing }) };
}

/** The labels of a heartbeat's alert: its own, under the fixed alertname and its name. */
export const heartbeatLabels = (hb: Pick<Heartbeat, 'name' | 'labels'>): Record<string, string> => ({ ...hb.labels, alertname: HEARTBEAT_ALERTNAME, heartbeat: hb.name });

/**
 * The alert of a missing heartbeat. Firing, it is re-sent on every tick with `endsAt` a few ticks
 * ahead, as Prometheus re-sends its alerts: if the ticks stop sending it (the heartbeat pinged, or
 * a resolve was lost), it resolves by itself.
 */
export function heartbeatAlert(hb: Heartbeat, missingSince: number, status: 'firing' | 'resolved', endsAt: number): Alert {
  const labels = heartbeatLabels(hb);
  return {
    fingerprint: fingerprint(labels),
    status,
    labels,
    annotations: {
      summary: `Heartbeat ${hb.name} missing: no ping since ${new Date(missingSince - hb.everyMs - hb.graceMs).toISOString()}`,
      description: `${hb.name} expects a ping at least every ${formatDuration(hb.everyMs)}${hb.graceMs > 0 ? ` (with ${formatDuration(hb.graceMs)} of grace)` : ''}.`,
      ...hb.annotations,
    },
    startsAt: new Date(missingSince).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    source: 'generic',
  };
}

/** The heartbeats a firing alert checks in for (those with matchers it matches). */
export function heartbeatsPingedBy(heartbeats: ReadonlyMap<string, Heartbeat>, alert: Pick<Alert, 'status' | 'labels'>): string[] {
  if (alert.status !== 'firing') return [];
  const out: string[] = [];
  for (const hb of heartbeats.values()) if (hb.matchers && hb.matchers.length > 0 && matchesAll(hb.matchers, alert.labels)) out.push(hb.name);
  return out;
}

/**
 * The key of a heartbeat's ping URL (`/v1/heartbeats/<name>/<key>`), for cron jobs that cannot set
 * a header: HMAC-SHA256 of its name under the link signing key. It lets its holder ping that one
 * heartbeat and nothing else.
 */
export function pingKey(signingKey: string, name: string): string {
  return createHmac('sha256', signingKey).update(`alertflow-heartbeat-v1\n${name}`).digest('base64url');
}

/** Whether `key` is the ping key of `name` under one of `signingKeys` (constant time). */
export function verifyPingKey(signingKeys: readonly string[], name: string, key: string): boolean {
  if (!/^[A-Za-z0-9_-]{43}$/.test(key)) return false;
  // Compared as text: the last of 43 base64url characters carries 2 unused bits, so decoding would
  // let four spellings of one key through.
  const given = Buffer.from(key, 'ascii');
  return signingKeys.some((k) => timingSafeEqual(Buffer.from(pingKey(k, name), 'ascii'), given));
}
