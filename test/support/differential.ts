import { stringify } from 'yaml';
import { expect } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startAlertmanager, type RunningAlertmanager } from './alertmanager';
import { startRuntimeWithConfig } from './runtime';
import { startStandIn, type Received, type StandIn } from './stand-in';

/**
 * A differential harness: a real Alertmanager and alertflow's local runtime, configured from one
 * description (same route tree, inhibit rules, receivers and timers), fed the same alerts and
 * silences at the same moments. Each system posts to its own HTTP stand-in, one path per receiver
 * (`/<receiver name>`), so every notification is attributed to (system, receiver). Steps end when
 * both stand-ins have been quiet for longer than the longest group timer, so the outcome of a step
 * does not depend on sub-second timing.
 */

export type System = 'alertmanager' | 'alertflow';
export const SYSTEMS: readonly System[] = ['alertmanager', 'alertflow'];

/** A route in alertmanager.yml's own keys (the subset both systems share). */
export interface RouteSpec {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: RouteSpec[];
}

export interface InhibitRuleSpec {
  source_matchers?: string[];
  target_matchers?: string[];
  equal?: string[];
}

export interface DifferentialSpec {
  route: RouteSpec;
  inhibit_rules?: InhibitRuleSpec[];
  /** One webhook per receiver; both systems post it to `<their stand-in>/<name>`. */
  receivers: Array<{ name: string; send_resolved: boolean }>;
  /**
   * How long an alert without endsAt stays firing: Alertmanager's `global.resolve_timeout`,
   * alertflow's `ingest.default_alert_timeout` (its counterpart for the generic API).
   */
  resolve_timeout: string;
}

/** An alert as a Prometheus-like client sends it: explicit startsAt; endsAt in the past resolves. */
export interface FeedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** Alertmanager API v2 matcher form, which alertflow's silences API takes too. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface SilenceSpec {
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** What the comparison looks at: no timings, URLs, fingerprints, annotations or truncatedAlerts. */
export interface Notification {
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

export interface StepResult {
  notifications: Record<System, Notification[]>;
  /** Requests a system refused, and a step that never went quiet. */
  errors: Record<System, string[]>;
  elapsedMs: number;
}

export interface StepTiming {
  /** A step lasts at least this long (covers group_wait / group_interval plus a margin). */
  minMs: number;
  /** ...and until neither stand-in has received anything for this long. */
  quietMs: number;
  /** Give up waiting for quiet after this long (the step then reports an error). */
  timeoutMs: number;
}

export interface Differential {
  am: RunningAlertmanager;
  rt: LocalRuntime;
  standIns: Record<System, StandIn>;
  configs: Record<System, string>;
  /**
   * Run one step: `act` feeds both systems (through the harness's `post`/`silence`, which never
   * throw but record what a system refused), then wait until both have flushed.
   */
  step(act: (feed: Feed) => Promise<void>): Promise<StepResult>;
  close(): Promise<void>;
}

export interface Feed {
  /** Post the same alerts to both systems at once. */
  alerts(alerts: FeedAlert[]): Promise<void>;
  /** Create the same silence in both systems. */
  silence(s: SilenceSpec): Promise<void>;
}

/** Render the two config files from one description. */
export function renderConfigs(spec: DifferentialSpec, urls: Record<System, string>): Record<System, string> {
  const rules = spec.inhibit_rules?.length ? { inhibit_rules: spec.inhibit_rules } : {};
  const alertmanager = {
    global: { resolve_timeout: spec.resolve_timeout },
    route: spec.route,
    ...rules,
    receivers: spec.receivers.map((r) => ({
      name: r.name,
      webhook_configs: [{ url: `${urls.alertmanager}/${r.name}`, send_resolved: r.send_resolved }],
    })),
  };
  const alertflow = {
    auth: { bearer_tokens: [{ env: 'ALERTFLOW_WEBHOOK_TOKEN' }] },
    ingest: { default_alert_timeout: spec.resolve_timeout },
    route: spec.route,
    ...rules,
    receivers: spec.receivers.map((r) => ({
      name: r.name,
      webhook_configs: [{ url: `${urls.alertflow}/${r.name}`, send_resolved: r.send_resolved, format: 'alertmanager' }],
    })),
  };
  return { alertmanager: stringify(alertmanager), alertflow: stringify(alertflow) };
}

const TOKEN = 'differential-token';

/** Start both systems (and their stand-ins); on a failure, stop whatever did start. */
export async function startDifferential(spec: DifferentialSpec, timing: StepTiming): Promise<Differential> {
  const started: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const standIns = {} as Record<System, StandIn>;
    const lastArrival: Record<System, number> = { alertmanager: 0, alertflow: 0 };
    for (const system of SYSTEMS) {
      const s = await startStandIn();
      started.push(() => s.close());
      s.respond = () => {
        lastArrival[system] = Date.now();
        return { status: 200, body: 'ok' };
      };
      standIns[system] = s;
    }
    const configs = renderConfigs(spec, { alertmanager: standIns.alertmanager.url, alertflow: standIns.alertflow.url });
    const [amResult, rtResult] = await Promise.allSettled([startAlertmanager(configs.alertmanager), startRuntimeWithConfig(configs.alertflow, { token: TOKEN })]);
    if (amResult.status === 'fulfilled') started.push(() => amResult.value.stop());
    if (rtResult.status === 'fulfilled') started.push(() => rtResult.value.close());
    if (amResult.status === 'rejected') throw new Error(`Alertmanager did not start: ${String(amResult.reason)}\n--- config ---\n${configs.alertmanager}`);
    if (rtResult.status === 'rejected') throw new Error(`alertflow did not start: ${String(rtResult.reason)}\n--- config ---\n${configs.alertflow}`);
    const am = amResult.value;
    const rt = rtResult.value;

    const step = async (act: (feed: Feed) => Promise<void>): Promise<StepResult> => {
      const errors: Record<System, string[]> = { alertmanager: [], alertflow: [] };
      const from: Record<System, number> = { alertmanager: standIns.alertmanager.received.length, alertflow: standIns.alertflow.received.length };
      const start = Date.now();
      const both = async (what: string, calls: Record<System, () => Promise<Response | void>>) => {
        await Promise.all(
          SYSTEMS.map(async (system) => {
            try {
              const res = await calls[system]();
              if (res && !res.ok) errors[system].push(`${what}: HTTP ${res.status} ${await res.text()}`);
            } catch (err) {
              errors[system].push(`${what}: ${(err as Error).message}`);
            }
          }),
        );
      };
      const afPost = (path: string, body: unknown) =>
        fetch(`${rt.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const feed: Feed = {
        alerts: (alerts) =>
          both('post alerts', {
            alertmanager: () => am.postAlerts(alerts),
            // The generic API is alertflow's counterpart of Alertmanager's API v2 (what Prometheus posts to).
            alertflow: () =>
              afPost('/v1/alerts', {
                alerts: alerts.map((a) => ({
                  labels: a.labels,
                  ...(a.annotations ? { annotations: a.annotations } : {}),
                  starts_at: a.startsAt,
                  ...(a.endsAt ? { ends_at: a.endsAt } : {}),
                })),
              }),
          }),
        silence: (s) =>
          both('create silence', {
            alertmanager: () =>
              fetch(`${am.url}/api/v2/silences`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) }),
            alertflow: () =>
              afPost('/v1/silences', { matchers: s.matchers, starts_at: s.startsAt, ends_at: s.endsAt, created_by: s.createdBy, comment: s.comment }),
          }),
      };
      await act(feed);
      // Wait until both systems have flushed: at least minMs, then quietMs without a request.
      for (;;) {
        const now = Date.now();
        const last = Math.max(start, lastArrival.alertmanager, lastArrival.alertflow);
        if (now - start >= timing.minMs && now - last >= timing.quietMs) break;
        if (now - start >= timing.timeoutMs) {
          for (const system of SYSTEMS) errors[system].push(`step did not go quiet within ${timing.timeoutMs} ms`);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const notifications = {} as Record<System, Notification[]>;
      for (const system of SYSTEMS) notifications[system] = standIns[system].received.slice(from[system]).map(toNotification);
      return { notifications, errors, elapsedMs: Date.now() - start };
    };

    return { am, rt, standIns, configs, step, close: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A webhook v4 request as the comparison sees it; the receiver is the one the path names. */
export function toNotification(req: Received): Notification {
  const pathReceiver = decodeURIComponent(req.path.replace(/^\//, '').split('?')[0] ?? '');
  let body: Record<string, unknown>;
  try {
    body = req.json() as Record<string, unknown>;
  } catch {
    return { receiver: pathReceiver, groupKey: `<unparseable body: ${req.body.slice(0, 200)}>`, groupLabels: {}, status: '?', alerts: [] };
  }
  const receiver = body.receiver === pathReceiver ? pathReceiver : `${pathReceiver} (body says receiver ${JSON.stringify(body.receiver)})`;
  const alerts = Array.isArray(body.alerts) ? (body.alerts as Array<Record<string, unknown>>) : [];
  return {
    receiver,
    groupKey: String(body.groupKey),
    groupLabels: (body.groupLabels as Record<string, string> | undefined) ?? {},
    status: String(body.status),
    alerts: alerts.map((a) => ({ status: String(a.status), labels: (a.labels as Record<string, string> | undefined) ?? {} })),
  };
}

/** A label set as Go's model.LabelSet prints it: `{a="1", b="2"}`, names sorted. */
export function labelSet(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}

/** One notification as readable text; alerts sorted, so equal notifications print equal. */
export function describeNotification(n: Notification): string {
  const alerts = n.alerts.map((a) => `    ${a.status.padEnd(8)} ${labelSet(a.labels)}`).sort();
  return [`${n.receiver} ${n.status} ${n.groupKey}`, `    groupLabels ${labelSet(n.groupLabels)}`, ...alerts].join('\n');
}

/** A step's notifications as a sorted list of texts: compare two multisets with toEqual and read the diff. */
export function describeAll(ns: readonly Notification[]): string[] {
  return ns.map(describeNotification).sort();
}

/**
 * One step's verdict: Alertmanager must send what the test wrote (so both systems cannot pass by
 * sending the same wrong thing, or nothing), and alertflow what Alertmanager sent; neither refuses
 * a request. Soft assertions, so a step reports every difference.
 */
export function checkStep(result: StepResult, expected: Notification[]): void {
  const am = describeAll(result.notifications.alertmanager);
  const af = describeAll(result.notifications.alertflow);
  expect.soft(result.errors.alertmanager, 'requests Alertmanager refused').toEqual([]);
  expect.soft(am, 'Alertmanager vs the expectation written in this test').toEqual(describeAll(expected));
  expect.soft(result.errors.alertflow, 'requests alertflow refused').toEqual([]);
  expect.soft(af, 'alertflow vs Alertmanager').toEqual(am);
}
