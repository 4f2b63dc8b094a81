import type { NotificationMessage } from './messages';

/**
 * A notification's queue message within SQS's size limit: a queue concern, shared by whatever
 * builds notifications (the router's flushes, the escalation service's pages and follow-ups).
 */

/** Largest notification body: under SQS's 256 KiB message limit with room for the batch call. */
export const MAX_NOTIFICATION_BYTES = 200 * 1024;

/**
 * Serialize a notification within MAX_NOTIFICATION_BYTES, dropping alerts from the end (resolved
 * ones come last) and counting them as truncated: a group with huge annotations must still notify.
 */
export function fitToMessage(n: NotificationMessage, serialized = JSON.stringify(n)): string {
  let body = serialized;
  let keep = n.group.alerts.length;
  // Start near the count that fits (10,000 alerts of 1 KB need no thirty halvings of 12 MB), then halve.
  const size = Buffer.byteLength(body);
  if (size > MAX_NOTIFICATION_BYTES) keep = Math.max(1, Math.min(keep, Math.floor((keep * MAX_NOTIFICATION_BYTES) / size) * 2));
  while (Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES && keep > 1) {
    keep = Math.max(1, Math.floor(keep / 2));
    const dropped = n.group.alerts.length - keep;
    body = JSON.stringify({ ...n, group: { ...n.group, alerts: n.group.alerts.slice(0, keep), truncatedAlerts: n.group.truncatedAlerts + dropped } });
  }
  if (Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES) {
    // One alert alone is too large (annotations of hundreds of KB): cut its annotation values.
    const [first] = n.group.alerts;
    const annotations = Object.fromEntries(Object.entries(first!.annotations).map(([k, v]) => [k, cut(v, 4096)]));
    const single = { ...n, group: { ...n.group, alerts: [{ ...first!, annotations }], truncatedAlerts: n.group.truncatedAlerts + n.group.alerts.length - 1 } };
    body = JSON.stringify(single);
    // Still too large: label values (a group_by label of 100 KB is in the key, the group's labels and
    // the alert), or many annotations. Cut every value shorter until it fits: SQS refuses a message
    // over 256 KiB, and a refused notification would fail its flush until the alerts dead-letter.
    const alert = single.group.alerts[0]!;
    const cutTo = (max: number) => ({
      ...single,
      group: {
        ...single.group,
        key: cut(single.group.key, max),
        labels: cutValues(single.group.labels, max),
        alerts: [{ ...alert, labels: cutValues(alert.labels, max), annotations: cutValues(alert.annotations, max), ...(alert.generatorURL === undefined ? {} : { generatorURL: cut(alert.generatorURL, max) }) }],
      },
    });
    let last: typeof single = single;
    for (let max = 4096; Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES && max >= 16; max = Math.floor(max / 2)) {
      last = cutTo(max);
      body = JSON.stringify(last);
    }
    if (Buffer.byteLength(body) <= MAX_NOTIFICATION_BYTES) return body;
    // Still too large: thousands of labels (the group's and the alert's, each a copy when grouped by
    // `...`) or of annotations. Leave the annotations out, then keep fewer labels, in name order,
    // until it fits. The message must fit; a notification with a payload reference is sent whole
    // from the payload store, and this is only what the sender falls back to.
    const a = last.group.alerts[0]!;
    const groupLabels = byName(last.group.labels);
    const alertLabels = byName(a.labels);
    for (let keepLabels = Math.max(groupLabels.length, alertLabels.length); Buffer.byteLength(body) > MAX_NOTIFICATION_BYTES && keepLabels > 0; ) {
      keepLabels = Math.floor(keepLabels / 2);
      body = JSON.stringify({
        ...last,
        group: { ...last.group, labels: Object.fromEntries(groupLabels.slice(0, keepLabels)), alerts: [{ ...a, labels: Object.fromEntries(alertLabels.slice(0, keepLabels)), annotations: {} }] },
      });
    }
  }
  return body;
}

/** Labels as entries in name order. */
const byName = (labels: Record<string, string>): Array<[string, string]> => Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const cut = (v: string, max: number): string => (v.length > max ? `${v.slice(0, max)}…` : v);
const cutValues = (values: Record<string, string>, max: number): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, cut(v, max)]));
