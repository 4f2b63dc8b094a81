import { statusAt } from '../alerts/model';
import { recentlyResolved } from '../grouping/model';
import { channelLabel } from '../grouping/flush';
import { sendingStatus, unsettledIds } from '../grouping/nflog';
import type { RecordedDelivery } from '../store/deliveries';
import type { GroupStore } from '../store/port';
import type { Incident } from '../escalation/incident';
import type { HistoryStore } from '../history/history';
import type { ListKey } from '../store/keys';
import type { IncidentStore } from '../store/port';
import type { DigestSummary } from '../queues/messages';
import { readPages } from '../store/bounded';

/**
 * What a digest reads, each source bounded (a digest runs once a day, in one invocation): the
 * history of the window, the groups as they stand, and the incidents that started in the window.
 * Past a bound the counts are lower bounds and the digest says `partial`.
 */
export interface DigestSources {
  history: HistoryStore;
  groups: Pick<GroupStore, 'page'>;
  /** The delivery records of notifications the groups have not folded in yet (as GET /v1/groups reads them). */
  deliveries: { outcomes(ids: readonly string[]): Promise<ReadonlyMap<string, RecordedDelivery>> };
  incidents: Pick<IncidentStore, 'page'>;
}

export const DIGEST_BUDGET = { history: 50_000, groups: 20_000, incidents: 10_000 } as const;
/** Checks and failing channels listed at most (the rest counted in `omitted`): the digest fits one queue message. */
export const DIGEST_LIST_MAX = 25;

export async function collectDigest(sources: DigestSources, window: { from: Date; to: Date }, timezone: string, now: Date): Promise<DigestSummary> {
  let partial = false;
  const from = window.from.getTime();
  const to = window.to.getTime();
  const inWindow = (iso: string) => {
    const t = Date.parse(iso);
    return t >= from && t < to;
  };
  const fired = new Map<string, number>();
  const checks = new Map<string, number>();
  const countFired = (labels: Readonly<Record<string, string>>) => {
    const name = labels.alertname ?? '(no alertname)';
    fired.set(name, (fired.get(name) ?? 0) + 1);
    if (labels.check !== undefined) checks.set(labels.check, (checks.get(labels.check) ?? 0) + 1);
  };

  // Resolved in the window; those that also started in it fired in it.
  let resolved = 0;
  let firedCount = 0;
  const history = await readPages((after: string | undefined) => sources.history.page(window, after, 1000, now), DIGEST_BUDGET.history, (page) => {
    for (const e of page.entries) {
      resolved++;
      if (inWindow(e.startsAt)) {
        firedCount++;
        countFired(e.labels);
      }
    }
  });
  partial ||= history.partial;

  // Fired in the window and resolved after it (a preview of a past window, a late send): firing at its end.
  let firing = 0;
  if (now.getTime() > to) {
    // Within what is left of the history's budget.
    const later = await readPages((after: string | undefined) => sources.history.page({ from: window.to, to: now }, after, 1000, now), DIGEST_BUDGET.history - history.read, (page) => {
      for (const e of page.entries) {
        if (!inWindow(e.startsAt)) continue;
        firing++;
        firedCount++;
        countFired(e.labels);
      }
    });
    partial ||= later.partial;
  }

  // Still firing at the end of the window (as the groups stand now), and channels whose last notification failed.
  const failed = new Map<string, { receiver: string; channel: string; groups: number }>();
  const groups = await readPages((after: ListKey | undefined) => sources.groups.page(after, 1000, now), DIGEST_BUDGET.groups, async (page) => {
    for (const g of page.groups) {
      for (const a of Object.values(g.alerts)) {
        if (statusAt(a, to) !== 'firing' || !inWindow(a.startsAt)) continue;
        firing++;
        firedCount++;
        countFired(a.labels);
      }
    }
    // A channel entry's last notification, sent and not yet folded into the group's log, that failed for good.
    const shown = page.groups.filter((g) => Object.keys(g.alerts).length > 0 || recentlyResolved(g, now.getTime()).length > 0);
    const ids = shown.flatMap((g) => unsettledIds(g));
    const outcomes = ids.length > 0 ? await sources.deliveries.outcomes(ids) : new Map<string, RecordedDelivery>();
    for (const g of shown) {
      for (const [key, sent] of Object.entries(g.sending ?? {})) {
        if (sendingStatus(g.groupId, key, sent, outcomes).status !== 'failed') continue;
        const channel = channelLabel(key);
        const entry = failed.get(`${g.receiver}\u0000${channel}`) ?? { receiver: g.receiver, channel, groups: 0 };
        entry.groups++;
        failed.set(`${g.receiver}\u0000${channel}`, entry);
      }
    }
  });
  partial ||= groups.partial;

  const incidents = await incidentsIn(sources.incidents, from, to, now);
  partial ||= incidents.partial;
  const started = incidents.list;
  const { tta, ttr } = responseTimes(started);

  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    timezone,
    alerts: { fired: firedCount, resolved, firing },
    incidents: { started: started.length, acknowledged: tta.length, resolved: ttr.length, time_to_acknowledge: quantiles(tta), time_to_resolve: quantiles(ttr) },
    noisiest: top(fired, 10).map(([alertname, count]) => ({ alertname, count })),
    checks: top(checks, DIGEST_LIST_MAX).map(([name, count]) => ({ name, count })),
    failed_deliveries: [...failed.values()].sort((a, b) => b.groups - a.groups || (a.receiver + a.channel).localeCompare(b.receiver + b.channel)).slice(0, DIGEST_LIST_MAX),
    omitted: { checks: Math.max(0, checks.size - DIGEST_LIST_MAX), failed_deliveries: Math.max(0, failed.size - DIGEST_LIST_MAX) },
    partial,
  };
}

/** Incidents that started in [from, to): both listings are newest first by start, so each is read until it passes `from`. */
export async function incidentsIn(store: Pick<IncidentStore, 'page'>, from: number, to: number, now: Date): Promise<{ list: Incident[]; partial: boolean }> {
  const list: Incident[] = [];
  let read = 0;
  for (const segment of ['open', 'resolved'] as const) {
    let after: ListKey | undefined;
    let older = false;
    do {
      const page = await store.page(segment, after, 500, now);
      read += page.read;
      for (const i of page.incidents) {
        if (i.startedAt < from) older = true;
        else if (i.startedAt < to) list.push(i);
      }
      after = page.last;
      if (read >= DIGEST_BUDGET.incidents && after && !older) return { list, partial: true };
    } while (after && !older);
  }
  return { list, partial: false };
}

function top(counts: ReadonlyMap<string, number>, n: number): Array<[string, number]> {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

/** Seconds from each incident's start to its acknowledgement and to its resolve (those that had one). */
export function responseTimes(incidents: readonly Incident[]): { tta: number[]; ttr: number[] } {
  return {
    tta: incidents.flatMap((i) => (i.acknowledged ? [(i.acknowledged.at - i.startedAt) / 1000] : [])),
    ttr: incidents.flatMap((i) => (i.resolved ? [(i.resolved.at - i.startedAt) / 1000] : [])),
  };
}

/** Median and 90th percentile (nearest rank), in seconds rounded to one; null without samples. */
export function quantiles(samples: readonly number[]): { median_s: number | null; p90_s: number | null; count: number } {
  if (samples.length === 0) return { median_s: null, p90_s: null, count: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => Math.round(s[Math.max(0, Math.ceil(q * s.length) - 1)]!);
  return { median_s: rank(0.5), p90_s: rank(0.9), count: s.length };
}
