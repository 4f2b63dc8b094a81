import { NotFoundError, ValidationError } from '../errors';
import { isFlapping } from '../grouping/flapping';
import { sendingStatus } from '../grouping/nflog';
import { statusAt } from '../alerts/model';
import { inhibitor } from '../inhibition/rules';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { Clock } from '../runtime/ports';
import { silences as silencedBy, type Silence } from '../silences/model';
import type { RecordedDelivery } from '../store/deliveries';
import { recentlyResolved, type GroupAlert, type GroupState, type Hold } from '../store/groups';
import { liveHold, outcomesOf, type DeliveryReads } from './groups';

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
}

export interface AlertStateDeps {
  groups: { list(now: Date): Promise<GroupState[]> };
  silences: { list(now: Date): Promise<Silence[]> };
  deliveries: DeliveryReads;
  config: StateContext['config'];
  clock: Clock;
}

export interface AlertQuery {
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
  const inhibitedBy = inhibitor(
    [...current.values()].map((e) => e.alert),
    ctx.config.inhibitRules,
    ctx.now,
  );
  const views = [...current.values(), ...gone.values()].map(({ alert, groups: gs }): AlertView => {
    const status = statusAt(alert, now);
    const silenced = silencedBy(alert, ctx.silences, ctx.now);
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
  const { status, receiver } = query;
  if (status !== undefined && status !== 'firing' && status !== 'resolved') {
    throw new ValidationError(`status must be "firing" or "resolved" (got ${JSON.stringify(status)})`, [{ path: 'status', message: 'firing or resolved' }]);
  }
  const states = query.state === undefined ? undefined : parseStates(query.state);
  return views.filter(
    (v) =>
      (status === undefined || v.status === status) &&
      (states === undefined || states.has(v.state)) &&
      (receiver === undefined || v.groups.some((g) => g.receiver === receiver)),
  );
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

async function load(deps: AlertStateDeps): Promise<AlertView[]> {
  const now = deps.clock();
  const [groups, silences] = await Promise.all([deps.groups.list(now), deps.silences.list(now)]);
  return alertViews(groups, { now, silences, config: deps.config, outcomes: await outcomesOf(groups, deps.deliveries) });
}

/** GET /v1/alerts[?status=][&state=][&receiver=]. */
export async function listAlerts(deps: AlertStateDeps, query: AlertQuery = {}): Promise<AlertView[]> {
  // Validate before reading, so a bad query costs no scan.
  filterAlerts([], query);
  return filterAlerts(await load(deps), query);
}

/** GET /v1/alerts/{id}: id is the fingerprint. */
export async function getAlert(deps: AlertStateDeps, id: string): Promise<AlertView> {
  const view = (await load(deps)).find((v) => v.id === id);
  if (!view) throw new NotFoundError(`no alert with id ${JSON.stringify(id)}`);
  return view;
}
