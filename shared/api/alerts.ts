import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isFlapping } from '../grouping/flapping';
import { sendingStatus } from '../grouping/nflog';
import { statusAt } from '../alerts/model';
import { isFingerprint } from '../labels/fingerprint';
import * as z from 'zod';
import { groupIdOf } from '../dispatch/dispatch';
import { inhibitor, type InhibitionSource } from '../inhibition/rules';
import { matchesAll } from '../labels/matchers';
import { groupKeyFor, matchRoutes, type RouteNode } from '../routing/route-tree';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { Clock } from '../runtime/ports';
import { silencesIndex, type Silence } from '../silences/model';
import type { RecordedDelivery } from '../store/deliveries';
import { groupIndexKey } from '../store/groups';
import { recentlyResolved, type GroupAlert, type GroupState, type Hold } from '../grouping/model';
import { GROUPS_LIST_PK, groupListKeys } from '../store/keys';
import { inRange } from '../store/list-index';
import { inhibitPartition } from '../store/noise';
import { groupsWhere, type GroupStore } from '../store/port';
import { liveHold, outcomesOf, type DeliveryReads, type GroupPages } from './groups';
import { ALERT_BUDGET, decodeCursor, encodeCursor, filterMatcher, ListKeySchema, parseFilter, parseLimit, READ_BUDGET, type PageQuery } from './paging';

/**
 * What is happening to an alert now, most telling first: resolved > inhibited > silenced > throttled
 * (held by a receiver's storm limit) > cooldown > failed (the last notification that carried it
 * failed for good on some channel; the group's next flush tries again) > firing (notified, in
 * flight, or due to be at the next flush).
 */
export const ALERT_STATES = ['firing', 'resolved', 'silenced', 'inhibited', 'throttled', 'cooldown', 'failed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertGroupRef {
  id: string;
  key: string;
  receiver: string;
  routeId: string;
}

/**
 * An alert as the API shows it: the alert, its state, and the groups (route + receiver) it is in.
 * `silenced_by` and `inhibited_by` are always present, as Alertmanager's `silencedBy`/`inhibitedBy`:
 * the active silences matching it, and the firing alert inhibiting it; they are filled for resolved
 * alerts too, though `state` then says `resolved`.
 */
export interface AlertView extends GroupAlert {
  id: string;
  /** The status now: a firing alert whose `endsAt` has passed is resolved. */
  status: 'firing' | 'resolved';
  state: AlertState;
  silenced_by: string[];
  inhibited_by: string[];
  /** Changing state more often than its route's `flapping` settings allow. */
  flapping: boolean;
  groups: AlertGroupRef[];
}

/** What the views read besides the groups: loaded once per request. */
export interface StateContext {
  now: Date;
  silences: readonly Silence[];
  config: Pick<CompiledConfig, 'inhibitRules' | 'routesById'>;
  /** Delivery records of the groups' unsettled notifications (see `outcomesOf`). */
  outcomes?: ReadonlyMap<string, RecordedDelivery> | undefined;
  /**
   * Firing alerts that may inhibit, from the inhibition index, besides the given groups' own
   * firing alerts (a page of groups does not hold every source).
   */
  sources?: readonly InhibitionSource[] | undefined;
}

export interface AlertStateDeps {
  groups: GroupPages & Pick<GroupStore, 'getMany' | 'holding'>;
  /** The silences not ended at `now` (SilenceStore.current): only those can mute. */
  silences: { current(now: Date): Promise<Silence[]> };
  /** The inhibition index the router keeps (InhibitionSourceStore). */
  inhibitions: { query(partition: string, now: Date, limit?: number): Promise<InhibitionSource[]> };
  deliveries: DeliveryReads;
  config: StateContext['config'] & Pick<CompiledConfig, 'routeTree'>;
  clock: Clock;
}

export interface AlertQuery extends PageQuery {
  status?: string | undefined;
  /** One state, or several comma-separated (a repeated `?state=` arrives joined that way). */
  state?: string | undefined;
  receiver?: string | undefined;
}

interface Entry {
  alert: GroupAlert;
  groups: GroupState[];
}

/**
 * One view per alert: alerts in several groups are listed once, with every group. Resolved alerts
 * that left their group in the last hour are included, unless the alert is back in some group.
 * Newest first.
 */
export function alertViews(groups: readonly GroupState[], ctx: StateContext): AlertView[] {
  const now = ctx.now.getTime();
  const ordered = [...groups].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  const current = new Map<string, Entry>();
  for (const g of ordered) for (const a of Object.values(g.alerts)) addTo(current, a, g);
  const gone = new Map<string, Entry>();
  for (const g of ordered) for (const a of recentlyResolved(g, now)) if (!current.has(a.fingerprint)) addTo(gone, a, g, true);

  // Every firing alert of every group may inhibit, whatever its own state (as in Alertmanager).
  const firing = [...current.values()].map((e) => e.alert);
  const inhibitedBy = inhibitor(ctx.sources ? [...ctx.sources, ...firing] : firing, ctx.config.inhibitRules, ctx.now);
  const silencedBy = silencesIndex(ctx.silences, ctx.now);
  const views = [...current.values(), ...gone.values()].map(({ alert, groups: gs }): AlertView => {
    const status = statusAt(alert, now);
    const silenced = silencedBy(alert);
    const inhibition = inhibitedBy(alert);
    const held = gs.flatMap((g) => {
      const hold = liveHold(g, now);
      return hold?.fingerprints.includes(alert.fingerprint) ? [hold.reason] : [];
    });
    const failed = gs.some((g) => failedFor(g, alert.fingerprint, ctx.outcomes ?? new Map()));
    const state = stateOf(status, inhibition !== undefined, silenced.length > 0, held, failed);
    return {
      ...alert,
      id: alert.fingerprint,
      status,
      state,
      silenced_by: silenced,
      inhibited_by: inhibition ? [inhibition.sourceFingerprint] : [],
      flapping: gs.some((g) => flapping(g, alert.fingerprint, ctx, now)),
      groups: gs.map((g) => ({ id: g.groupId, key: g.groupKey, receiver: g.receiver, routeId: g.routeId })),
    };
  });
  return views.sort((a, b) => (a.startsAt !== b.startsAt ? (a.startsAt < b.startsAt ? 1 : -1) : a.id < b.id ? -1 : 1));
}

function stateOf(status: 'firing' | 'resolved', inhibited: boolean, silenced: boolean, held: readonly Hold['reason'][], failed: boolean): AlertState {
  if (status === 'resolved') return 'resolved';
  if (inhibited) return 'inhibited';
  if (silenced) return 'silenced';
  if (held.includes('storm')) return 'throttled';
  if (held.includes('cooldown')) return 'cooldown';
  if (failed) return 'failed';
  return 'firing';
}

/** Whether the group's last notification carrying the alert as firing failed for good on some channel. */
function failedFor(g: GroupState, fingerprint: string, outcomes: ReadonlyMap<string, RecordedDelivery>): boolean {
  return Object.entries(g.sending ?? {}).some(([key, s]) => s.firing.includes(fingerprint) && sendingStatus(g.groupId, key, s, outcomes).status === 'failed');
}

// A resolved alert may have left several groups at different times; the latest resolve wins.
function addTo(map: Map<string, Entry>, alert: GroupAlert, g: GroupState, preferLatest = false): void {
  const entry = map.get(alert.fingerprint);
  if (!entry) {
    map.set(alert.fingerprint, { alert, groups: [g] });
    return;
  }
  entry.groups.push(g);
  if (preferLatest && (alert.resolvedAt ?? '') > (entry.alert.resolvedAt ?? '')) entry.alert = alert;
}

function flapping(g: GroupState, fingerprint: string, ctx: StateContext, now: number): boolean {
  const settings = ctx.config.routesById.get(g.routeId)?.flapping;
  return settings !== undefined && isFlapping(g.flaps[fingerprint], settings, now);
}

/** Apply `GET /v1/alerts` filters; a bad `status` or `state` is a 400 naming the allowed values. */
export function filterAlerts(views: readonly AlertView[], query: AlertQuery): AlertView[] {
  return views.filter(alertFilter(query));
}

/** The `status`, `state` and `receiver` filters as one predicate; throws ValidationError for bad values. */
function alertFilter(query: AlertQuery): (v: AlertView) => boolean {
  const { status, receiver } = query;
  if (status !== undefined && status !== 'firing' && status !== 'resolved') {
    throw new ValidationError(`status must be "firing" or "resolved" (got ${JSON.stringify(status)})`, [{ path: 'status', message: 'firing or resolved' }]);
  }
  const states = query.state === undefined ? undefined : parseStates(query.state);
  return (v) =>
    (status === undefined || v.status === status) &&
    (states === undefined || states.has(v.state)) &&
    (receiver === undefined || v.groups.some((g) => g.receiver === receiver));
}

function parseStates(text: string): Set<AlertState> {
  const wanted = text.split(',').map((s) => s.trim());
  const bad = wanted.filter((s) => !(ALERT_STATES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw new ValidationError(`state must be one or more of ${ALERT_STATES.join(', ')} (got ${JSON.stringify(text)})`, [
      { path: 'state', message: ALERT_STATES.join(' | ') },
    ]);
  }
  return new Set(wanted as AlertState[]);
}

/** Validates the whole query before anything is read, so a bad one costs no read. */
function parseQuery(query: AlertQuery) {
  const keep = alertFilter(query);
  const matches = filterMatcher(parseFilter(query.filter));
  return {
    keep: (v: AlertView) => matches(v.labels) && keep(v),
    limit: parseLimit(query.limit),
    cursor: decodeCursor(query.cursor, AlertCursor, (c) => inRange(c.k, { lpk: GROUPS_LIST_PK })),
  };
}

/**
 * Where a page of alerts ended: the listing index key of a group and, when the page ended inside
 * it, the last alert listed there (its startsAt and id; alerts of a group list newest first).
 */
const AlertCursor = z.object({ k: ListKeySchema, a: z.tuple([z.string().max(64), z.string().max(256)]).optional() }).strict();
type Position = [startsAt: string, id: string];

/** Whether `v` comes after `pos` in a group's order (startsAt descending, then id). */
const isAfter = (v: AlertView, pos: Position | undefined) => !pos || v.startsAt < pos[0] || (v.startsAt === pos[0] && v.id > pos[1]);

/** The order of groups in the listing index. */
const listOrder = (g: AlertGroupRef) => groupListKeys({ receiver: g.receiver, groupKey: g.key, groupId: g.id }).lsk;

/**
 * The ids of every group the current config routes these labels to. An alert in several groups
 * (routes with `continue`) is listed once, at the first of them in listing order; reading its
 * other groups beside a page shows it with every group, wherever it is listed.
 */
function groupIdsFor(labels: Record<string, string>, config: AlertStateDeps['config']): string[] {
  if (!mayRouteToSeveral(config.routeTree)) return [];
  return matchRoutes(config.routeTree, labels).map((route) => groupIdOf(route, groupKeyFor(route, labels)));
}

const severalRoutes = new WeakMap<RouteNode, boolean>();
/** Only a route with `continue` lets an alert match more than one route (and so be in several groups). */
function mayRouteToSeveral(root: RouteNode): boolean {
  let several = severalRoutes.get(root);
  if (several === undefined) {
    const anyContinue = (n: RouteNode): boolean => n.routes.some((c) => c.continue || anyContinue(c));
    severalRoutes.set(root, (several = anyContinue(root)));
  }
  return several;
}

/** What the views of one request share: its instant, the silences then, and its inhibition reads. */
export interface ViewContext {
  now: Date;
  silences: readonly Silence[];
  sources: (partitions: Set<string>) => Promise<InhibitionSource[]>;
}

/** A request's ViewContext: the silences not ended now, and inhibition partitions read once each. */
export async function viewContext(deps: AlertStateDeps, now: Date): Promise<ViewContext> {
  return { now, silences: await deps.silences.current(now), sources: sourceReader(deps, now) };
}

/**
 * The views of every alert in `page`'s groups, each with all its groups: those of the page, and
 * the others the config routes it to (read beside the page: routes with `continue`).
 */
export async function viewsOf(page: readonly GroupState[], deps: AlertStateDeps, base: ViewContext): Promise<AlertView[]> {
  const now = base.now.getTime();
  const inPage = new Set(page.map((g) => g.groupId));
  const others = new Set<string>();
  const partitions = new Set<string>();
  for (const g of page) {
    for (const a of [...Object.values(g.alerts), ...recentlyResolved(g, now)]) {
      const ids = groupIdsFor(a.labels, deps.config);
      if (ids.length > 1) for (const id of ids) if (!inPage.has(id)) others.add(id);
      for (const rule of deps.config.inhibitRules) if (matchesAll(rule.target, a.labels)) partitions.add(inhibitPartition(rule, a.labels));
    }
  }
  const siblings = others.size > 0 ? [...(await deps.groups.getMany([...others], base.now)).values()] : [];
  const groups = [...page, ...siblings];
  const [sources, outcomes] = await Promise.all([base.sources(partitions), outcomesOf(groups, deps.deliveries)]);
  return alertViews(groups, { now: base.now, silences: base.silences, config: deps.config, outcomes, sources });
}

/** The views of the alerts whose first group (in listing order) is among `page`, by that group. */
async function pageViews(page: readonly GroupState[], deps: AlertStateDeps, base: ViewContext): Promise<Map<string, AlertView[]>> {
  const inPage = new Set(page.map((g) => g.groupId));
  const byHome = new Map<string, AlertView[]>();
  for (const v of await viewsOf(page, deps, base)) {
    const home = v.groups.reduce((first, g) => (listOrder(g) < listOrder(first) ? g : first));
    if (!inPage.has(home.id)) continue;
    const list = byHome.get(home.id);
    if (list) list.push(v);
    else byHome.set(home.id, [v]);
  }
  return byHome;
}

/**
 * Sources read per inhibition index partition. Every source in a partition matches the rule's
 * source side with the same `equal` values, so any one inhibits the partition's targets; the view
 * names one. Only a target that also matches the source side needs a source that does not match
 * the target side (Alertmanager's two-sided exclusion), which the first SOURCES_READ may not hold.
 */
export const SOURCES_READ = 5;

/** Per request: the inhibition index partitions read so far (the router reads them the same way). */
function sourceReader(deps: AlertStateDeps, now: Date) {
  const read = new Map<string, Promise<InhibitionSource[]>>();
  return async (partitions: Set<string>) => {
    for (const p of partitions) if (!read.has(p)) read.set(p, deps.inhibitions.query(p, now, SOURCES_READ));
    return (await Promise.all([...partitions].map((p) => read.get(p)!))).flat();
  };
}

/**
 * GET /v1/alerts[?filter=][&status=][&state=][&receiver=][&limit=][&cursor=]: alerts group by group
 * in the listing index's order (receiver, then group key), newest first within a group. A page
 * reads at most READ_BUDGET groups and evaluates at most ALERT_BUDGET alerts; `next_cursor` goes on.
 */
export async function listAlerts(deps: AlertStateDeps, query: AlertQuery = {}): Promise<{ alerts: AlertView[]; next_cursor: string | null }> {
  const { keep, limit, cursor } = parseQuery(query);
  const now = deps.clock();
  const base = await viewContext(deps, now);
  const out: AlertView[] = [];
  let examined = 0;
  let read = 0;
  let after = cursor?.k;
  // A page that ended inside a group starts by reading that group again, after the last alert listed.
  let resume: { groupId: string; pos: Position } | undefined = cursor?.a ? { groupId: cursor.k.pk.slice('GROUP#'.length), pos: cursor.a } : undefined;
  let groupsSeen = 0;
  for (;;) {
    // Read about as many groups as the rest of the page needs at the rate seen so far (a few first).
    const perGroup = groupsSeen > 0 ? out.length / groupsSeen : 0;
    const size = perGroup > 0 ? Math.ceil((limit - out.length) / perGroup) + 1 : Math.min(2 ** Math.min(groupsSeen, 6) * 2, 100);
    const page = resume
      ? { groups: [...(await deps.groups.getMany([resume.groupId], now)).values()], read: 1, last: after }
      : await deps.groups.page(after, Math.max(1, Math.min(size, 100, READ_BUDGET - read)), now);
    read += page.read;
    groupsSeen += page.groups.length;
    const views = await pageViews(page.groups, deps, base);
    for (const g of page.groups) {
      for (const v of views.get(g.groupId) ?? []) {
        if (resume && !isAfter(v, resume.pos)) continue;
        examined++;
        if (keep(v)) out.push(v);
        if (out.length === limit || examined >= ALERT_BUDGET) {
          return { alerts: out, next_cursor: encodeCursor({ k: groupIndexKey(g), a: [v.startsAt, v.id] }) };
        }
      }
    }
    resume = undefined;
    after = page.last;
    if (!after) return { alerts: out, next_cursor: null };
    if (read >= READ_BUDGET) return { alerts: out, next_cursor: encodeCursor({ k: after }) };
  }
}

/**
 * GET /v1/alerts/{id}: `id` is alertflow's fingerprint, or the fingerprint the sender gave the
 * alert (`sourceFingerprint`: Grafana's differ from alertflow's, which follow Alertmanager's), so
 * a link copied from the sender finds the alert too. The groups holding an alertflow fingerprint
 * come from the store's `holding` (on DynamoDB a walk of at most HOLDING_WALK_LIMIT groups), only
 * for an id that can be one; a sender's fingerprint is looked for in at most READ_BUDGET groups,
 * a page at a time.
 */
export async function getAlert(deps: AlertStateDeps, id: string): Promise<AlertView> {
  const base = await viewContext(deps, deps.clock());
  const holding = isFingerprint(id) ? await deps.groups.holding(id, base.now) : [];
  if (holding.length > 0) {
    const view = [...(await pageViews(holding, deps, base)).values()].flat().find((v) => v.id === id);
    if (view) return view;
  }
  const bySender = await holdingSourceFingerprint(deps, id, base.now);
  if (bySender.length > 0) {
    const views = [...(await pageViews(bySender, deps, base)).values()].flat().filter((v) => v.sourceFingerprint === id);
    // Any caller can claim any fingerprint: when several alerts carry it, none is the answer.
    if (views.length > 1) throw new ConflictError(`${views.length} alerts carry the sender fingerprint ${JSON.stringify(id)}: ${views.map((v) => v.id).join(', ')}`);
    if (views[0]) return views[0];
  }
  throw new NotFoundError(`no alert with id ${JSON.stringify(id)}`);
}

/** The groups holding an alert whose sender gave it `fingerprint`, read from the listing (at most READ_BUDGET groups). */
function holdingSourceFingerprint(deps: AlertStateDeps, fingerprint: string, now: Date): Promise<GroupState[]> {
  const holds = (g: GroupState) => [...Object.values(g.alerts), ...recentlyResolved(g, now.getTime())].some((a) => a.sourceFingerprint === fingerprint);
  return groupsWhere(deps.groups, holds, now, READ_BUDGET);
}

/**
 * The names /v1 answered in camelCase before it settled on snake_case, and their snake_case names.
 * Both are sent for one release (the camelCase ones deprecated: README, "API conventions").
 */
const DEPRECATED_CAMEL = { startsAt: 'starts_at', endsAt: 'ends_at', generatorURL: 'generator_url', sourceFingerprint: 'source_fingerprint', resolvedAt: 'resolved_at' } as const;

/** An alert as /v1 answers it: snake_case throughout, with the deprecated camelCase names beside. */
export function alertJson(v: AlertView): Record<string, unknown> {
  const out: Record<string, unknown> = { ...v, groups: v.groups.map((g) => ({ ...g, route_id: g.routeId })) };
  for (const [camel, snake] of Object.entries(DEPRECATED_CAMEL)) if (v[camel as keyof AlertView] !== undefined) out[snake] = v[camel as keyof AlertView];
  return out;
}
