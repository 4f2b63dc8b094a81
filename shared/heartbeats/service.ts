import { ConflictError, NotFoundError } from '../errors';
import type { Logger } from '../log';
import type { IngestMessage } from '../queues/messages';
import { ALERTS_QUEUE } from '../queues/names';
import { encodeBody, type QueuePort } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { HeartbeatStore } from '../store/port';
import { heartbeatAlert, heartbeatMessage, heartbeatsPingedBy, pinged, tick, type Heartbeat, type HeartbeatState } from './heartbeat';

export interface HeartbeatDeps {
  config: Pick<CompiledConfig, 'heartbeats'>;
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
 * A ping for heartbeat `name` at `at` (epoch ms). A ping that ends a missing spell sends the resolve
 * first and then records the ping, so a failure leaves the heartbeat missing and the caller's retry
 * (or the next ping) resolves it. NotFoundError for a name the config does not have.
 */
export async function pingHeartbeat(name: string, at: number, deps: HeartbeatDeps): Promise<HeartbeatState> {
  const hb = deps.config.heartbeats.get(name);
  if (!hb) throw new NotFoundError(`no heartbeat named ${JSON.stringify(name)} in the config`);
  for (let round = 0; ; round++) {
    const state = (await deps.heartbeats.getMany([name])).get(name);
    const { next, resolved } = pinged(state, name, at);
    if (resolved) await sendAlerts(deps.queues, `heartbeat:${name}:${resolved.missingSince}:resolved`, [heartbeatAlert(hb, resolved.missingSince, 'resolved', at)], at);
    try {
      await deps.heartbeats.put(next);
      if (resolved) deps.log.info('heartbeat pinged again; resolved', { heartbeat: name, missingForMs: at - resolved.missingSince });
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
 * The checks tick for heartbeats: start the wait of new ones, mark the overdue missing, and send
 * the alert of every missing one (re-sent each tick, see missingAlertTtlMs). A state written
 * concurrently by a ping is left for the next tick.
 */
export async function tickHeartbeats(deps: HeartbeatDeps, tickMs: number): Promise<TickResult> {
  const heartbeats = [...deps.config.heartbeats.values()];
  if (heartbeats.length === 0) return { missing: [], wentMissing: [] };
  const now = deps.clock().getTime();
  const states = await deps.heartbeats.getMany(heartbeats.map((hb) => hb.name));
  const result: TickResult = { missing: [], wentMissing: [] };
  const alerts = [];
  for (const hb of heartbeats) {
    let state = states.get(hb.name);
    const next = tick(hb, state, now);
    if (next) {
      try {
        await deps.heartbeats.put(next);
        if (next.status === 'missing' && state?.status !== 'missing') {
          result.wentMissing.push(hb.name);
          deps.log.warn('heartbeat missing', { heartbeat: hb.name, lastPingAt: new Date(next.lastPingAt).toISOString() });
        }
        state = next;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        continue;
      }
    }
    if (state?.status === 'missing' && state.missingSince !== undefined) {
      result.missing.push(hb.name);
      alerts.push(heartbeatAlert(hb, state.missingSince, 'firing', now + missingAlertTtlMs(tickMs)));
    }
  }
  if (alerts.length > 0) await sendAlerts(deps.queues, `heartbeat-tick:${now}`, alerts, now);
  return result;
}

async function sendAlerts(queues: QueuePort, id: string, alerts: IngestMessage['alerts'], now: number): Promise<void> {
  await queues.send(ALERTS_QUEUE, [{ id: 'heartbeat', body: encodeBody(queues, JSON.stringify(heartbeatMessage(id, alerts, now))) }]);
}
