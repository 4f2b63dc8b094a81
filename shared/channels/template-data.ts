import type { Alert } from '../alerts/model';
import type { NotificationMessage } from '../queues/messages';
import { AlertList, KV, TemplateTime, type TemplateAlert, type TemplateData } from '../templates';

/**
 * Alertmanager's template data (`template.Data`) for a notification, plus alertflow's `GroupKey`
 * and `TruncatedAlerts`. Differences from Alertmanager: `Receiver` is the receiver's name as
 * configured (Alertmanager regex-quotes it, turning `team.ops` into `team\.ops`), and times have
 * millisecond precision.
 */
export function templateData(n: NotificationMessage, opts: { externalURL?: string } = {}): TemplateData {
  const alerts = n.group.alerts.map(toTemplateAlert);
  return Object.freeze({
    Receiver: n.receiver,
    Status: n.group.status,
    Alerts: new AlertList(alerts),
    GroupLabels: new KV(n.group.labels),
    CommonLabels: common(n.group.alerts.map((a) => a.labels)),
    CommonAnnotations: common(n.group.alerts.map((a) => a.annotations)),
    ExternalURL: opts.externalURL ?? n.externalURL ?? '',
    GroupKey: n.group.key,
    TruncatedAlerts: n.group.truncatedAlerts,
  });
}

function toTemplateAlert(a: Alert): TemplateAlert {
  return Object.freeze({
    Status: a.status,
    Labels: new KV(a.labels),
    Annotations: new KV(a.annotations),
    StartsAt: TemplateTime.parse(a.startsAt),
    EndsAt: TemplateTime.parse(a.endsAt),
    GeneratorURL: a.generatorURL ?? '',
    Fingerprint: a.fingerprint,
  });
}

/** The name/value pairs every set has with the same value (empty for no sets). */
function common(sets: readonly Readonly<Record<string, string>>[]): KV {
  const [first, ...rest] = sets;
  if (!first) return new KV();
  const shared = new Map(Object.entries(first));
  for (const s of rest) {
    for (const [k, v] of shared) if (!Object.hasOwn(s, k) || s[k] !== v) shared.delete(k);
    if (shared.size === 0) break;
  }
  return new KV(shared);
}
