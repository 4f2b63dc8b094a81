import { parseWith } from '../alerts/normalize/common';
import { compileCheck, isDue, type Check, type CheckState, type StoredCheck } from '../checks/check';
import { CheckConfig } from '../checks/config';
import { allChecks, evaluateCheck, type CheckDeps, type Evaluation } from '../checks/service';
import { ConflictError, NotFoundError, ValidationError } from '../errors';

/**
 * /v1/checks: threshold checks, listed with their state (`read`), made, replaced, paused, resumed,
 * deleted and evaluated on demand (`manage`). The config's checks are listed and evaluated here but
 * changed only in the config (409). One schema for both: checks/config.ts.
 */

/** A check definition is a few hundred bytes; its annotations' templates the most of it. */
export const CHECK_MAX_BODY_BYTES = 32 * 1024;

export type CheckApiDeps = CheckDeps & { tickMs: number };

export async function listChecks(deps: CheckApiDeps): Promise<{ checks: Record<string, unknown>[] }> {
  const { definitions, states } = await deps.checks.list();
  const stateOf = new Map(states.map((s) => [s.name, s]));
  const stored = new Map(definitions.map((d) => [d.config.name, d]));
  const now = deps.clock().getTime();
  return {
    checks: [...allChecks(deps.config.checks, definitions).values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => view(c, stored.get(c.name), stateOf.get(c.name), now, deps.tickMs)),
  };
}

export async function getCheck(deps: CheckApiDeps, name: string): Promise<Record<string, unknown>> {
  const { check, stored } = await find(deps, name);
  return view(check, stored, await deps.checks.getState(name), deps.clock().getTime(), deps.tickMs);
}

/** POST /v1/checks: 201 with the check; 409 when the name is taken (by the config or the API). */
export async function createCheck(deps: CheckApiDeps, body: unknown): Promise<Record<string, unknown>> {
  const config = parseWith(CheckConfig, body, 'check');
  refuseConfigCheck(deps, config.name);
  const at = deps.clock().toISOString();
  const stored: StoredCheck = { config, createdAt: at, updatedAt: at, version: 1 };
  try {
    await deps.checks.putDefinition(stored);
  } catch (err) {
    if (err instanceof ConflictError) throw new ConflictError(`a check named ${JSON.stringify(config.name)} exists; PUT /v1/checks/${config.name} replaces it`);
    throw err;
  }
  return view(compileCheck(config, 'api'), stored, undefined, deps.clock().getTime(), deps.tickMs);
}

/** PUT /v1/checks/{name}: replace an API-made check, or make it. The body's name, if any, must be the path's. */
export async function replaceCheck(deps: CheckApiDeps, name: string, body: unknown): Promise<Record<string, unknown>> {
  refuseConfigCheck(deps, name);
  const input = body !== null && typeof body === 'object' && !Array.isArray(body) ? { name, ...body } : body;
  const config = parseWith(CheckConfig, input, 'check');
  if (config.name !== name) throw new ValidationError(`invalid check: name: ${JSON.stringify(config.name)} is not the check in the path (${JSON.stringify(name)})`, [{ path: 'name', message: 'must match the path' }]);
  const current = await deps.checks.getDefinition(name);
  const at = deps.clock().toISOString();
  const stored: StoredCheck = { config, createdAt: current?.createdAt ?? at, updatedAt: at, version: (current?.version ?? 0) + 1 };
  await deps.checks.putDefinition(stored);
  return view(compileCheck(config, 'api'), stored, await deps.checks.getState(name), deps.clock().getTime(), deps.tickMs);
}

/** POST /v1/checks/{name}/pause and /resume. */
export async function setPaused(deps: CheckApiDeps, name: string, paused: boolean): Promise<Record<string, unknown>> {
  refuseConfigCheck(deps, name, paused ? 'pause it there (paused: true)' : 'resume it there');
  const current = await deps.checks.getDefinition(name);
  if (!current) throw new NotFoundError(`no check named ${JSON.stringify(name)}`);
  const stored: StoredCheck = { ...current, config: { ...current.config, paused }, updatedAt: deps.clock().toISOString(), version: current.version + 1 };
  if (current.config.paused !== paused) await deps.checks.putDefinition(stored);
  const result = current.config.paused !== paused ? stored : current;
  return view(compileCheck(result.config, 'api'), result, await deps.checks.getState(name), deps.clock().getTime(), deps.tickMs);
}

/** DELETE /v1/checks/{name}: what it had firing resolves at the next tick. */
export async function deleteCheck(deps: CheckApiDeps, name: string): Promise<{ deleted: string }> {
  refuseConfigCheck(deps, name, 'remove it there');
  const current = await deps.checks.getDefinition(name);
  if (!current) throw new NotFoundError(`no check named ${JSON.stringify(name)}`);
  await deps.checks.deleteDefinition(name, current.version);
  return { deleted: name };
}

/**
 * POST /v1/checks/{name}/evaluate: query the source now and say what the check would decide. A dry
 * run by default; `{"dry_run": false}` (or `?dry_run=false`) applies it as a tick would.
 */
export async function evaluateCheckNow(deps: CheckApiDeps, name: string, body: unknown, query: Record<string, string | undefined>): Promise<Record<string, unknown>> {
  const { check } = await find(deps, name);
  const dryRun = dryRunOf(body, query);
  return evaluationView(await evaluateCheck(check, deps, { dryRun, tickMs: deps.tickMs }));
}

function dryRunOf(body: unknown, query: Record<string, string | undefined>): boolean {
  const fromQuery = query.dry_run;
  if (fromQuery !== undefined && fromQuery !== 'true' && fromQuery !== 'false') throw new ValidationError('dry_run must be true or false', [{ path: 'dry_run', message: 'true | false' }]);
  if (body === undefined) return fromQuery !== 'false';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('the body must be a JSON object such as {"dry_run": false}', [{ path: '(root)', message: 'an object' }]);
  const extra = Object.keys(body).filter((k) => k !== 'dry_run');
  if (extra.length > 0) throw new ValidationError(`unknown key ${JSON.stringify(extra[0])}: the body takes only dry_run`, [{ path: extra[0]!, message: 'unknown key' }]);
  const value = (body as { dry_run?: unknown }).dry_run;
  if (value !== undefined && typeof value !== 'boolean') throw new ValidationError('dry_run must be true or false', [{ path: 'dry_run', message: 'a boolean' }]);
  return value ?? fromQuery !== 'false';
}

async function find(deps: CheckApiDeps, name: string): Promise<{ check: Check; stored?: StoredCheck | undefined }> {
  const fromConfig = deps.config.checks.get(name);
  if (fromConfig) return { check: fromConfig };
  const stored = await deps.checks.getDefinition(name);
  if (!stored) throw new NotFoundError(`no check named ${JSON.stringify(name)}`);
  return { check: compileCheck(stored.config, 'api'), stored };
}

function refuseConfigCheck(deps: CheckApiDeps, name: string, how = 'change it there'): void {
  if (deps.config.checks.has(name)) throw new ConflictError(`check ${JSON.stringify(name)} is defined in the config file; ${how}`);
}

/** A check as the API shows it: its definition, where it comes from, and its state. */
function view(check: Check, stored: StoredCheck | undefined, state: CheckState | undefined, now: number, tickMs: number): Record<string, unknown> {
  return {
    name: check.name,
    origin: check.origin,
    paused: check.paused,
    definition: check.config,
    ...(stored ? { created_at: stored.createdAt, updated_at: stored.updatedAt, version: stored.version } : {}),
    state: stateView(check, state, now, tickMs),
  };
}

function stateView(check: Check, state: CheckState | undefined, now: number, tickMs: number): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined || ms === 0 ? null : new Date(ms).toISOString());
  const status = check.paused ? 'paused' : !state || state.evaluatedAt === 0 ? 'pending' : state.failingSince !== undefined ? 'failing' : (state.firing ?? (state.noDataSince !== undefined ? 'no_data' : 'ok'));
  return {
    status,
    firing: state?.firing ?? null,
    firing_since: iso(state?.firingSince),
    level: state?.level ?? null,
    last_value: state?.lastValue ?? null,
    evaluated_at: iso(state?.evaluatedAt),
    next_evaluation_at: check.paused ? null : isDue(check, state, now, tickMs) ? new Date(now).toISOString() : iso((state?.evaluatedAt ?? now) + check.everyMs),
    warning_streak: state?.warningStreak ?? 0,
    critical_streak: state?.criticalStreak ?? 0,
    error_streak: state?.errorStreak ?? 0,
    last_error: state?.lastError ?? null,
    failing_since: iso(state?.failingSince),
    no_data_since: iso(state?.noDataSince),
    resolved_at: iso(state?.resolvedAt),
  };
}

function evaluationView(e: Evaluation): Record<string, unknown> {
  return {
    check: e.check,
    dry_run: e.dryRun,
    value: e.observation.error !== undefined ? null : (e.observation.value ?? null),
    no_data: e.observation.error === undefined && (e.observation.value === undefined || Number.isNaN(e.observation.value)),
    error: e.observation.error ?? null,
    level: e.level ?? null,
    firing: e.state.firing ?? null,
    warning_streak: e.state.warningStreak,
    critical_streak: e.state.criticalStreak,
    error_streak: e.state.errorStreak,
    alerts: e.alerts.map((a) => ({ status: a.status, labels: a.labels, annotations: a.annotations, starts_at: a.startsAt, ends_at: a.endsAt })),
  };
}
