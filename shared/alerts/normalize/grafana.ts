import * as z from 'zod';
import { AlertmanagerAlert, AlertmanagerData, checkAlertCount, originOf, toAlert, type WebhookOptions } from './alertmanager';
import { parseWith } from './common';
import type { Normalized } from './types';

/**
 * Grafana unified-alerting webhook contact point (`version: "1"`): Alertmanager's template data plus
 * `orgId`, `title`, `state`, `message` and, per alert, `values`, `valueString` and links.
 *
 * The fingerprint is computed from the labels with Prometheus' algorithm, not taken from Grafana:
 * Grafana's value covers labels it does not send (`__alert_rule_uid__` and other private ones), so
 * it cannot be reproduced from the body and would not match the same labels from another source.
 * Grafana's value is kept as `sourceFingerprint`, for reference.
 */

export const GrafanaAlert = AlertmanagerAlert.extend({
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  imageURL: z.string().nullish(),
  // Grafana's values are float64s; null is accepted in case a NaN is ever encoded that way.
  values: z.record(z.string(), z.number().nullable()).nullish(),
  valueString: z.string().nullish(),
});

export const GrafanaWebhook = AlertmanagerData.extend({
  version: z.literal('1', {
    error: (iss) => (iss.input === undefined ? 'Required' : 'unsupported webhook version (alertflow accepts Grafana webhook version "1")'),
  }),
  alerts: z.array(GrafanaAlert),
  orgId: z.number().int().nullish(),
  title: z.string().nullish(),
  state: z.string().nullish(),
  message: z.string().nullish(),
});
export type GrafanaWebhook = z.infer<typeof GrafanaWebhook>;

const WHAT = 'Grafana webhook body';

export function normalizeGrafana(body: unknown, opts: WebhookOptions = {}): Normalized {
  checkAlertCount(body, opts.maxAlerts, WHAT);
  const hook = parseWith(GrafanaWebhook, body, WHAT);
  return {
    alerts: hook.alerts.map((a) => {
      // Rule annotations win: a rule that sets dashboard_url itself means it.
      const extra: Record<string, string> = {};
      if (a.dashboardURL) extra.dashboard_url = a.dashboardURL;
      if (a.panelURL) extra.panel_url = a.panelURL;
      if (a.silenceURL) extra.silence_url = a.silenceURL;
      const values = summarizeValues(a.values);
      if (values) extra.values = values;
      return toAlert({ ...a, annotations: { ...extra, ...a.annotations } }, 'grafana');
    }),
    origin: originOf(hook),
  };
}

/** `B=91.2, C=1`, by name, as Grafana's own message renders them. */
function summarizeValues(values: Record<string, number | null> | null | undefined): string | undefined {
  if (!values) return undefined;
  const names = Object.keys(values).sort();
  if (names.length === 0) return undefined;
  return names.map((name) => `${name}=${values[name] ?? 'NaN'}`).join(', ');
}
