import * as z from 'zod';
import { errorMap, invalid, isObject, Timestamp, zodIssues } from '../alerts/normalize/common';
import { RequestShapeError, ValidationError } from '../errors';
import { sameLabelSet } from '../alerts/model';
import type { GroupState } from '../grouping/model';
import { compareUtf8, compileMatcherRegex, type Matcher } from '../labels/matchers';
import { programSizeBound, type Regex } from '../labels/regex';
import type { RouteConfig } from '../config/schema';
import { matchRoutes } from '../routing/route-tree';
import type { CompiledConfig } from '../runtime/compiled-config';
import { SILENCE_MAX_REGEX_BOUND, silenceView, type Silence, type SilenceState } from '../silences/model';
import { ALERTFLOW_VERSION } from '../version';
import { viewContext, viewsOf, type AlertStateDeps, type AlertView } from './alerts';
import { filterMatcher, parseFilter, READ_BUDGET } from './paging';
import { expireSilence, listSilences, upsertSilence, type SilenceDeps } from './silences';

/**
 * Alertmanager's API v2 (its OpenAPI spec, api/v2/openapi.yaml, as Alertmanager 0.25 serves it)
 * over alertflow's state, for the clients written against Alertmanager: amtool, Grafana's
 * Alertmanager data source, karma; Prometheus posts alerts (shared/ingest). ADR 0022.
 *
 * What differs, and why:
 * - Reads are bounded (bounded work per request): a listing stops after LISTING_MAX_BYTES of JSON
 *   or LISTING_MAX_GROUPS groups and says so in the `x-alertflow-truncated` header. `/v1/alerts`
 *   and `/v1/silences` page with a cursor instead.
 * - An alert's `updatedAt` is when alertflow last wrote its group (it does not keep a receive time
 *   per alert, which would cost a write for every unchanged re-send).
 * - `status.state` is never `unprocessed`: alertflow answers once an alert is routed.
 * - Deleting an unknown silence is a 404 (Alertmanager 0.25 answers 500).
 * - `versionInfo` is alertflow's.
 */

/** Largest listing answered, in bytes of JSON (a Lambda's answer may not pass 6 MB). */
export const LISTING_MAX_BYTES = 5_000_000;
/** Groups one listing reads at most. */
const LISTING_MAX_GROUPS = READ_BUDGET * 10;

export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL?: string;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  receivers: Array<{ name: string }>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AlertGroup {
  labels: Record<string, string>;
  receiver: { name: string };
  alerts: GettableAlert[];
}

export interface GettableSilence {
  id: string;
  status: { state: SilenceState };
  updatedAt: string;
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface Listing<T> {
  items: T[];
  /** Whether the listing stopped at its bound before the end. */
  truncated: boolean;
}

/** The request's query string: Alertmanager's `filter` repeats, and each value is one matcher. */
type Query = URLSearchParams;

/** Go's zero time as Alertmanager's API writes it: an alert sent without an end (Alertmanager's webhooks). */
const NO_END = '0001-01-01T00:00:00.000Z';

/** GET /api/v2/alerts: the alerts not resolved, in fingerprint order. */
export async function getAlerts(deps: AlertStateDeps, query: Query): Promise<Listing<GettableAlert>> {
  const { filter, receiver } = parseAlertQuery(query);
  const out: GettableAlert[] = [];
  const seen = new Set<string>();
  const budget = byteBudget();
  const truncated = await eachAlertPage(deps, (views, updatedAt) => {
    for (const v of views) {
      // An alert in groups on two pages (routes with `continue`) is in both pages' views.
      if (seen.has(v.fingerprint)) continue;
      seen.add(v.fingerprint);
      if (!filter(v)) continue;
      const receivers = matchRoutes(deps.config.routeTree, v.labels).map((r) => r.receiver);
      if (receiver && !receivers.some((r) => receiver.test(r))) continue;
      const alert = gettableAlert(v, receivers, updatedAt);
      if (!budget.take(alert)) return false;
      out.push(alert);
    }
    return true;
  });
  out.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  return { items: out, truncated };
}

/** GET /api/v2/alerts/groups: each group with its alerts that pass the filters; groups left empty are left out. */
export async function getAlertGroups(deps: AlertStateDeps, query: Query): Promise<Listing<AlertGroup>> {
  const { filter, receiver } = parseAlertQuery(query);
  const out: Array<{ group: GroupState; alerts: AlertView[] }> = [];
  const budget = byteBudget();
  const truncated = await eachAlertPage(deps, (views, _updatedAt, page) => {
    for (const g of page) {
      if (receiver && !receiver.test(g.receiver)) continue;
      const alerts = views.filter((v) => filter(v) && v.groups.some((ref) => ref.id === g.groupId));
      if (alerts.length === 0) continue;
      if (!budget.take(alerts)) return false;
      out.push({ group: g, alerts });
    }
    return true;
  });
  const updatedAt = new Map(out.map(({ group }) => [group.groupId, group.updatedAt]));
  const groups = out.map(({ group, alerts }): AlertGroup => ({
    labels: group.groupLabels,
    receiver: { name: group.receiver },
    alerts: alerts
      .map((v) => {
        // As Alertmanager: the receivers of the listed groups that hold the alert, sorted.
        const receivers = v.groups.filter((ref) => !receiver || receiver.test(ref.receiver)).map((ref) => ref.receiver);
        return gettableAlert(v, receivers.sort(compareUtf8), updatedAt);
      })
      .sort((a, b) => compareAlerts(a.labels, b.labels)),
  }));
  groups.sort((a, b) => (sameLabelSet(a.labels, b.labels) ? compareUtf8(a.receiver.name, b.receiver.name) : labelSetBefore(a.labels, b.labels) ? -1 : 1));
  return { items: groups, truncated };
}

/**
 * Read the groups page by page and hand each page's views (current alerts, not resolved) to
 * `visit`, with the write times of the page's groups; stop when `visit` returns false or the
 * groups run out or past LISTING_MAX_GROUPS. Returns whether it stopped early.
 */
async function eachAlertPage(
  deps: AlertStateDeps,
  visit: (views: AlertView[], updatedAt: ReadonlyMap<string, string>, page: readonly GroupState[]) => boolean,
): Promise<boolean> {
  const base = await viewContext(deps, deps.clock());
  let after;
  let read = 0;
  do {
    const page = await deps.groups.page(after, 100, base.now);
    read += page.read;
    const views = (await viewsOf(page.groups, deps, base)).filter((v) => v.status === 'firing');
    if (!visit(views, new Map(page.groups.map((g) => [g.groupId, g.updatedAt])), page.groups)) return true;
    after = page.last;
  } while (after && read < LISTING_MAX_GROUPS);
  return after !== undefined;
}

function gettableAlert(v: AlertView, receivers: readonly string[], updatedAt: ReadonlyMap<string, string>): GettableAlert {
  const written = v.groups.map((g) => updatedAt.get(g.id)).filter((t) => t !== undefined);
  const alert: GettableAlert = {
    labels: v.labels,
    annotations: v.annotations,
    fingerprint: v.fingerprint,
    startsAt: v.startsAt,
    endsAt: v.endsAt ?? NO_END,
    updatedAt: written.length > 0 ? written.reduce((a, b) => (a > b ? a : b)) : v.startsAt,
    receivers: receivers.map((name) => ({ name })),
    status: {
      state: v.silenced_by.length > 0 || v.inhibited_by.length > 0 ? 'suppressed' : 'active',
      silencedBy: v.silenced_by,
      inhibitedBy: v.inhibited_by,
    },
  };
  if (v.generatorURL) alert.generatorURL = v.generatorURL;
  return alert;
}

/** The query of /alerts and /alerts/groups: `filter`, `receiver` (a regex), and the state switches. */
function parseAlertQuery(query: Query): { filter: (v: AlertView) => boolean; receiver: Regex | undefined } {
  const matches = filterMatcher(filterMatchers(query));
  const active = flag(query, 'active');
  const silenced = flag(query, 'silenced');
  const inhibited = flag(query, 'inhibited');
  const receiver = query.get('receiver');
  return {
    // An empty value is no value, as go-swagger reads a query.
    receiver: receiver ? receiverRegex(receiver) : undefined,
    filter: (v) => {
      const suppressed = v.silenced_by.length > 0 || v.inhibited_by.length > 0;
      if (!active && !suppressed) return false;
      if (!silenced && v.silenced_by.length > 0) return false;
      if (!inhibited && v.inhibited_by.length > 0) return false;
      return matches(v.labels);
    },
  };
}

/** Each `filter` value is one matcher, without braces (Alertmanager's labels.ParseMatcher). */
function filterMatchers(query: Query): Matcher[] {
  return query.getAll('filter').map((item) => {
    const parsed = parseFilter(item);
    // As labels.ParseMatcher: one matcher, without braces or a trailing comma.
    if (parsed.length !== 1 || /^\s*\{/.test(item) || /,\s*$/.test(item)) {
      throw new ValidationError(`bad matcher format: ${JSON.stringify(item)} (one matcher per filter, without braces or a trailing comma, e.g. filter=alertname="DiskFull")`, [{ path: 'filter', message: 'one matcher' }]);
    }
    return parsed[0]!;
  });
}

/** go-swagger's boolean query parameter (swag.ConvertBool): absent or empty is the default, true; a few words are true, anything else false. */
function flag(query: Query, name: string): boolean {
  const text = query.get(name);
  if (text === null || text === '') return true;
  return TRUE_WORDS.has(text.toLowerCase());
}
const TRUE_WORDS = new Set(['true', '1', 'yes', 'ok', 'y', 'on', 'selected', 'checked', 't', 'enabled']);

function receiverRegex(text: string): Regex {
  if (programSizeBound(text) > SILENCE_MAX_REGEX_BOUND) {
    throw new ValidationError(`failed to parse receiver param: the regex may compile to more than ${SILENCE_MAX_REGEX_BOUND} RE2 instructions`, [{ path: 'receiver', message: 'too large' }]);
  }
  try {
    return compileMatcherRegex(text);
  } catch (err) {
    throw new ValidationError(`failed to parse receiver param: ${(err as Error).message}`, [{ path: 'receiver', message: 'invalid regex' }], { cause: err });
  }
}

/** Counts the bytes of what a listing holds; false once the next item would pass LISTING_MAX_BYTES. */
function byteBudget() {
  let used = 2;
  return {
    take(item: unknown): boolean {
      used += JSON.stringify(item).length + 1;
      return used <= LISTING_MAX_BYTES;
    },
  };
}

/** Alertmanager's `types.AlertSlice` order: by `job`, then `instance` (alerts without one last), then label set. */
function compareAlerts(a: Record<string, string>, b: Record<string, string>): number {
  for (const name of ['job', 'instance']) {
    const x = a[name];
    const y = b[name];
    if (x === undefined && y === undefined) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return compareUtf8(x, y);
  }
  return sameLabelSet(a, b) ? 0 : labelSetBefore(a, b) ? -1 : 1;
}

/** prometheus/common `LabelSet.Before`: fewer labels first, then the first differing pair in name order. */
export function labelSetBefore(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return ka.length < kb.length;
  for (const name of [...ka, ...kb].sort(compareUtf8)) {
    const x = a[name];
    const y = b[name];
    if (x === undefined) return true;
    if (y === undefined) return false;
    const c = compareUtf8(x, y);
    if (c !== 0) return c < 0;
  }
  return false;
}


// ---------------------------------------------------------------------------------------------
// Silences

/** GET /api/v2/silences[?filter=]: active (ending soonest first), pending (starting soonest first), expired (latest first). */
export async function getSilences(deps: Pick<SilenceDeps, 'silences' | 'clock'>, query: Query): Promise<Listing<GettableSilence>> {
  // Each item is one matcher; their canonical forms, joined, are the list listSilences reads (the
  // items themselves may end in a comma, and joined would hold an empty matcher).
  const matchers = filterMatchers(query);
  const filter = matchers.length > 0 ? matchers.map(String).join(',') : undefined;
  const out: GettableSilence[] = [];
  const budget = byteBudget();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await listSilences(deps, { filter, limit: '1000', ...(cursor ? { cursor } : {}) });
    for (const s of page.silences) {
      const silence = gettableSilence(s);
      if (!budget.take(silence)) return { items: sortSilences(out), truncated: true };
      out.push(silence);
    }
    if (!page.next_cursor) return { items: sortSilences(out), truncated: false };
    if (++pages >= 10) return { items: sortSilences(out), truncated: true };
    cursor = page.next_cursor;
  }
}

/** GET /api/v2/silence/{silenceID}; undefined when there is none (Alertmanager answers 404 with no body). */
export async function getSilenceById(deps: Pick<SilenceDeps, 'silences' | 'clock'>, id: string): Promise<GettableSilence | undefined> {
  const now = deps.clock();
  const silence = await deps.silences.get(silenceId(id), now);
  return silence && gettableSilence(silenceView(silence, now));
}

/** The OpenAPI `postableSilence`, checked as go-swagger checks it before Alertmanager looks. */
const PostableSilence = z.object({
  id: z.string().optional(),
  matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() })).min(1),
  startsAt: Timestamp,
  endsAt: Timestamp,
  createdBy: z.string(),
  comment: z.string(),
});

/**
 * POST /api/v2/silences: create, or update the silence named by `id` as Alertmanager does (in
 * place when it can, else it expires it and makes a new one). Unknown keys are ignored, as there;
 * an empty `createdBy` or `comment` is accepted, as there.
 */
export async function postSilence(deps: SilenceDeps, body: unknown, actor: string): Promise<{ silenceID: string }> {
  const parsed = PostableSilence.safeParse(body, { error: errorMap });
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    const { message } = invalid('silence', issues);
    // What does not decode (not an object, a time that is not one) is a 400 there, the rest a 422.
    const undecodable = !isObject(body) || issues.some((i) => /^(startsAt|endsAt)$/.test(i.path) && i.message !== 'Required');
    throw new RequestShapeError(undecodable ? 400 : 422, message, issues);
  }
  const b = parsed.data;
  const input = {
    ...(b.id ? { id: b.id } : {}),
    matchers: b.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
    starts_at: b.startsAt,
    ends_at: b.endsAt,
    created_by: b.createdBy,
    comment: b.comment,
  };
  const { silence } = await upsertSilence(deps, input, actor, { emptyText: true });
  return { silenceID: silence.id };
}

/** DELETE /api/v2/silence/{silenceID}: expire it now. */
export async function deleteSilence(deps: SilenceDeps, id: string, actor: string): Promise<void> {
  await expireSilence(deps, silenceId(id), actor);
}

/** The path's `silenceID`, `format: uuid` in the spec (go-swagger refuses anything else with 422). */
function silenceId(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new RequestShapeError(422, 'silenceID in path must be of type uuid');
  return id;
}

function gettableSilence(s: Silence & { status: { state: SilenceState } }): GettableSilence {
  return {
    id: s.id,
    status: { state: s.status.state },
    updatedAt: s.updated_at,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
    startsAt: s.starts_at,
    endsAt: s.ends_at,
    createdBy: s.created_by,
    comment: s.comment,
  };
}

const STATE_ORDER: Record<SilenceState, number> = { active: 1, pending: 2, expired: 3 };

/** api/v2 `SortSilences`. */
function sortSilences(list: GettableSilence[]): GettableSilence[] {
  return list.sort((a, b) => {
    if (a.status.state !== b.status.state) return STATE_ORDER[a.status.state] - STATE_ORDER[b.status.state];
    if (a.status.state === 'active') return Date.parse(a.endsAt) - Date.parse(b.endsAt);
    if (a.status.state === 'pending') return Date.parse(a.startsAt) - Date.parse(b.startsAt);
    return Date.parse(b.endsAt) - Date.parse(a.endsAt);
  });
}

// ---------------------------------------------------------------------------------------------
// Status and receivers

/**
 * GET /api/v2/status. `config.original` is the part of the config Alertmanager's tools read (the
 * route tree, receiver names, inhibit rules, time intervals), in Alertmanager's keys, so `amtool
 * config routes` draws and tests alertflow's tree. Channel settings are left out: they hold secret
 * references, and Alertmanager's keys for them differ. JSON is YAML, so amtool reads it as is.
 */
export function status(config: Pick<CompiledConfig, 'raw'>, startedAt: Date) {
  return {
    cluster: { status: 'disabled', peers: [] as Array<{ name: string; address: string }> },
    versionInfo: { version: ALERTFLOW_VERSION, revision: '', branch: '', buildUser: 'alertflow', buildDate: '', goVersion: '' },
    config: { original: JSON.stringify(alertmanagerView(config.raw), null, 2) },
    uptime: startedAt.toISOString(),
  };
}

/** GET /api/v2/receivers. */
export function receivers(config: Pick<CompiledConfig, 'raw'>): Array<{ name: string }> {
  return config.raw.receivers.map((r) => ({ name: r.name }));
}

/** Route keys Alertmanager 0.25 reads; alertflow's own (cooldown, flapping, escalation_policy) are left out. */
const ROUTE_KEYS = [
  'receiver',
  'group_by',
  'continue',
  'matchers',
  'match',
  'match_re',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'mute_time_intervals',
  'active_time_intervals',
] as const;

function alertmanagerView(raw: CompiledConfig['raw']) {
  const route = (r: RouteConfig): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of ROUTE_KEYS) if (r[key] !== undefined) out[key] = r[key];
    if (r.routes?.length) out.routes = r.routes.map(route);
    return out;
  };
  return {
    global: { resolve_timeout: raw.global.resolve_timeout },
    route: route(raw.route),
    receivers: raw.receivers.map((r) => ({ name: r.name })),
    inhibit_rules: raw.inhibit_rules.map(({ name: _name, ...rule }) => rule),
    ...(raw.time_intervals.length > 0 ? { time_intervals: raw.time_intervals } : {}),
  };
}
