import { statusAt } from '../alerts/model';
import { incidentsIn, quantiles, responseTimes } from '../digest/collect';
import type { HistoryStore } from '../history/history';
import type { ListKey } from '../store/keys';
import { readPages } from '../store/bounded';
import { FAILED_STATUSES } from '../delivery/claims';
import type { DeliveryStore, GroupStore, IncidentStore } from '../store/port';

/**
 * What alertflow did over a window (`GET /v1/stats`): alerts and incidents per route and receiver,
 * time to acknowledge and to resolve, the noisiest and the flapping alerts, and delivery success per
 * channel. Read from the history, the groups as they stand, the incidents and the delivery log,
 * each within a bound: past one, counts are lower bounds and the answer says `partial`.
 */
export interface StatsSources {
  history: HistoryStore;
  groups: Pick<GroupStore, 'page'>;
  incidents: Pick<IncidentStore, 'page'>;
  deliveries: Pick<DeliveryStore, 'page'>;
}

/** Items read at most per source for one answer. */
export const STATS_BUDGET = { history: 50_000, groups: 20_000, incidents: 10_000, deliveries: 50_000 } as const;
/** Rows in each ranked list. */
export const STATS_TOP = 10;

export interface Stats {
  partial: boolean;
  alerts: { fired: number; resolved: number; by_receiver: Array<{ receiver: string; fired: number }>; by_route: Array<{ route: string; fired: number }> };
  incidents: {
    started: number;
    acknowledged: number;
    resolved: number;
    time_to_acknowledge: ReturnType<typeof quantiles>;
    time_to_resolve: ReturnType<typeof quantiles>;
    by_receiver: Array<{ receiver: string; started: number }>;
    by_route: Array<{ route: string; started: number }>;
  };
  noisiest: Array<{ alertname: string; fired: number }>;
  /** Alerts that resolved and fired again in the window: each resolve after the first is a flap. */
  flapping: Array<{ alertname: string; labels: Readonly<Record<string, string>>; resolves: number; receiver: string }>;
  deliveries: Array<{ channel: string; delivered: number; failed: number; pending: number; success_rate: number | null }>;
}

export async function collectStats(sources: StatsSources, window: { from: Date; to: Date }, now: Date): Promise<Stats> {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const byReceiver = new Map<string, number>();
  const byRoute = new Map<string, number>();
  const byName = new Map<string, number>();
  const fired = (labels: Readonly<Record<string, string>>, receiver: string, groupKey: string) => {
    bump(byReceiver, receiver);
    bump(byRoute, routeOfGroupKey(groupKey));
    bump(byName, labels.alertname ?? '(no alertname)');
  };

  // Resolved in the window (those that also started in it fired in it); a fingerprint resolving again is a flap.
  let resolved = 0;
  const resolves = new Map<string, { labels: Readonly<Record<string, string>>; receiver: string; resolves: number }>();
  const history = await readPages((after: string | undefined) => sources.history.page(window, after, 1000, now), STATS_BUDGET.history, (page) => {
    for (const e of page.entries) {
      resolved++;
      const t = Date.parse(e.startsAt);
      if (t >= from && t < to) fired(e.labels, e.receiver, e.groupKey);
      const key = `${e.groupId}\u0000${e.fingerprint}`;
      const seen = resolves.get(key) ?? { labels: e.labels, receiver: e.receiver, resolves: 0 };
      seen.resolves++;
      resolves.set(key, seen);
    }
  });

  // Still firing (as the groups stand), started in the window.
  const groups = await readPages((after: ListKey | undefined) => sources.groups.page(after, 1000, now), STATS_BUDGET.groups, (page) => {
    for (const g of page.groups) {
      for (const a of Object.values(g.alerts)) {
        const t = Date.parse(a.startsAt);
        if (statusAt(a, now.getTime()) === 'firing' && t >= from && t < to) fired(a.labels, g.receiver, g.groupKey);
      }
    }
  });

  const incidents = await incidentsIn(sources.incidents, from, to, now);
  const started = incidents.list;
  const { tta, ttr } = responseTimes(started);
  const incidentsByReceiver = new Map<string, number>();
  const incidentsByRoute = new Map<string, number>();
  for (const i of started) {
    bump(incidentsByReceiver, i.routeReceiver);
    bump(incidentsByRoute, routeOfGroupKey(i.groupKey));
  }

  // Deliveries of notifications made in the window, by channel type.
  const channels = new Map<string, { delivered: number; failed: number; pending: number }>();
  const deliveries = await readPages((after: string | undefined) => sources.deliveries.page(window, after, 1000, now), STATS_BUDGET.deliveries, (page) => {
    for (const d of page.records) {
      const type = d.channel.replace(/\[\d+\]$/, '');
      const c = channels.get(type) ?? { delivered: 0, failed: 0, pending: 0 };
      if (d.status === 'delivered') c.delivered++;
      else if (FAILED_STATUSES.includes(d.status)) c.failed++;
      else c.pending++;
      channels.set(type, c);
    }
  });

  const firedTotal = [...byName.values()].reduce((a, b) => a + b, 0);
  return {
    partial: history.partial || groups.partial || incidents.partial || deliveries.partial,
    alerts: {
      fired: firedTotal,
      resolved,
      by_receiver: ranked(byReceiver).map(([receiver, n]) => ({ receiver, fired: n })),
      by_route: ranked(byRoute).map(([route, n]) => ({ route, fired: n })),
    },
    incidents: {
      started: started.length,
      acknowledged: tta.length,
      resolved: ttr.length,
      time_to_acknowledge: quantiles(tta),
      time_to_resolve: quantiles(ttr),
      by_receiver: ranked(incidentsByReceiver).map(([receiver, n]) => ({ receiver, started: n })),
      by_route: ranked(incidentsByRoute).map(([route, n]) => ({ route, started: n })),
    },
    noisiest: ranked(byName)
      .slice(0, STATS_TOP)
      .map(([alertname, n]) => ({ alertname, fired: n })),
    flapping: [...resolves.values()]
      .filter((r) => r.resolves >= 2)
      .sort((a, b) => b.resolves - a.resolves || (a.labels.alertname ?? '').localeCompare(b.labels.alertname ?? ''))
      .slice(0, STATS_TOP)
      .map((r) => ({ alertname: r.labels.alertname ?? '(no alertname)', labels: r.labels, resolves: r.resolves, receiver: r.receiver })),
    deliveries: [...channels]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([channel, c]) => ({ channel, ...c, success_rate: c.delivered + c.failed > 0 ? Math.round((c.delivered / (c.delivered + c.failed)) * 1000) / 1000 : null })),
  };
}

/**
 * The route of a group key (`<route key>:<group labels>`, as Alertmanager forms it): the text
 * before the first `:` outside braces and quotes. A route's matchers may hold `:` in their values.
 */
export function routeOfGroupKey(groupKey: string): string {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < groupKey.length; i++) {
    const c = groupKey[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ':' && depth === 0) return groupKey.slice(0, i);
  }
  return groupKey;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function ranked(m: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
