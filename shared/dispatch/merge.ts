import { sameLabelSet, statusAt, type Alert } from '../alerts/model';
import type { GroupAlert } from '../grouping/model';
import { NOTHING_HEARD, type Heard } from '../grouping/nflog';

export interface GroupChange {
  /** The group's alerts after the merge. */
  alerts: Record<string, GroupAlert>;
  /** True when anything a notification would show changed. */
  changed: boolean;
  /** Alerts that are new or fire again. */
  newlyFiring: GroupAlert[];
  /** Alerts that this merge resolved. */
  resolved: GroupAlert[];
  /** Resolves of alerts the group never heard of, kept for its next flush (see mergeAlerts). */
  strays: GroupAlert[];
  /** Whether the group held alerts before the merge, and holds any after it. */
  hadAlerts: boolean;
  hasAlerts: boolean;
}

/**
 * Fold incoming alerts into a group's alerts. An unchanged re-send (same status, labels,
 * annotations, start) is not a change, so it costs no write. Resolved alerts stay: only a flush
 * removes them, once the channels were told.
 *
 * A resolve for an alert the group does not hold is kept when the group never heard of it (`heard`:
 * no channel was told of it, it did not leave the group lately), as Alertmanager's aggregation group
 * stores any alert it is given and its next flush shows it resolved (to channels with
 * send_resolved, whose log it is news to). A re-send of a resolve the group has heard of (Prometheus
 * re-sends resolves for 15 minutes) is not news and costs no write. Nor is a stray kept where no
 * flush could notify: with nothing firing and no channel last told of firing alerts, Alertmanager's
 * dedup notifies nobody. A CloudWatch OK is no stray (see endsAnAlert).
 */
export function mergeAlerts(current: Readonly<Record<string, GroupAlert>>, incoming: readonly Alert[], now: Date, heard: Heard = NOTHING_HEARD): GroupChange {
  // Unchanged alerts stay the same objects (stores tell changed alerts apart by identity). Copied
  // in the loop, not spread (see copyAlerts).
  const alerts: Record<string, GroupAlert> = {};
  let changed = false;
  let hadAlerts = false;
  const at = now.getTime();
  for (const fp in current) {
    hadAlerts = true;
    const a = current[fp]!;
    // Auto-resolve: a firing alert whose ends_at has passed is resolved from then on.
    if (a.status === 'firing' && a.endsAt !== undefined && statusAt(a, at) === 'resolved') {
      alerts[fp] = { ...a, status: 'resolved', resolvedAt: now.toISOString() };
      changed = true;
    } else {
      alerts[fp] = a;
    }
  }

  const newlyFiring: GroupAlert[] = [];
  const resolved: GroupAlert[] = [];
  let strays: GroupAlert[] = [];
  for (const alert of latestPerFingerprint(incoming)) {
    const prev = alerts[alert.fingerprint];
    if (alert.status === 'resolved') {
      if (!prev && endsAnAlert(alert) && !heard.has(alert.fingerprint)) strays.push({ ...alert, resolvedAt: now.toISOString() });
      if (!prev || prev.status === 'resolved') continue;
      // Retention counts from when the resolve was learned: a late resolve (old ends_at) must still be flushed.
      // The earlier start stays, as Alertmanager merges (a client that omits starts_at sends the resolve's time).
      const startsAt = prev.startsAt < alert.startsAt ? prev.startsAt : alert.startsAt;
      const next: GroupAlert = { ...prev, ...alert, startsAt, resolvedAt: now.toISOString() };
      alerts[alert.fingerprint] = next;
      resolved.push(next);
      changed = true;
      continue;
    }
    const continuing = prev?.status === 'firing' ? prev : undefined;
    const incomingEnd = endOfMerge(continuing, alert);
    if (continuing && sameContent(continuing, alert, incomingEnd, now)) continue;
    // A continuing alert keeps its first start, as Alertmanager merges it (clients that omit
    // starts_at would otherwise move it on every re-send).
    const startsAt = continuing && continuing.startsAt < alert.startsAt ? continuing.startsAt : alert.startsAt;
    const next: GroupAlert = { ...alert, startsAt };
    if (incomingEnd !== alert.endsAt) {
      next.endsAt = incomingEnd;
      delete next.timeout;
    }
    alerts[alert.fingerprint] = next;
    changed = true;
    // An annotation update on a firing alert is a change but not a new page.
    if (!prev || prev.status === 'resolved') newlyFiring.push(next);
  }
  if (strays.length > 0 && (Object.values(alerts).some((a) => a.status === 'firing') || heard.toldFiring())) {
    for (const a of strays) alerts[a.fingerprint] = a;
    changed = true;
  } else {
    strays = [];
  }
  // An incoming alert is only ever added.
  return { alerts, changed, newlyFiring, resolved, strays, hadAlerts, hasAlerts: hadAlerts || newlyFiring.length > 0 || strays.length > 0 };
}

/**
 * Whether a resolve is the end of an alert its sender sent firing (to someone): so with every
 * source of Alertmanager's protocols. A CloudWatch OK is the alarm's state, sent on every change
 * into OK, from INSUFFICIENT_DATA as well (an alarm just created, a gap in its data): one the group
 * never heard of ends nothing, and is not kept as a stray.
 */
const endsAnAlert = (a: Alert): boolean => a.source !== 'cloudwatch';

/** One request may carry the same alert twice; the later one wins. */
function latestPerFingerprint(alerts: readonly Alert[]): Alert[] {
  const byFp = new Map<string, Alert>();
  for (const a of alerts) byFp.set(a.fingerprint, a);
  return [...byFp.values()];
}

/**
 * The end of a firing alert merged over the firing `prev`, as Alertmanager's `Alert.Merge` decides
 * it: a later end the sender gave (not a timeout alertflow set) outranks an earlier one sent since.
 */
function endOfMerge(prev: Alert | undefined, alert: Alert): string | undefined {
  if (prev?.endsAt === undefined || alert.endsAt === undefined || prev.timeout) return alert.endsAt;
  return prev.endsAt > alert.endsAt ? prev.endsAt : alert.endsAt;
}

/**
 * Clients that send a timeout move `endsAt` forward on every re-send (Prometheus: 4 evaluation
 * intervals ahead, every interval). Extending an end that is still more than half the new horizon
 * ahead is not worth a write: it is refreshed on a later re-send, before it passes. So a stored end
 * may lag the latest one sent by up to half its horizon, and a sender that stops re-sending sees
 * its alert resolve that much earlier than Alertmanager would resolve it (ADR 0022).
 */
function sameEndsAt(stored: string | undefined, incoming: string | undefined, now: Date): boolean {
  if (stored === incoming) return true;
  if (stored === undefined || incoming === undefined) return false;
  const s = Date.parse(stored);
  const i = Date.parse(incoming);
  const t = now.getTime();
  return i >= s && s - t > (i - t) / 2;
}

function sameContent(a: Alert, b: Alert, incomingEnd: string | undefined, now: Date): boolean {
  return (
    b.startsAt >= a.startsAt &&
    sameEndsAt(a.endsAt, incomingEnd, now) &&
    (a.generatorURL ?? '') === (b.generatorURL ?? '') &&
    sameLabelSet(a.labels, b.labels) &&
    sameLabelSet(a.annotations, b.annotations)
  );
}
