import { deadlineOf, type Heartbeat, type HeartbeatStore } from '../heartbeats/heartbeat';
import type { QueueDepth, QueueDepths } from '../queues/port';
import { SYNTHETIC_HEARTBEAT } from './config';
import { CHECKS_TICK, type TickStore } from './ticks';

/**
 * What GET /v1/health?deep=1 reports (shared/api/health.ts serves it): what an operator asks when
 * alerts seem not to arrive. Queue and DLQ depths, when the checks tick last completed, and the
 * synthetic heartbeat. Bounded work: one read per reported queue, one item, one heartbeat state.
 */
export interface DeepHealthDeps {
  config: { heartbeats: ReadonlyMap<string, Heartbeat> };
  /** Undefined where the function has no queue list (then no queues are reported). */
  queueDepths?: QueueDepths | undefined;
  ticks: TickStore;
  heartbeats: HeartbeatStore;
  /** The checks tick's period (the local runtime's is shorter). */
  checksTickMs: number;
}

/** The checks tick counts as late after this many periods without a completed run. */
export const LATE_AFTER_TICKS = 3;

export interface DeepHealth {
  status: 'ok' | 'degraded';
  time: string;
  /** What is wrong, in words; empty when the status is ok. */
  problems: string[];
  queues: Array<{ name: string; visible: number; not_visible: number; dlq: string | null; error?: string }>;
  dlqs: Array<{ name: string; messages: number; error?: string }>;
  checks_tick: { status: 'ok' | 'late' | 'pending'; last_run_at: string | null; every_ms: number };
  /** Null without `self_monitoring`. */
  synthetic_heartbeat: { name: string; status: 'ok' | 'missing' | 'pending'; last_ping_at: string | null; deadline: string | null; every_ms: number } | null;
}

export async function deepHealth(deps: DeepHealthDeps, now: Date): Promise<DeepHealth> {
  const synthetic = deps.config.heartbeats.get(SYNTHETIC_HEARTBEAT);
  const [depths, lastTick, states] = await Promise.all([
    deps.queueDepths?.depths() ?? Promise.resolve([] as QueueDepth[]),
    deps.ticks.last(CHECKS_TICK),
    synthetic ? deps.heartbeats.getMany([synthetic.name]) : Promise.resolve(undefined),
  ]);
  const problems: string[] = [];
  const names = new Set(depths.map((d) => d.name));
  const sorted = [...depths].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of sorted) if (d.error) problems.push(`${d.name}: depth not readable (${d.error})`);
  const dlqs = sorted.filter((d) => d.name.endsWith('-dlq'));
  for (const d of dlqs) {
    const messages = d.visible + d.notVisible;
    if (messages > 0) problems.push(`${d.name} holds ${messages} message(s) that failed every retry`);
  }

  const lateMs = LATE_AFTER_TICKS * deps.checksTickMs;
  const tickStatus = lastTick === undefined ? 'pending' : now.getTime() - lastTick.getTime() > lateMs ? 'late' : 'ok';
  if (tickStatus === 'pending') problems.push('the checks tick has not completed a run yet');
  if (tickStatus === 'late') problems.push(`the checks tick last completed at ${lastTick!.toISOString()} (it runs every ${deps.checksTickMs / 1000}s)`);

  let heartbeat: DeepHealth['synthetic_heartbeat'] = null;
  if (synthetic) {
    const state = states?.get(synthetic.name);
    const deadline = state ? deadlineOf(synthetic, state) : undefined;
    // Past its deadline it is missing even before a tick says so: the tick may be what stopped.
    const status = !state ? 'pending' : state.status === 'missing' || now.getTime() >= deadline! ? 'missing' : 'ok';
    if (status === 'missing') problems.push(`the synthetic heartbeat is missing: none since ${new Date(state!.lastPingAt).toISOString()}`);
    heartbeat = {
      name: synthetic.name,
      status,
      last_ping_at: state && state.pings > 0 ? new Date(state.lastPingAt).toISOString() : null,
      deadline: deadline === undefined ? null : new Date(deadline).toISOString(),
      every_ms: synthetic.everyMs,
    };
  }

  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    time: now.toISOString(),
    problems,
    queues: sorted
      .filter((d) => !d.name.endsWith('-dlq'))
      .map((d) => ({ name: d.name, visible: d.visible, not_visible: d.notVisible, dlq: names.has(`${d.name}-dlq`) ? `${d.name}-dlq` : null, ...(d.error ? { error: d.error } : {}) })),
    dlqs: dlqs.map((d) => ({ name: d.name, messages: d.visible + d.notVisible, ...(d.error ? { error: d.error } : {}) })),
    checks_tick: { status: tickStatus, last_run_at: lastTick?.toISOString() ?? null, every_ms: deps.checksTickMs },
    synthetic_heartbeat: heartbeat,
  };
}
