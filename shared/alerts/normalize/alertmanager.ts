import * as z from 'zod';
import { LabelSet, type Alert, type AlertOrigin, type AlertSource } from '../model';
import { fingerprint, isFingerprint } from '../../labels/fingerprint';
import { invalid, isObject, issue, optionalIsoUtc, parseWith, Timestamp, toIsoUtc } from './common';
import type { Normalized } from './types';

/**
 * Alertmanager's webhook body, version 4 (notify/webhook/webhook.go: `template.Data` plus
 * `version`, `groupKey`, `truncatedAlerts`). Unknown keys are ignored so a newer Alertmanager
 * that adds fields keeps working; the fields alertflow relies on are checked.
 */

const KV = LabelSet;
// Go encodes a nil map as null; treat it as empty.
const OptionalKV = KV.nullish().transform((kv) => kv ?? {});

export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: KV,
  annotations: OptionalKV,
  startsAt: Timestamp,
  /** "0001-01-01T00:00:00Z" (Go's zero time) means unset. */
  endsAt: Timestamp.nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

/** `template.Data`: the part Alertmanager and Grafana webhooks share. */
export const AlertmanagerData = z.object({
  receiver: z.string().nullish(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(AlertmanagerAlert),
  groupLabels: OptionalKV,
  commonLabels: OptionalKV,
  commonAnnotations: OptionalKV,
  externalURL: z.string().nullish(),
  groupKey: z.string().nullish(),
  truncatedAlerts: z.number().int().nonnegative().nullish(),
});

export const AlertmanagerWebhook = AlertmanagerData.extend({
  version: z.literal('4', {
    error: (iss) => (iss.input === undefined ? 'Required' : 'unsupported webhook version (alertflow accepts Alertmanager webhook version "4")'),
  }),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

export interface WebhookOptions {
  /** Reject a body with more alerts than this (config `ingest.max_alerts_per_request`). */
  maxAlerts?: number;
}

const WHAT = 'Alertmanager webhook body';

export function normalizeAlertmanager(body: unknown, opts: WebhookOptions = {}): Normalized {
  checkAlertCount(body, opts.maxAlerts, WHAT);
  const hook = parseWith(AlertmanagerWebhook, body, WHAT);
  return {
    alerts: hook.alerts.map((a) => toAlert(a, 'alertmanager')),
    origin: originOf(hook),
  };
}

/**
 * The common mapping of one template.Data alert. The fingerprint is computed from the labels: a
 * sender's claimed value (any webhook caller can send one) would let two label sets overwrite each
 * other's alert. A well-formed claimed value is kept as `sourceFingerprint`, for reference only.
 */
export function toAlert(a: AlertmanagerAlert, source: AlertSource): Alert {
  const alert: Alert = {
    fingerprint: fingerprint(a.labels),
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: toIsoUtc(a.startsAt),
    source,
  };
  const endsAt = optionalIsoUtc(a.endsAt);
  if (endsAt !== undefined) alert.endsAt = endsAt;
  // Alertmanager sends "" for alerts without a generator (e.g. posted through its API).
  if (a.generatorURL) alert.generatorURL = a.generatorURL;
  if (a.fingerprint && isFingerprint(a.fingerprint)) alert.sourceFingerprint = a.fingerprint;
  return alert;
}

export function originOf(data: z.infer<typeof AlertmanagerData>): AlertOrigin {
  const origin: AlertOrigin = {};
  if (data.receiver) origin.receiver = data.receiver;
  if (data.groupKey) origin.groupKey = data.groupKey;
  if (data.externalURL) origin.externalURL = data.externalURL;
  if (data.truncatedAlerts !== undefined && data.truncatedAlerts !== null) origin.truncatedAlerts = data.truncatedAlerts;
  return origin;
}

/** Checked before the schema so an oversized body is refused without validating every alert. */
export function checkAlertCount(body: unknown, maxAlerts: number | undefined, what: string): void {
  if (maxAlerts === undefined || !isObject(body) || !Array.isArray(body.alerts)) return;
  if (body.alerts.length > maxAlerts) {
    throw invalid(what, [issue(['alerts'], `too many alerts: ${body.alerts.length} (at most ${maxAlerts} per request)`)]);
  }
}
