import type { GroupAlert, GroupState, GroupStore } from '../store/groups';
import { NotFoundError, ValidationError } from '../errors';

/** An alert as the API shows it: the alert and the groups (route + receiver) it is in. */
export interface AlertView extends Omit<GroupAlert, 'resolvedAt'> {
  id: string;
  resolvedAt?: string;
  groups: Array<{ id: string; key: string; receiver: string; routeId: string }>;
}

/** Flatten groups into one entry per alert; an alert routed to several groups is listed once. */
export function alertViews(groups: readonly GroupState[]): AlertView[] {
  const byId = new Map<string, AlertView>();
  for (const g of groups) {
    for (const a of Object.values(g.alerts)) {
      let view = byId.get(a.fingerprint);
      if (!view) {
        view = { ...a, id: a.fingerprint, groups: [] };
        byId.set(a.fingerprint, view);
      }
      view.groups.push({ id: g.groupId, key: g.groupKey, receiver: g.receiver, routeId: g.routeId });
    }
  }
  return [...byId.values()].sort((a, b) => (a.startsAt < b.startsAt ? 1 : -1));
}

export async function listAlerts(groups: GroupStore, now: Date, status?: string): Promise<AlertView[]> {
  if (status !== undefined && status !== 'firing' && status !== 'resolved') {
    throw new ValidationError(`status must be "firing" or "resolved" (got ${JSON.stringify(status)})`, [{ path: 'status', message: 'firing or resolved' }]);
  }
  const views = alertViews(await groups.list(now));
  return status ? views.filter((v) => v.status === status) : views;
}

export async function getAlert(groups: GroupStore, now: Date, id: string): Promise<AlertView> {
  const view = alertViews(await groups.list(now)).find((v) => v.id === id);
  if (!view) throw new NotFoundError(`no alert with id ${JSON.stringify(id)}`);
  return view;
}
