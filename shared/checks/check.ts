import { sameLabelSet, type Alert } from '../alerts/model';
import { fingerprint } from '../labels/fingerprint';
import { formatDuration, parseDuration } from '../primitives/duration';
import { compileCheckTemplate, KV, type Template } from '../templates';
import type { CheckConfig, CloudWatchSource, Condition, MissingData, PrometheusSource } from './config';

/**
 * Threshold checks: a compiled check, what is stored per check, and the pure step from one
 * evaluation to the next (ADR 0018). The checks tick and `POST /v1/checks/{name}/evaluate`
 * (service.ts) apply it with a conditional write on the state's version.
 */

export type Severity = 'warning' | 'critical';
export type Level = 'ok' | Severity;

/** The alert names a check fires besides its own (its own is the check's name, or `labels.alertname`). */
export const CHECK_FAILING_ALERTNAME = 'CheckFailing';
export const CHECK_NO_DATA_ALERTNAME = 'CheckNoData';

/** A stored state is kept this long after its last write (a removed check's state goes then). */
export const CHECK_RETENTION_S = 30 * 24 * 3600;

export interface Check {
  name: string;
  source: { kind: 'prometheus'; prometheus: PrometheusSource } | { kind: 'cloudwatch'; cloudwatch: CloudWatchSource };
  condition: Condition;
  warning: number | undefined;
  critical: number | undefined;
  everyMs: number;
  for: number;
  missingData: MissingData;
  errorsBeforeAlert: number;
  cooldownMs: number;
  labels: Readonly<Record<string, string>>;
  annotations: ReadonlyMap<string, Template>;
  paused: boolean;
  /** Where it was declared: the config (read-only through the API) or the API. */
  origin: 'config' | 'api';
  /** What it was compiled from (the API returns it). */
  config: CheckConfig;
}

export function compileCheck(c: CheckConfig, origin: Check['origin']): Check {
  return {
    name: c.name,
    source: c.prometheus ? { kind: 'prometheus', prometheus: c.prometheus } : { kind: 'cloudwatch', cloudwatch: c.cloudwatch! },
    condition: c.condition,
    warning: c.warning,
    critical: c.critical,
    everyMs: parseDuration(c.every),
    for: c.for,
    missingData: c.missing_data,
    errorsBeforeAlert: c.errors_before_alert,
    cooldownMs: parseDuration(c.cooldown),
    labels: c.labels,
    annotations: new Map(Object.entries(c.annotations).map(([k, v]) => [k, compileCheckTemplate(v, `checks.${c.name}.annotations.${k}`)])),
    paused: c.paused,
    origin,
    config: c,
  };
}

export function compileChecks(configs: readonly CheckConfig[]): ReadonlyMap<string, Check> {
  return new Map(configs.map((c) => [c.name, compileCheck(c, 'config')]));
}

/** What config:check prints for a check. */
export function describeCheck(c: Check): string {
  const source = c.source.kind === 'prometheus' ? `Prometheus ${c.source.prometheus.url}` : `CloudWatch ${c.source.cloudwatch.expression ?? `${c.source.cloudwatch.namespace}/${c.source.cloudwatch.metric}`}`;
  const thresholds = [c.warning !== undefined ? `warning ${c.condition} ${c.warning}` : '', c.critical !== undefined ? `critical ${c.condition} ${c.critical}` : ''].filter(Boolean).join(', ');
  return `check ${c.name}: ${source} every ${formatDuration(c.everyMs)}; fires ${thresholds} after ${c.for} evaluation${c.for === 1 ? '' : 's'}${c.paused ? ' (paused)' : ''}`;
}

/** One evaluation's input: a value, no data (`value` undefined), or a failed query. */
export type Observation = { value: number | undefined; error?: undefined } | { value?: undefined; error: string };

/** What is stored per check (its evaluations' memory). */
export interface CheckState {
  name: string;
  /** Epoch ms of the last evaluation (the next is due `every` after). */
  evaluatedAt: number;
  /** The last value seen; null: no data; absent: never evaluated successfully. */
  lastValue?: number | null;
  /** The last evaluation's level; absent while it has not seen a value. */
  level?: Level;
  /** Consecutive evaluations at warning or beyond, and at critical. */
  warningStreak: number;
  criticalStreak: number;
  /** The severity whose alert is firing, and since when. */
  firing?: Severity;
  firingSince?: number;
  /** Epoch ms of the last resolve (the cooldown counts from it). */
  resolvedAt?: number;
  /** Consecutive failed queries, the last failure, and since when `CheckFailing` fires. */
  errorStreak: number;
  lastError?: string;
  failingSince?: number;
  /** Since when `CheckNoData` fires (missing_data: alert). */
  noDataSince?: number;
  /** The check's labels when its alerts were last sent: what resolves them after an edit or a removal. */
  labels?: Readonly<Record<string, string>>;
  /** Epoch ms of this write: the state expires CHECK_RETENTION_S after it. */
  writtenAt: number;
  version: number;
}

/** What an evaluation decided: the next state and the alerts to send (firing re-sends included). */
export interface Step {
  next: CheckState;
  /** The level this evaluation saw (undefined: no change, from an error or missing data kept). */
  level: Level | undefined;
  alerts: CheckAlert[];
}

export interface CheckAlert {
  kind: 'threshold' | 'failing' | 'no_data';
  status: 'firing' | 'resolved';
  severity?: Severity;
  startsAt: number;
  /** When it ends if not re-sent (firing), or when it resolved. */
  endsAt: number;
}

const compare: Record<Condition, (v: number, t: number) => boolean> = {
  '>': (v, t) => v > t,
  '>=': (v, t) => v >= t,
  '<': (v, t) => v < t,
  '<=': (v, t) => v <= t,
  '==': (v, t) => v === t,
  '!=': (v, t) => v !== t,
};

/** The level a value is at: critical if it crosses `critical`, else warning if it crosses `warning`. */
export function levelOf(check: Pick<Check, 'condition' | 'warning' | 'critical'>, value: number): Level {
  if (check.critical !== undefined && compare[check.condition](value, check.critical)) return 'critical';
  if (check.warning !== undefined && compare[check.condition](value, check.warning)) return 'warning';
  return 'ok';
}

/** How far ahead a firing alert ends if no evaluation re-sends it: four evaluations (as Prometheus), at least 30 s. */
export const firingTtlMs = (check: Pick<Check, 'everyMs'>, tickMs: number): number => Math.max(30_000, 4 * Math.max(check.everyMs, tickMs));

/** Whether `check` is due at `now`, given ticks every `tickMs` (half a tick early rather than a tick late). */
export function isDue(check: Check, state: CheckState | undefined, now: number, tickMs: number): boolean {
  return !check.paused && (state === undefined || now + tickMs / 2 >= state.evaluatedAt + check.everyMs);
}

export function initialState(name: string, now: number): CheckState {
  return { name, evaluatedAt: 0, warningStreak: 0, criticalStreak: 0, errorStreak: 0, writtenAt: now, version: 0 };
}

/**
 * One evaluation. A failed query changes nothing but the error count (never "ok"), and keeps a
 * firing alert firing; past `errorsBeforeAlert` failures `CheckFailing` fires until a query works.
 * Missing data follows `missingData`. A breach fires after `for` consecutive evaluations at its
 * level, a change of severity resolves the old one's alert and fires the new one's, and the first
 * evaluation below both thresholds resolves.
 */
export function evaluate(check: Check, prev: CheckState | undefined, obs: Observation, now: number, tickMs: number): Step {
  const s: CheckState = { ...(prev ?? initialState(check.name, now)), evaluatedAt: now, writtenAt: now, labels: check.labels, version: (prev?.version ?? 0) + 1 };
  const alerts: CheckAlert[] = [];
  const ends = now + firingTtlMs(check, tickMs);
  let level: Level | undefined;

  if (obs.error !== undefined) {
    s.errorStreak++;
    s.lastError = obs.error;
    if (s.failingSince === undefined && s.errorStreak >= check.errorsBeforeAlert) s.failingSince = now;
  } else {
    s.errorStreak = 0;
    delete s.lastError;
    if (s.failingSince !== undefined) {
      alerts.push({ kind: 'failing', status: 'resolved', startsAt: s.failingSince, endsAt: now });
      delete s.failingSince;
    }
    const missing = obs.value === undefined || Number.isNaN(obs.value);
    s.lastValue = missing ? null : obs.value!;
    if (missing) {
      if (check.missingData === 'ok') level = 'ok';
      else if (check.missingData === 'breaching') level = check.critical !== undefined ? 'critical' : 'warning';
      else if (check.missingData === 'alert') s.noDataSince ??= now;
    } else {
      if (s.noDataSince !== undefined) {
        alerts.push({ kind: 'no_data', status: 'resolved', startsAt: s.noDataSince, endsAt: now });
        delete s.noDataSince;
      }
      level = levelOf(check, obs.value!);
    }
  }

  if (level !== undefined) {
    s.level = level;
    s.warningStreak = level === 'ok' ? 0 : s.warningStreak + 1;
    s.criticalStreak = level === 'critical' ? s.criticalStreak + 1 : 0;
    // With only a critical threshold, warningStreak >= for implies criticalStreak >= for.
    const target: Severity | undefined =
      check.critical !== undefined && s.criticalStreak >= check.for ? 'critical' : check.warning !== undefined && s.warningStreak >= check.for ? 'warning' : undefined;
    if (s.firing !== undefined && target !== s.firing) {
      alerts.push({ kind: 'threshold', status: 'resolved', severity: s.firing, startsAt: s.firingSince ?? now, endsAt: now });
      delete s.firing;
      delete s.firingSince;
      if (target === undefined) s.resolvedAt = now;
    }
    const coolingDown = s.resolvedAt !== undefined && now - s.resolvedAt < check.cooldownMs;
    if (target !== undefined && s.firing === undefined && (!coolingDown || prev?.firing !== undefined)) {
      s.firing = target;
      s.firingSince = now;
    }
  }

  if (s.firing !== undefined) alerts.push({ kind: 'threshold', status: 'firing', severity: s.firing, startsAt: s.firingSince ?? now, endsAt: ends });
  if (s.failingSince !== undefined) alerts.push({ kind: 'failing', status: 'firing', startsAt: s.failingSince, endsAt: ends });
  if (s.noDataSince !== undefined) alerts.push({ kind: 'no_data', status: 'firing', startsAt: s.noDataSince, endsAt: ends });
  return { next: s, level, alerts };
}

/**
 * A paused or removed check: every alert it has firing resolves, and its streaks start over. Returns
 * undefined when nothing was firing and the streaks are already clear.
 */
export function stand(prev: CheckState, now: number): Step | undefined {
  const alerts: CheckAlert[] = [];
  if (prev.firing !== undefined) alerts.push({ kind: 'threshold', status: 'resolved', severity: prev.firing, startsAt: prev.firingSince ?? now, endsAt: now });
  if (prev.failingSince !== undefined) alerts.push({ kind: 'failing', status: 'resolved', startsAt: prev.failingSince, endsAt: now });
  if (prev.noDataSince !== undefined) alerts.push({ kind: 'no_data', status: 'resolved', startsAt: prev.noDataSince, endsAt: now });
  if (alerts.length === 0 && prev.warningStreak === 0 && prev.criticalStreak === 0) return undefined;
  const { firing: _f, firingSince: _fs, failingSince: _fa, noDataSince: _nd, ...rest } = prev;
  return {
    next: { ...rest, warningStreak: 0, criticalStreak: 0, ...(prev.firing !== undefined ? { resolvedAt: now } : {}), writtenAt: now, version: prev.version + 1 },
    level: undefined,
    alerts,
  };
}

/**
 * A check whose labels changed since its alerts were sent: those alerts (under the old labels)
 * resolve, and the state goes on with its streaks, so the next evaluation fires under the new
 * labels at once if it still breaches. Undefined when the labels did not change or nothing fired.
 */
export function relabel(check: Check, prev: CheckState | undefined, now: number): { state: CheckState; resolves: CheckAlert[]; old: Check } | undefined {
  if (!prev?.labels || sameLabelSet(prev.labels, check.labels)) return undefined;
  const step = stand(prev, now);
  if (!step || step.alerts.length === 0) return undefined;
  const { resolvedAt: _r, ...rest } = step.next;
  const state: CheckState = { ...rest, warningStreak: prev.warningStreak, criticalStreak: prev.criticalStreak, version: prev.version, ...(prev.resolvedAt !== undefined ? { resolvedAt: prev.resolvedAt } : {}) };
  return { state, resolves: step.alerts, old: { ...check, labels: prev.labels } };
}

/** The alert an evaluation sends, as the router receives it (labels, templated annotations). */
export function checkAlert(check: Check, a: CheckAlert, state: CheckState): Alert {
  const base = { ...check.labels, check: check.name };
  let labels: Record<string, string>;
  let annotations: Record<string, string>;
  if (a.kind === 'threshold') {
    labels = { alertname: check.name, ...base, severity: a.severity! };
    const threshold = a.severity === 'critical' ? check.critical : check.warning;
    const data = {
      Name: check.name,
      Value: state.lastValue ?? undefined,
      Severity: a.severity!,
      Threshold: threshold,
      Condition: check.condition,
      Labels: new KV(labels),
    };
    annotations = {
      summary: `${check.name}: ${formatValue(state.lastValue)} ${check.condition} ${threshold} (${a.severity})`,
      ...Object.fromEntries([...check.annotations].map(([k, t]) => [k, t.render(data, { now: a.startsAt })])),
    };
  } else if (a.kind === 'failing') {
    labels = { ...base, alertname: CHECK_FAILING_ALERTNAME };
    annotations = { summary: `check ${check.name} failed ${state.errorStreak} evaluation${state.errorStreak === 1 ? '' : 's'} in a row`, ...(state.lastError ? { error: state.lastError } : {}) };
  } else {
    labels = { ...base, alertname: CHECK_NO_DATA_ALERTNAME };
    annotations = { summary: `check ${check.name} got no data` };
  }
  return {
    fingerprint: fingerprint(labels),
    status: a.status,
    labels,
    annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: new Date(a.endsAt).toISOString(),
    source: 'generic',
  };
}

function formatValue(v: number | null | undefined): string {
  return v === null || v === undefined ? 'no data' : String(v);
}

/** A check made through the API, as stored. */
export interface StoredCheck {
  config: CheckConfig;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** Where API-made checks and every check's state are kept (the store adapters implement it). */
export interface CheckStore {
  /** Every API-made check and every stored state (one read: the tick's). */
  list(): Promise<{ definitions: StoredCheck[]; states: CheckState[] }>;
  getDefinition(name: string): Promise<StoredCheck | undefined>;
  /** Write a definition if the stored version is `next.version - 1` (absent for version 1); else ConflictError. */
  putDefinition(next: StoredCheck): Promise<void>;
  /** Delete a definition at `version`; ConflictError if it changed, NotFoundError if gone. */
  deleteDefinition(name: string, version: number): Promise<void>;
  getState(name: string): Promise<CheckState | undefined>;
  /** Write a state if the stored version is still `next.version - 1` (absent for version 1); else ConflictError. */
  putState(next: CheckState): Promise<void>;
  /** Delete a state at `version` (a removed check's, after its alerts resolved); ConflictError if it changed. */
  deleteState(name: string, version: number): Promise<void>;
}
