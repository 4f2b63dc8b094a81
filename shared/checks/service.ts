import type { Alert } from '../alerts/model';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import { sendGeneratedAlerts } from '../queues/generated-alerts';
import type { QueuePort } from '../queues/port';
import { checkAlert, compileCheck, evaluate, isDue, relabel, stand, type Check, type CheckState, type CheckStore, type Level, type Observation, type StoredCheck } from './check';
import { observeCloudWatch } from './sources/cloudwatch';
import type { SourceDeps } from './sources/port';
import { observePrometheus } from './sources/prometheus';

export interface CheckDeps {
  /** The compiled config's checks (CompiledConfig has them). */
  config: { checks: ReadonlyMap<string, Check> };
  checks: CheckStore;
  queues: QueuePort;
  sources: SourceDeps;
  clock: () => Date;
  log: Logger;
}

/** The config's checks and the API's, by name (the API refuses a name the config has). */
export function allChecks(config: ReadonlyMap<string, Check>, definitions: readonly StoredCheck[]): Map<string, Check> {
  const out = new Map(config);
  for (const d of definitions) if (!out.has(d.config.name)) out.set(d.config.name, compileCheck(d.config, 'api'));
  return out;
}

/** Prometheus queries started together: a chunk, then the deadline is looked at again. */
const PROMETHEUS_CHUNK = 32;

/**
 * Query every check's source: Prometheus ones in parallel (bounded), CloudWatch ones batched per
 * region. Past `deadline` (epoch ms) no further chunk of Prometheus queries starts: those checks
 * get no observation and stay due for the next tick (a slow server must not run the invocation
 * out of time with nothing written).
 */
export async function observe(checks: readonly Check[], sources: SourceDeps, now: Date, deadline = Infinity): Promise<Map<string, Observation>> {
  const prometheus = checks.flatMap((c) => (c.source.kind === 'prometheus' ? [{ id: c.name, source: c.source.prometheus }] : []));
  const cloudwatch = checks.flatMap((c) => (c.source.kind === 'cloudwatch' ? [{ id: c.name, source: c.source.cloudwatch }] : []));
  const observePrometheusChunks = async () => {
    const out = new Map<string, Observation>();
    // The first chunk always runs: every tick makes progress, however late it started.
    for (let i = 0; i < prometheus.length && (i === 0 || Date.now() < deadline); i += PROMETHEUS_CHUNK) {
      for (const [id, obs] of await observePrometheus(prometheus.slice(i, i + PROMETHEUS_CHUNK), sources, now)) out.set(id, obs);
    }
    return out;
  };
  const [p, cw] = await Promise.all([observePrometheusChunks(), cloudwatch.length > 0 ? observeCloudWatch(cloudwatch, sources.metricData, now) : new Map<string, Observation>()]);
  return new Map([...p, ...cw]);
}

/** How long a tick may query before it evaluates what it has: well inside the checks function's 30 s. */
export const TICK_QUERY_BUDGET_MS = 15_000;

export interface ChecksTickResult {
  /** Checks evaluated at this tick. */
  evaluated: number;
  /** Checks with a threshold alert firing after it. */
  firing: string[];
  /** Checks whose query failed at this tick. */
  failed: string[];
}

/**
 * The checks tick: evaluate the due checks, resolve what paused and removed checks had firing, send
 * the alerts, then write the states. Alerts go out before the states: a crash between re-sends them
 * at the next tick (the router deduplicates), where the other order could lose a resolve. A state
 * another writer changed meanwhile (an API evaluate) is left to that writer; the next tick starts
 * from it.
 */
export async function tickChecks(deps: CheckDeps, tickMs: number): Promise<ChecksTickResult> {
  const { definitions, states } = await deps.checks.list();
  const checks = allChecks(deps.config.checks, definitions);
  const result: ChecksTickResult = { evaluated: 0, firing: [], failed: [] };
  if (checks.size === 0 && states.length === 0) return result;
  const now = deps.clock();
  const at = now.getTime();
  const stateOf = new Map(states.map((s) => [s.name, s]));
  // Longest overdue first: a tick that runs out of query time leaves the most recently evaluated.
  const due = [...checks.values()].filter((c) => isDue(c, stateOf.get(c.name), at, tickMs)).sort((a, b) => (stateOf.get(a.name)?.evaluatedAt ?? 0) - (stateOf.get(b.name)?.evaluatedAt ?? 0));
  const observations = due.length > 0 ? await observe(due, deps.sources, now, Date.now() + Math.min(TICK_QUERY_BUDGET_MS, tickMs * 0.8)) : new Map<string, Observation>();

  const alerts: Alert[] = [];
  const writes: CheckState[] = [];
  const removed: CheckState[] = [];
  for (const check of due) {
    const obs = observations.get(check.name);
    // Not queried within the tick's budget: still due, at the next tick.
    if (!obs) continue;
    const { prev, resolves } = relabelled(check, stateOf.get(check.name), at);
    alerts.push(...resolves);
    const step = evaluate(check, prev, obs, at, tickMs);
    alerts.push(...step.alerts.map((a) => checkAlert(check, a, step.next)));
    writes.push(step.next);
    result.evaluated++;
    if (step.next.firing) result.firing.push(check.name);
    if (obs.error !== undefined) result.failed.push(check.name);
  }
  for (const state of states) {
    const check = checks.get(state.name);
    if (check && !check.paused) continue;
    // Paused, or removed from the config or the API: what it had firing resolves.
    const step = stand(state, at);
    // Under the labels they were sent with (a removed check's are gone with it).
    const sentAs = check ? { ...check, labels: state.labels ?? check.labels } : orphanCheck(state.name, state.labels ?? {});
    if (step) alerts.push(...step.alerts.map((a) => checkAlert(sentAs, a, step.next)));
    if (!check) removed.push(step?.next ?? state);
    else if (step) writes.push(step.next);
  }

  if (alerts.length > 0) await sendGeneratedAlerts(deps.queues, `check-tick:${at}`, alerts, at);
  for (const next of writes) {
    try {
      await deps.checks.putState(next);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      deps.log.info('check state changed during the tick; the next tick starts from it', { check: next.name });
    }
  }
  for (const state of removed) {
    try {
      // The stand step's version was never written: delete the stored one.
      await deps.checks.deleteState(state.name, stateOf.get(state.name)!.version);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  for (const name of result.failed) deps.log.warn('check query failed', { check: name, error: observations.get(name)?.error });
  return result;
}

export interface Evaluation {
  check: string;
  observation: Observation;
  /** The level the value is at (undefined: a failed query, or no data kept as it was). */
  level: Level | undefined;
  /** The state after this evaluation (written unless a dry run). */
  state: CheckState;
  /** The alerts it sends (or would send). */
  alerts: Alert[];
  dryRun: boolean;
}

/**
 * Evaluate one check now (`POST /v1/checks/{name}/evaluate`): by default a dry run that writes and
 * sends nothing; otherwise as a tick would, with the state written under its version condition
 * (ConflictError if a tick wrote meanwhile: evaluate again).
 */
export async function evaluateCheck(check: Check, deps: CheckDeps, opts: { dryRun: boolean; tickMs: number }): Promise<Evaluation> {
  // Applying it would fire what the next tick resolves again (a paused check is not evaluated).
  if (check.paused && !opts.dryRun) throw new ConflictError(`check ${JSON.stringify(check.name)} is paused: resume it first, or evaluate it as a dry run`);
  const now = deps.clock();
  const stored = await deps.checks.getState(check.name);
  const observation = (await observe([check], deps.sources, now)).get(check.name) ?? { error: 'no answer from the source' };
  const { prev, resolves } = relabelled(check, stored, now.getTime());
  const step = evaluate(check, prev, observation, now.getTime(), opts.tickMs);
  const alerts = [...resolves, ...step.alerts.map((a) => checkAlert(check, a, step.next))];
  if (!opts.dryRun) {
    if (alerts.length > 0) await sendGeneratedAlerts(deps.queues, `check-evaluate:${check.name}:${now.getTime()}`, alerts, now.getTime());
    await deps.checks.putState(step.next);
  }
  return { check: check.name, observation, level: step.level, state: step.next, alerts, dryRun: opts.dryRun };
}

/** The state to evaluate from, after resolving what was sent under labels the check no longer has. */
function relabelled(check: Check, stored: CheckState | undefined, at: number): { prev: CheckState | undefined; resolves: Alert[] } {
  const r = relabel(check, stored, at);
  return r ? { prev: r.state, resolves: r.resolves.map((a) => checkAlert(r.old, a, r.state)) } : { prev: stored, resolves: [] };
}

/** A removed check's stand-in, to send the resolves of what it had firing under the labels it was sent with. */
function orphanCheck(name: string, labels: Readonly<Record<string, string>>): Check {
  return compileCheck(
    { name, prometheus: { url: 'http://removed.invalid', query: 'removed' }, condition: '>', critical: 0, every: '1m', for: 1, missing_data: 'keep', errors_before_alert: 1, cooldown: '0s', labels: { ...labels }, annotations: {}, paused: false },
    'api',
  );
}
