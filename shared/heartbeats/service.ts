import { ConflictError, NotFoundError } from '../errors';
import type { Logger } from '../log';
import type { IngestMessage } from '../queues/messages';
import { sendGeneratedAlerts } from '../queues/generated-alerts';
import type { QueuePort } from '../queues/port';
import { heartbeatAlert, heartbeatsPingedBy, pinged, tick, type Heartbeat, type HeartbeatState, type HeartbeatStore } from './heartbeat';

export interface HeartbeatDeps {
  /** The compiled config's heartbeats (CompiledConfig has them). */
  config: { heartbeats: ReadonlyMap<string, Heartbeat> };
  heartbeats: HeartbeatStore;
  queues: QueuePort;
  clock: () => Date;
  log: Logger;
}

/** How often the checks tick runs deployed (its rate schedule); the local runtime ticks every second. */
export const CHECKS_TICK_MS = 60_000;

/**
 * How far ahead a missing heartbeat's alert ends, re-sent each tick: five ticks, at least 30 s. If
 * the ticks stop re-sending it (a ping resolved it, or its resolve was lost), it resolves then.
 */
export const missingAlertTtlMs = (tickMs: number): number => Math.max(30_000, 5 * tickMs);

const MAX_CONFLICT_ROUNDS = 5;

/**
 * A ping for heartbeat `name` at `at` (epoch ms): recorded, and a missing heartbeat is ok again (its
 * resolve is the next tick's to send). NotFoundError for a name the config does not have.
 */
export async function pingHeartbeat(name: string, at: number, deps: HeartbeatDeps): Promise<HeartbeatState> {
  if (!deps.config.heartbeats.has(name)) throw new NotFoundError(`no heartbeat named ${JSON.stringify(name)} in the config`);
  for (let round = 0; ; round++) {
    const state = (await deps.heartbeats.getMany([name])).get(name);
    const next = pinged(state, name, at);
    try {
      await deps.heartbeats.put(next);
      if (state?.status === 'missing') deps.log.info('heartbeat pinged again', { heartbeat: name, missingForMs: at - (state.missingSince ?? at) });
      return next;
    } catch (err) {
      // Another ping or the tick wrote meanwhile: apply this ping to what they wrote.
      if (!(err instanceof ConflictError) || round + 1 >= MAX_CONFLICT_ROUNDS) throw err;
    }
  }
}

/**
 * Record a batch's pings (the latest per heartbeat). Returns the heartbeats whose ping could not be
 * recorded (their messages are retried). A heartbeat the config no longer has is dropped, logged.
 */
export async function recordPings(pings: ReadonlyMap<string, number>, deps: HeartbeatDeps): Promise<Set<string>> {
  const failed = new Set<string>();
  await Promise.all(
    [...pings].map(async ([name, at]) => {
      try {
        await pingHeartbeat(name, at, deps);
      } catch (err) {
        if (err instanceof NotFoundError) return deps.log.warn('ping for a heartbeat the config does not have; dropped', { heartbeat: name });
        deps.log.warn('heartbeat ping could not be recorded', { heartbeat: name, err });
        failed.add(name);
      }
    }),
  );
  return failed;
}

/** Pings from firing alerts that match a heartbeat's matchers (a Watchdog): the latest receive time per heartbeat. */
export function pingsIn(messages: readonly IngestMessage[], heartbeats: ReadonlyMap<string, Heartbeat>): Map<string, number> {
  const out = new Map<string, number>();
  if (![...heartbeats.values()].some((hb) => hb.matchers)) return out;
  for (const m of messages) {
    const at = Date.parse(m.receivedAt);
    for (const alert of m.alerts) for (const name of heartbeatsPingedBy(heartbeats, alert)) out.set(name, Math.max(out.get(name) ?? at, at));
  }
  return out;
}

export interface TickResult {
  /** Heartbeats missing after this tick (their alerts were sent). */
  missing: string[];
  /** Heartbeats that went missing at this tick. */
  wentMissing: string[];
}

/**
 * The checks tick for heartbeats: start the wait of new ones, mark the overdue missing, re-send the
 * alert of every missing one (see missingAlertTtlMs) and resolve the spells pings ended. The
 * alerts go out first and the states are written after: a state a ping wrote meanwhile loses
 * nothing (its resolve is sent at the next tick, after this tick's alerts). The tick is the only
 * sender of a heartbeat's alerts.
 */
export async function tickHeartbeats(deps: HeartbeatDeps, tickMs: number): Promise<TickResult> {
  const heartbeats = [...deps.config.heartbeats.values()];
  if (heartbeats.length === 0) return { missing: [], wentMissing: [] };
  const now = deps.clock().getTime();
  const states = await deps.heartbeats.getMany(heartbeats.map((hb) => hb.name));
  const result: TickResult = { missing: [], wentMissing: [] };
  const alerts = [];
  const writes: HeartbeatState[] = [];
  for (const hb of heartbeats) {
    const state = states.get(hb.name);
    const { next, firing, resolve } = tick(hb, state, now);
    // A resolve before a firing of the same heartbeat: the router keeps the last of one alert's copies.
    if (resolve) alerts.push(heartbeatAlert(hb, resolve.missingSince, 'resolved', resolve.at));
    if (firing !== undefined) {
      result.missing.push(hb.name);
      alerts.push(heartbeatAlert(hb, firing, 'firing', now + missingAlertTtlMs(tickMs)));
      if (state?.status !== 'missing') result.wentMissing.push(hb.name);
    }
    if (next) writes.push(next);
  }
  if (alerts.length > 0) await sendGeneratedAlerts(deps.queues, `heartbeat-tick:${now}`, alerts, now);
  for (const next of writes) {
    try {
      await deps.heartbeats.put(next);
      if (next.status === 'missing' && states.get(next.name)?.status !== 'missing') deps.log.warn('heartbeat missing', { heartbeat: next.name, lastPingAt: new Date(next.lastPingAt).toISOString() });
    } catch (err) {
      // A ping wrote first: the next tick starts from what it wrote.
      if (!(err instanceof ConflictError)) throw err;
      if (result.wentMissing.includes(next.name)) await resolveOvertaken(deps, deps.config.heartbeats.get(next.name)!, next.missingSince!, now);
    }
  }
  return result;
}

/**
 * The heartbeat went missing at this tick, its alert is sent, and a ping wrote between the tick's
 * read and its write. That ping read the heartbeat as ok, so it marked no spell to resolve: resolve
 * the one just fired now, rather than leave it to run out at its `endsAt`.
 */
async function resolveOvertaken(deps: HeartbeatDeps, hb: Heartbeat, missingSince: number, now: number): Promise<void> {
  const fresh = (await deps.heartbeats.getMany([hb.name])).get(hb.name);
  if (!fresh || fresh.status === 'missing' || fresh.lastPingAt <= missingSince - hb.everyMs - hb.graceMs) return;
  deps.log.info('heartbeat pinged while the tick marked it missing; its alert is resolved', { heartbeat: hb.name });
  await sendGeneratedAlerts(deps.queues, `heartbeat-tick:${now}:${hb.name}:overtaken`, [heartbeatAlert(hb, missingSince, 'resolved', Math.max(fresh.lastPingAt, missingSince))], now);
}
