import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { LocalRuntime } from '../../shared/local/runtime';
import { ALERTMANAGER_BIN, alertmanagerMissing, startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/**
 * Differential test of Alertmanager's API v2 (/api/v2): a real Alertmanager 0.25 and alertflow's
 * local runtime get the same route tree, inhibit rule and receivers, are fed the same alerts and
 * silences through the same endpoints (POST /api/v2/alerts, POST /api/v2/silences), and must then
 * answer every read the same, once what legitimately differs is normalised:
 * - silence ids: each system's id is mapped to a symbolic name;
 * - `updatedAt` is dropped (alertflow's is its group's write time, see shared/api/alertmanager-v2.ts);
 * - times are compared as instants; a time a system sets itself ("now" when it received a request:
 *   the end of an alert sent without endsAt, an active silence's start, an expired silence's end)
 *   is compared as "within the window of the requests that set it on both systems";
 * - key order does not matter; `versionInfo` values are each system's own.
 * Each comparison also checks Alertmanager's answer against facts written here, so the test cannot
 * pass with both systems answering the same wrong thing, or nothing.
 */

const TOKEN = 'api-differential-token';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RESOLVE_TIMEOUT_MS = 5 * MINUTE;

type Sys = 'am' | 'af';
const SYSTEMS: readonly Sys[] = ['am', 'af'];
type Labels = Record<string, string>;

let am: RunningAlertmanager;
let rt: LocalRuntime;
let hook: StandIn;

// ---------------------------------------------------------------------------------------------
// Configs: one route tree and inhibit rule, rendered for both.

const route = {
  receiver: 'team',
  group_by: ['alertname'],
  group_wait: '1s',
  group_interval: '1h',
  repeat_interval: '4h',
  routes: [
    { matchers: ['severity="critical"'], receiver: 'pager', continue: true },
    { matchers: ['team="db"'], receiver: 'db', group_by: ['alertname', 'instance'] },
  ],
};
const inhibit_rules = [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname'] }];
const RECEIVERS = ['team', 'pager', 'db'];
const receiversFor = (base: string) => RECEIVERS.map((name) => ({ name, webhook_configs: [{ url: `${base}/${name}`, send_resolved: false }] }));

// ---------------------------------------------------------------------------------------------
// The alerts, fed to both as the same JSON.

const C1 = { alertname: 'DiskFull', instance: 'db-1', severity: 'critical', team: 'db' }; // -> pager, db; inhibits W1 and W3
const W1 = { alertname: 'DiskFull', instance: 'db-2', severity: 'warning', team: 'db' }; // -> db; inhibited by C1
const W3 = { alertname: 'DiskFull', instance: 'db-3', severity: 'warning', team: 'db' }; // -> db; inhibited by C1 and silenced (db3)
const C2 = { alertname: 'ErrorRate', instance: 'web-2', severity: 'critical', team: 'web' }; // -> pager only (no endsAt)
const W2 = { alertname: 'HighLatency', instance: 'web-1', job: 'api', severity: 'warning', team: 'web' }; // -> team
const W4 = { alertname: 'HighLatency', instance: 'web-0', job: 'api', severity: 'warning' }; // -> team; no `team` label (no endsAt)
const S1 = { alertname: 'QueueBacklog', instance: 'mq-1', severity: 'warning', team: 'ops' }; // -> team; silenced (queue)
const S2 = { alertname: 'QueueBacklog', instance: 'mq-2', severity: 'info', team: 'db' }; // -> db; silenced (queue)
const E1 = { alertname: 'CertExpiry', instance: 'web-4', severity: 'info', team: 'web' }; // -> team; posted with an empty `region`
const R1 = { alertname: 'OldOutage', instance: 'x-1', severity: 'warning', team: 'ops' }; // posted resolved: listed by neither
const M1 = { alertname: 'MixedValid', instance: 'm-1', severity: 'info', team: 'ops' }; // the valid half of a half-invalid post

const NAMED: Record<string, Labels> = { C1, W1, W3, C2, W2, W4, S1, S2, E1, R1, M1 };
const nameOf = (labels: Labels): string => {
  const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  for (const [name, l] of Object.entries(NAMED)) if (JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1))) === key) return name;
  return `unknown ${JSON.stringify(labels)}`;
};
/** Alerts sent without endsAt: their end is "received + resolve_timeout" on each system. */
const NO_ENDS_AT = new Set(['C2', 'W4', 'M1']);

let T0 = 0;
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
/** When each system was sent the alerts without endsAt: [first request sent, last answer received]. */
const postWindow: Record<string, [number, number]> = {};

function feed(): unknown[] {
  const startsAt = at(-MINUTE);
  const endsAt = at(HOUR);
  const alert = (labels: Labels, extra: Record<string, unknown> = {}) => ({ labels, startsAt, endsAt, ...extra });
  return [
    alert(C1, { annotations: { summary: 'disk full on db-1' }, generatorURL: 'http://prometheus.example/graph?g0.expr=disk' }),
    alert(W1, { annotations: { summary: 'disk filling on db-2' } }),
    alert(W3),
    { labels: C2, startsAt, annotations: { summary: 'errors', runbook: 'http://runbooks.example/errors' } },
    alert(W2, { generatorURL: 'http://prometheus.example/graph?g0.expr=latency' }),
    { labels: W4, startsAt },
    alert(S1),
    alert(S2),
    alert({ ...E1, region: '' }),
    { labels: R1, startsAt: at(-10 * MINUTE), endsAt: at(-MINUTE) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Answer {
  status: number;
  /** The parsed JSON body, or undefined when it is empty or not JSON. */
  body: unknown;
  text: string;
}

const baseOf = (sys: Sys) => (sys === 'am' ? am.url : rt.url);

async function call(sys: Sys, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (sys === 'af') headers.authorization = `Bearer ${TOKEN}`;
  const res = await fetch(baseOf(sys) + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

async function both(method: string, path: string, body?: unknown): Promise<Record<Sys, Answer>> {
  const [a, f] = await Promise.all(SYSTEMS.map((sys) => call(sys, method, path, body)));
  return { am: a!, af: f! };
}

/** GET `path` on `sys` until `settled` holds of its (parsed) answer or `timeoutMs` passes; the last answer. */
async function poll(sys: Sys, path: string, settled: (body: unknown) => boolean, timeoutMs = 8_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(sys, 'GET', path);
    if ((res.status === 200 && settled(res.body)) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Silences: each system's id mapped to a symbolic name, and the windows of the requests that set
// times the systems choose themselves (an active silence starts when created; an expired one ends
// when expired).

const silenceName = new Map<string, string>();
const silenceId: Record<Sys, Record<string, string>> = { am: {}, af: {} };
const createdWindow: Record<string, [number, number]> = {};
const expiredWindow: Record<string, [number, number]> = {};

interface SilenceBody {
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

async function createSilence(name: string, body: SilenceBody): Promise<void> {
  const from = Date.now();
  const res = await both('POST', '/api/v2/silences', body);
  createdWindow[name] = [from, Date.now()];
  for (const sys of SYSTEMS) {
    expect(res[sys].status, `${sys} POST /api/v2/silences (${name}): ${res[sys].text}`).toBe(200);
    const id = (res[sys].body as { silenceID: string }).silenceID;
    expect(typeof id).toBe('string');
    silenceName.set(id, name);
    silenceId[sys][name] = id;
  }
}

const matcher = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });

// ---------------------------------------------------------------------------------------------
// Normalisation

interface ApiAlert {
  labels: Labels;
  annotations: Labels;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  updatedAt?: string;
  generatorURL?: string;
  receivers: Array<{ name: string }>;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

const within = (t: number, [from, to]: [number, number], slackMs = 5) => t >= from - slackMs && t <= to + slackMs;

/** The alert as compared: symbolic name, no updatedAt, instants, silence names. */
function normAlert(a: ApiAlert) {
  const name = nameOf(a.labels);
  const endsAtMs = Date.parse(a.endsAt);
  // Set by each system on receipt: compared as "received + resolve_timeout".
  const window = postWindow[name];
  const endsAt =
    NO_ENDS_AT.has(name) && window && within(endsAtMs - RESOLVE_TIMEOUT_MS, window) ? 'received + resolve_timeout' : new Date(endsAtMs).toISOString();
  return {
    name,
    labels: a.labels,
    annotations: a.annotations,
    fingerprint: a.fingerprint,
    // Set by each system on receipt when the alert had none: compared as "received".
    startsAt: window && within(Date.parse(a.startsAt), window) ? 'received' : new Date(Date.parse(a.startsAt)).toISOString(),
    endsAt,
    generatorURL: a.generatorURL ?? '',
    receivers: a.receivers.map((r) => r.name),
    state: a.status.state,
    silencedBy: a.status.silencedBy.map((id) => silenceName.get(id) ?? `unknown silence ${id}`).sort(),
    inhibitedBy: [...a.status.inhibitedBy].sort(),
  };
}
type NormAlert = ReturnType<typeof normAlert>;

const normAlerts = (body: unknown): NormAlert[] => (Array.isArray(body) ? (body as ApiAlert[]).map(normAlert) : []);

interface ApiGroup {
  labels: Labels;
  receiver: { name: string };
  alerts: ApiAlert[];
}
function normGroups(body: unknown) {
  if (!Array.isArray(body)) return [];
  return (body as ApiGroup[]).map((g) => ({ labels: g.labels, receiver: g.receiver.name, alerts: g.alerts.map(normAlert) }));
}

interface ApiSilence {
  id: string;
  status: { state: string };
  updatedAt: string;
  matchers: SilenceBody['matchers'];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}
function normSilence(s: ApiSilence) {
  const name = silenceName.get(s.id) ?? `unknown silence ${s.id}`;
  const time = (iso: string, window: [number, number] | undefined, what: string) => {
    const t = Date.parse(iso);
    return window && within(t, window) ? what : new Date(t).toISOString();
  };
  return {
    name,
    state: s.status.state,
    matchers: s.matchers,
    startsAt: time(s.startsAt, createdWindow[name], 'when created'),
    endsAt: time(s.endsAt, expiredWindow[name], 'when expired'),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}
const normSilences = (body: unknown) => (Array.isArray(body) ? (body as ApiSilence[]).map(normSilence) : []);

/** The fingerprint of the alert with these labels, as Alertmanager listed it. */
let FP: Record<string, string> = {};

/** What Alertmanager is written here to answer for each alert (after the feed and the two silences). */
const EXPECTED_STATE: Record<string, { receivers: string[]; silencedBy: string[]; inhibitedBy: string[] }> = {
  C1: { receivers: ['pager', 'db'], silencedBy: [], inhibitedBy: [] },
  W1: { receivers: ['db'], silencedBy: [], inhibitedBy: ['C1'] },
  W3: { receivers: ['db'], silencedBy: ['db3'], inhibitedBy: ['C1'] },
  C2: { receivers: ['pager'], silencedBy: [], inhibitedBy: [] },
  W2: { receivers: ['team'], silencedBy: [], inhibitedBy: [] },
  W4: { receivers: ['team'], silencedBy: [], inhibitedBy: [] },
  S1: { receivers: ['team'], silencedBy: ['queue'], inhibitedBy: [] },
  S2: { receivers: ['db'], silencedBy: ['queue'], inhibitedBy: [] },
  E1: { receivers: ['team'], silencedBy: [], inhibitedBy: [] },
};
const FED = Object.keys(EXPECTED_STATE);

/** Whether a listing holds exactly `names`, each with the state written above (inhibitors by name). */
function listsExactly(names: readonly string[], silencedOverride: Record<string, string[]> = {}) {
  return (body: unknown): boolean => {
    const alerts = normAlerts(body);
    if (alerts.length !== names.length) return false;
    const byFp = new Map(alerts.map((a) => [a.fingerprint, a.name]));
    return alerts.every((a) => {
      const e = EXPECTED_STATE[a.name];
      if (!e || !names.includes(a.name)) return false;
      const silencedBy = silencedOverride[a.name] ?? e.silencedBy;
      return (
        JSON.stringify(a.silencedBy) === JSON.stringify([...silencedBy].sort()) &&
        JSON.stringify(a.inhibitedBy.map((fp) => byFp.get(fp) ?? fp).sort()) === JSON.stringify([...e.inhibitedBy].sort())
      );
    });
  };
}

// ---------------------------------------------------------------------------------------------
// Errors: the status, and the kind of body (Alertmanager's handlers answer a JSON string; its
// go-swagger layer, which checks a request against the OpenAPI spec first, a {code, message} object).

type Kind = 'string' | 'swagger object' | 'empty' | 'other';
const kindOf = (r: Answer): Kind => {
  if (typeof r.body === 'string') return 'string';
  const b = r.body as { code?: unknown; message?: unknown } | null | undefined;
  if (b !== null && typeof b === 'object' && !Array.isArray(b) && typeof b.code === 'number' && typeof b.message === 'string') return 'swagger object';
  return r.text === '' ? 'empty' : 'other';
};

/** An answer's text as a failure message quotes it. */
const brief = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}...` : text);

interface ErrorCase {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  /** What Alertmanager answers. */
  am: { status: number; kind: Kind };
}

/** Each case: Alertmanager answers what is written; alertflow answers what Alertmanager answered. */
async function checkErrors(cases: readonly ErrorCase[]): Promise<void> {
  for (const c of cases) {
    const r = await both(c.method, c.path, c.body);
    expect.soft({ status: r.am.status, kind: kindOf(r.am) }, `Alertmanager, ${c.what}: ${brief(r.am.text)}`).toEqual(c.am);
    expect.soft({ status: r.af.status, kind: kindOf(r.af) }, `alertflow, ${c.what}: ${brief(r.af.text)}`).toEqual({ status: r.am.status, kind: kindOf(r.am) });
  }
}

const badSilence = (over: Partial<SilenceBody>): SilenceBody => ({
  matchers: [matcher('alertname', 'Nothing')],
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + HOUR).toISOString(),
  createdBy: 'eve',
  comment: 'bad',
  ...over,
});

// ---------------------------------------------------------------------------------------------
// Setup

beforeAll(async () => {
  const missing = alertmanagerMissing(ALERTMANAGER_BIN);
  if (missing) throw new Error(missing);
  hook = await startStandIn();
  const shared = { global: { resolve_timeout: '5m' }, route, inhibit_rules };
  const [amStarted, rtStarted] = await Promise.allSettled([
    startAlertmanager(stringify({ ...shared, receivers: receiversFor(`${hook.url}/am`) })),
    startRuntimeWithConfig(
      stringify({
        auth: { tokens: [{ name: 'differential', secret: { env: 'ALERTFLOW_WEBHOOK_TOKEN' }, scopes: ['ingest', 'read', 'manage'] }] },
        ...shared,
        receivers: receiversFor(`${hook.url}/af`),
      }),
      { token: TOKEN },
    ),
  ]);
  if (amStarted.status === 'fulfilled') am = amStarted.value;
  if (rtStarted.status === 'fulfilled') rt = rtStarted.value;
  if (amStarted.status === 'rejected') throw amStarted.reason;
  if (rtStarted.status === 'rejected') throw rtStarted.reason;

  T0 = Date.now();
  // Two silences before the alerts: `queue` silences S1 and S2, `db3` silences W3 (inhibited too).
  // Both start in the past: Alertmanager starts a new silence at the time it is created.
  await createSilence('queue', {
    matchers: [matcher('alertname', 'QueueBacklog')],
    startsAt: at(-MINUTE),
    endsAt: at(2 * HOUR),
    createdBy: 'alice',
    comment: 'draining the queue',
  });
  await createSilence('db3', {
    matchers: [matcher('instance', 'db-3'), matcher('team', 'd.', true)],
    startsAt: at(-MINUTE),
    endsAt: at(HOUR),
    createdBy: 'bob',
    comment: 'db-3 is being rebuilt',
  });

  const body = feed();
  for (const name of NO_ENDS_AT) postWindow[name] = [Date.now(), 0];
  const posted = await both('POST', '/api/v2/alerts', body);
  for (const name of NO_ENDS_AT) postWindow[name]![1] = Date.now();
  for (const sys of SYSTEMS) expect(posted[sys].status, `${sys} POST /api/v2/alerts: ${posted[sys].text}`).toBe(200);

  // Both have processed once both list every alert with its silences and inhibitions settled
  // (Alertmanager marks them when read, alertflow once routed), and the groups are all there.
  const settled = listsExactly(FED);
  await Promise.all(SYSTEMS.map((sys) => poll(sys, '/api/v2/alerts', settled)));
  const am0 = normAlerts((await call('am', 'GET', '/api/v2/alerts')).body);
  FP = Object.fromEntries(am0.map((a) => [a.name, a.fingerprint]));
  await Promise.all(SYSTEMS.map((sys) => poll(sys, '/api/v2/alerts/groups', (b) => Array.isArray(b) && b.length === 9)));
}, 30_000);

afterAll(async () => {
  await rt?.close();
  await am?.stop();
  await hook?.close();
});

/** `names` in fingerprint order, by Alertmanager's fingerprints. */
const inFingerprintOrder = (names: readonly string[]) => [...names].sort((a, b) => (FP[a]! < FP[b]! ? -1 : 1));

// ---------------------------------------------------------------------------------------------

describe('Alertmanager API v2, alertflow against Alertmanager 0.25', () => {
  it('GET /api/v2/alerts: the same alerts, in fingerprint order, with the same receivers and states', async () => {
    const res = await both('GET', '/api/v2/alerts');
    expect(res.am.status).toBe(200);
    expect(res.af.status).toBe(200);
    const a = normAlerts(res.am.body);
    const f = normAlerts(res.af.body);

    // What Alertmanager answers, literally.
    expect(a.map((x) => x.name)).toEqual(inFingerprintOrder(FED));
    const byName = Object.fromEntries(a.map((x) => [x.name, x]));
    for (const [name, e] of Object.entries(EXPECTED_STATE)) {
      expect(byName[name]!.receivers, name).toEqual(e.receivers);
      expect(byName[name]!.silencedBy, name).toEqual([...e.silencedBy].sort());
      expect(byName[name]!.inhibitedBy, name).toEqual(e.inhibitedBy.map((n) => FP[n]));
      expect(byName[name]!.state, name).toBe(e.silencedBy.length + e.inhibitedBy.length > 0 ? 'suppressed' : 'active');
    }
    expect(byName.C1!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(byName.E1!.labels).toEqual(E1); // the empty `region` was dropped
    expect(byName.C1!.generatorURL).toBe('http://prometheus.example/graph?g0.expr=disk');
    expect(byName.C2!.annotations).toEqual({ summary: 'errors', runbook: 'http://runbooks.example/errors' });
    expect(byName.W3!.annotations).toEqual({});
    expect(byName.C1!.startsAt).toBe(at(-MINUTE));
    expect(byName.C1!.endsAt).toBe(at(HOUR));
    expect(byName.C2!.endsAt).toBe('received + resolve_timeout');

    // alertflow answers the same.
    expect(f).toEqual(a);
  });

  it('GET /api/v2/alerts: filter, receiver, silenced, inhibited and active select the same alerts', async () => {
    const q = (...pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const cases: Array<[string, string[]]> = [
      [q(['filter', 'alertname="DiskFull"']), ['C1', 'W1', 'W3']],
      [q(['filter', 'alertname="DiskFull"'], ['filter', 'severity="warning"']), ['W1', 'W3']],
      [q(['filter', 'instance=~"web-.*"']), ['C2', 'W2', 'W4', 'E1']],
      [q(['filter', 'team!="db"']), ['C2', 'W2', 'W4', 'S1', 'E1']],
      [q(['filter', 'instance!~"(db|mq)-.*"'], ['filter', 'severity=~"warning|info"']), ['W2', 'W4', 'E1']],
      [q(['receiver', 'pa.*']), ['C1', 'C2']],
      [q(['receiver', 'db']), ['C1', 'W1', 'W3', 'S2']],
      [q(['receiver', 'd']), []], // anchored, as Alertmanager compiles it
      [q(['silenced', 'false']), ['C1', 'W1', 'C2', 'W2', 'W4', 'E1']],
      [q(['inhibited', 'false']), ['C1', 'C2', 'W2', 'W4', 'S1', 'S2', 'E1']],
      [q(['active', 'false']), ['W1', 'W3', 'S1', 'S2']],
      [q(['silenced', 'false'], ['inhibited', 'false']), ['C1', 'C2', 'W2', 'W4', 'E1']],
      [q(['active', 'false'], ['silenced', 'false']), ['W1']],
      [q(['active', 'false'], ['inhibited', 'false']), ['S1', 'S2']],
      [q(['filter', 'alertname="DiskFull"'], ['receiver', 'db'], ['inhibited', 'false']), ['C1']],
      [q(['filter', 'severity="warning"'], ['receiver', 'team|db'], ['silenced', 'false']), ['W1', 'W2', 'W4']],
      [q(['active', 'true'], ['silenced', 'true'], ['inhibited', 'true'], ['unprocessed', 'true']), FED],
    ];
    for (const [query, expected] of cases) {
      const res = await both('GET', `/api/v2/alerts?${query}`);
      const a = normAlerts(res.am.body);
      expect.soft(res.am.status, query).toBe(200);
      expect.soft(a.map((x) => x.name), `Alertmanager, ?${query}`).toEqual(inFingerprintOrder(expected));
      expect.soft({ status: res.af.status, alerts: normAlerts(res.af.body) }, `alertflow, ?${query}: ${res.af.status === 200 ? '' : brief(res.af.text)}`).toEqual({
        status: res.am.status,
        alerts: a,
      });
    }
  });

  it('GET /api/v2/alerts: an empty receiver, and boolean switches, read as Alertmanager (go-swagger) reads them', async () => {
    // go-swagger treats a parameter given empty as not given, and reads a boolean with swag.ConvertBool:
    // true for true/yes/y/on/1/t/ok/enabled/checked/selected (any case), false for anything else.
    const cases: Array<[string, string[]]> = [
      ['receiver=', FED],
      ['active=', FED],
      ['silenced=no', ['C1', 'W1', 'C2', 'W2', 'W4', 'E1']],
      ['inhibited=yes', FED],
      ['active=False&silenced=off', ['W1']],
    ];
    for (const [query, expected] of cases) {
      const res = await both('GET', `/api/v2/alerts?${query}`);
      const a = normAlerts(res.am.body);
      expect.soft({ status: res.am.status, alerts: a.map((x) => x.name) }, `Alertmanager, ?${query}`).toEqual({ status: 200, alerts: inFingerprintOrder(expected) });
      expect.soft({ status: res.af.status, alerts: normAlerts(res.af.body) }, `alertflow, ?${query}: ${res.af.status === 200 ? '' : brief(res.af.text)}`).toEqual({
        status: res.am.status,
        alerts: a,
      });
    }
  });

  it('GET /api/v2/alerts/groups: the same groups in the same order, with the same alerts and receivers', async () => {
    const expected = [
      { labels: { alertname: 'CertExpiry' }, receiver: 'team', alerts: ['E1'] },
      { labels: { alertname: 'DiskFull' }, receiver: 'pager', alerts: ['C1'] },
      { labels: { alertname: 'ErrorRate' }, receiver: 'pager', alerts: ['C2'] },
      // By instance, as Alertmanager sorts a group's alerts (job, then instance, then labels).
      { labels: { alertname: 'HighLatency' }, receiver: 'team', alerts: ['W4', 'W2'] },
      { labels: { alertname: 'QueueBacklog' }, receiver: 'team', alerts: ['S1'] },
      { labels: { alertname: 'DiskFull', instance: 'db-1' }, receiver: 'db', alerts: ['C1'] },
      { labels: { alertname: 'DiskFull', instance: 'db-2' }, receiver: 'db', alerts: ['W1'] },
      { labels: { alertname: 'DiskFull', instance: 'db-3' }, receiver: 'db', alerts: ['W3'] },
      { labels: { alertname: 'QueueBacklog', instance: 'mq-2' }, receiver: 'db', alerts: ['S2'] },
    ];
    const res = await both('GET', '/api/v2/alerts/groups');
    expect(res.am.status).toBe(200);
    expect(res.af.status).toBe(200);
    const a = normGroups(res.am.body);
    expect(a.map((g) => ({ labels: g.labels, receiver: g.receiver, alerts: g.alerts.map((x) => x.name) }))).toEqual(expected);
    // In a group, an alert's receivers are those of the listed groups that hold it, sorted.
    const c1 = a[1]!.alerts[0]!;
    expect(c1.receivers).toEqual(['db', 'pager']);
    expect(a[6]!.alerts[0]!.inhibitedBy).toEqual([FP.C1]);
    expect(normGroups(res.af.body)).toEqual(a);

    const q = (...pairs: Array<[string, string]>) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const cases: Array<[string, Array<{ receiver: string; alerts: string[] }>]> = [
      [q(['receiver', 'pa.*']), [{ receiver: 'pager', alerts: ['C1'] }, { receiver: 'pager', alerts: ['C2'] }]],
      [
        q(['filter', 'alertname="DiskFull"'], ['inhibited', 'false']),
        [
          { receiver: 'pager', alerts: ['C1'] },
          { receiver: 'db', alerts: ['C1'] },
        ],
      ],
      [q(['active', 'false'], ['receiver', 'db']), ['W1', 'W3', 'S2'].map((n) => ({ receiver: 'db', alerts: [n] }))],
      [
        q(['silenced', 'false'], ['filter', 'severity!="critical"']),
        [
          { receiver: 'team', alerts: ['E1'] },
          { receiver: 'team', alerts: ['W4', 'W2'] },
          { receiver: 'db', alerts: ['W1'] },
        ],
      ],
    ];
    for (const [query, exp] of cases) {
      const r = await both('GET', `/api/v2/alerts/groups?${query}`);
      const ga = normGroups(r.am.body);
      expect.soft(ga.map((g) => ({ receiver: g.receiver, alerts: g.alerts.map((x) => x.name) })), `Alertmanager, ?${query}`).toEqual(exp);
      expect.soft({ status: r.af.status, groups: normGroups(r.af.body) }, `alertflow, ?${query}: ${r.af.status === 200 ? '' : brief(r.af.text)}`).toEqual({
        status: r.am.status,
        groups: ga,
      });
    }
    // With a receiver filter, an alert's receivers are only the listed ones.
    const pager = normGroups((await both('GET', `/api/v2/alerts/groups?${q(['receiver', 'pa.*'])}`)).am.body);
    expect(pager[0]!.alerts[0]!.receivers).toEqual(['pager']);
  });

  it('silences: list (with and without filter) and get by id, after a pending one and an expired one, and their effect on alerts', async () => {
    await createSilence('pending', {
      matchers: [matcher('alertname', 'HighLatency')],
      startsAt: at(HOUR),
      endsAt: at(3 * HOUR),
      createdBy: 'carol',
      comment: 'maintenance window tonight',
    });
    await createSilence('web', {
      matchers: [matcher('team', 'web'), matcher('severity', 'warning', false, false)],
      startsAt: at(-MINUTE),
      endsAt: at(90 * MINUTE),
      createdBy: 'dave',
      comment: 'web deploy',
    });
    // `web` silences C2 and E1 (team=web, severity!=warning); `pending` silences nothing yet.
    const silencedByWeb = listsExactly(FED, { C2: ['web'], E1: ['web'] });
    const whileWeb = await Promise.all(SYSTEMS.map((sys) => poll(sys, '/api/v2/alerts', silencedByWeb)));
    const aWeb = normAlerts(whileWeb[0]!.body);
    expect(aWeb.filter((x) => x.silencedBy.includes('web')).map((x) => x.name)).toEqual(inFingerprintOrder(['C2', 'E1']));
    expect(aWeb.find((x) => x.name === 'W2')!.state).toBe('active'); // pending: not yet
    expect(normAlerts(whileWeb[1]!.body)).toEqual(aWeb);

    const from = Date.now();
    const del = await Promise.all(SYSTEMS.map((sys) => call(sys, 'DELETE', `/api/v2/silence/${silenceId[sys].web}`)));
    expiredWindow.web = [from, Date.now()];
    expect(del.map((d) => d.status)).toEqual([200, 200]);
    const afterExpiry = await Promise.all(SYSTEMS.map((sys) => poll(sys, '/api/v2/alerts', listsExactly(FED))));
    const aAfter = normAlerts(afterExpiry[0]!.body);
    expect(aAfter.find((x) => x.name === 'C2')!.state).toBe('active');
    expect(normAlerts(afterExpiry[1]!.body)).toEqual(aAfter);

    // The listing: active (ending soonest first), pending (starting soonest first), expired (latest first).
    const list = await both('GET', '/api/v2/silences');
    expect(list.am.status).toBe(200);
    expect(list.af.status).toBe(200);
    const a = normSilences(list.am.body);
    expect(a).toEqual([
      { name: 'db3', state: 'active', matchers: [matcher('instance', 'db-3'), matcher('team', 'd.', true)], startsAt: 'when created', endsAt: at(HOUR), createdBy: 'bob', comment: 'db-3 is being rebuilt' },
      { name: 'queue', state: 'active', matchers: [matcher('alertname', 'QueueBacklog')], startsAt: 'when created', endsAt: at(2 * HOUR), createdBy: 'alice', comment: 'draining the queue' },
      { name: 'pending', state: 'pending', matchers: [matcher('alertname', 'HighLatency')], startsAt: at(HOUR), endsAt: at(3 * HOUR), createdBy: 'carol', comment: 'maintenance window tonight' },
      {
        name: 'web',
        state: 'expired',
        matchers: [matcher('team', 'web'), matcher('severity', 'warning', false, false)],
        startsAt: 'when created',
        endsAt: 'when expired',
        createdBy: 'dave',
        comment: 'web deploy',
      },
    ]);
    expect(normSilences(list.af.body)).toEqual(a);

    // `filter` selects the silences holding each matcher (same name, type and value).
    const filters: Array<[string[], string[]]> = [
      [['alertname="QueueBacklog"'], ['queue']],
      [['alertname="HighLatency"'], ['pending']],
      [['team=~"d."'], ['db3']],
      [['team="d."'], []],
      [['instance="db-3"', 'team=~"d."'], ['db3']],
      [['severity!="warning"'], ['web']],
      [['instance=~"db-3"'], []],
      // A filter that ends in a comma, beside another: Alertmanager refuses it (400, no silences).
      [['instance="db-3",', 'team=~"d."'], []],
    ];
    for (const [matchers, expected] of filters) {
      const query = matchers.map((m) => `filter=${encodeURIComponent(m)}`).join('&');
      const r = await both('GET', `/api/v2/silences?${query}`);
      const sa = normSilences(r.am.body);
      expect.soft(sa.map((s) => s.name), `Alertmanager, ?${query}`).toEqual(expected);
      expect.soft({ status: r.af.status, silences: normSilences(r.af.body) }, `alertflow, ?${query}: ${r.af.status === 200 ? '' : brief(r.af.text)}`).toEqual({
        status: r.am.status,
        silences: sa,
      });
    }

    // Each by id: what the listing said.
    for (const expected of a) {
      const got = await Promise.all(SYSTEMS.map((sys) => call(sys, 'GET', `/api/v2/silence/${silenceId[sys][expected.name]}`)));
      expect.soft(got[0]!.status, `Alertmanager GET silence ${expected.name}`).toBe(200);
      expect.soft(normSilence(got[0]!.body as ApiSilence), `Alertmanager GET silence ${expected.name}`).toEqual(expected);
      expect.soft({ status: got[1]!.status, silence: normSilence(got[1]!.body as ApiSilence) }, `alertflow GET silence ${expected.name}`).toEqual({
        status: 200,
        silence: expected,
      });
    }
  });

  it('errors: the same status codes, and a body of the same kind (a JSON string, or go-swagger\'s {code, message})', async () => {
    const future = new Date(Date.now() + HOUR).toISOString();
    const cases: ErrorCase[] = [
      // Alertmanager's go-swagger layer refuses a body it cannot bind before its handler runs: an object, not a string.
      { what: 'alerts: a body that is not an array', method: 'POST', path: '/api/v2/alerts', body: { labels: { alertname: 'X' } }, am: { status: 400, kind: 'swagger object' } },
      { what: 'alerts: an alert without a labels key', method: 'POST', path: '/api/v2/alerts', body: [{ annotations: { a: 'b' } }], am: { status: 422, kind: 'swagger object' } },
      { what: 'alerts: an alert with empty labels', method: 'POST', path: '/api/v2/alerts', body: [{ labels: {} }], am: { status: 400, kind: 'string' } },
      { what: 'alerts: an alert whose only label is empty', method: 'POST', path: '/api/v2/alerts', body: [{ labels: { alertname: '' } }], am: { status: 400, kind: 'string' } },
      { what: 'alerts: an invalid label name', method: 'POST', path: '/api/v2/alerts', body: [{ labels: { '0bad': 'x' } }], am: { status: 400, kind: 'string' } },
      {
        what: 'alerts: endsAt before startsAt',
        method: 'POST',
        path: '/api/v2/alerts',
        body: [{ labels: { alertname: 'Backwards' }, startsAt: at(-MINUTE), endsAt: at(-2 * MINUTE) }],
        am: { status: 400, kind: 'string' },
      },
      { what: 'alerts: an unparsable filter', method: 'GET', path: `/api/v2/alerts?filter=foo`, am: { status: 400, kind: 'string' } },
      { what: 'alerts: a filter that ends in a comma', method: 'GET', path: `/api/v2/alerts?filter=${encodeURIComponent('alertname="DiskFull",')}`, am: { status: 400, kind: 'string' } },
      { what: 'alerts: a bad receiver regex', method: 'GET', path: `/api/v2/alerts?receiver=${encodeURIComponent('(')}`, am: { status: 400, kind: 'string' } },
      { what: 'groups: an unparsable filter', method: 'GET', path: `/api/v2/alerts/groups?filter=foo`, am: { status: 400, kind: 'string' } },
      { what: 'groups: a bad receiver regex', method: 'GET', path: `/api/v2/alerts/groups?receiver=${encodeURIComponent('(')}`, am: { status: 400, kind: 'string' } },
      { what: 'silences: an unparsable filter', method: 'GET', path: `/api/v2/silences?filter=foo`, am: { status: 400, kind: 'string' } },
      { what: 'silence: endsAt in the past', method: 'POST', path: '/api/v2/silences', body: badSilence({ startsAt: at(-2 * HOUR), endsAt: at(-HOUR) }), am: { status: 400, kind: 'string' } },
      {
        what: 'silence: endsAt before startsAt',
        method: 'POST',
        path: '/api/v2/silences',
        body: badSilence({ startsAt: new Date(Date.now() + 2 * HOUR).toISOString(), endsAt: future }),
        am: { status: 400, kind: 'string' },
      },
    ];
    await checkErrors(cases);

    // One valid and one invalid alert: Alertmanager stores the valid one and answers 400.
    const from = Date.now();
    const mixed = await both('POST', '/api/v2/alerts', [{ labels: M1 }, { labels: { alertname: 'MixedInvalid', '0bad': 'x' } }]);
    postWindow.M1 = [from, Date.now()];
    for (const sys of SYSTEMS) {
      expect.soft({ status: mixed[sys].status, kind: kindOf(mixed[sys]) }, `${sys}, one valid and one invalid alert: ${brief(mixed[sys].text)}`).toEqual({ status: 400, kind: 'string' });
    }
    const filter = `/api/v2/alerts?filter=${encodeURIComponent('alertname=~"Mixed.*"')}`;
    const visible = await Promise.all(SYSTEMS.map((sys) => poll(sys, filter, (b) => Array.isArray(b) && b.length > 0, 5_000)));
    const a = normAlerts(visible[0]!.body);
    expect(a.map((x) => x.name)).toEqual(['M1']);
    expect(a[0]!.receivers).toEqual(['team']);
    expect(a[0]!.endsAt).toBe('received + resolve_timeout');
    expect(normAlerts(visible[1]!.body)).toEqual(a);
  });

  it('errors beyond the handlers: what go-swagger refuses, empty bodies, and what Alertmanager accepts', async () => {
    const now = Date.now();
    const cases: ErrorCase[] = [
      // A matcher is parsed alone (labels.ParseMatcher): no braces, no list.
      { what: 'alerts: a filter in braces', method: 'GET', path: `/api/v2/alerts?filter=${encodeURIComponent('{alertname="DiskFull"}')}`, am: { status: 400, kind: 'string' } },
      {
        what: 'alerts: two matchers in one filter',
        method: 'GET',
        path: `/api/v2/alerts?filter=${encodeURIComponent('alertname="DiskFull",severity="warning"')}`,
        am: { status: 400, kind: 'string' },
      },
      { what: 'silences: a filter in braces', method: 'GET', path: `/api/v2/silences?filter=${encodeURIComponent('{alertname="QueueBacklog"}')}`, am: { status: 400, kind: 'string' } },
      // The OpenAPI spec's own checks (go-swagger, before the handler): a 422 or 400 with {code, message}.
      {
        what: 'alerts: a generatorURL that is not a URI (the whole request is refused)',
        method: 'POST',
        path: '/api/v2/alerts',
        body: [{ labels: { alertname: 'BesideBadUrl' } }, { labels: { alertname: 'BadUrl' }, generatorURL: 'not a url' }],
        am: { status: 422, kind: 'swagger object' },
      },
      {
        what: 'alerts: an alert without labels beside a valid one (the whole request is refused)',
        method: 'POST',
        path: '/api/v2/alerts',
        body: [{ labels: { alertname: 'BesideNoLabels' } }, { annotations: {} }],
        am: { status: 422, kind: 'swagger object' },
      },
      {
        what: 'alerts: an unparsable startsAt beside a valid alert (the whole request is refused)',
        method: 'POST',
        path: '/api/v2/alerts',
        body: [{ labels: { alertname: 'BesideBadTime' } }, { labels: { alertname: 'BadTime' }, startsAt: 'yesterday' }],
        am: { status: 400, kind: 'swagger object' },
      },
      { what: 'silence: no matchers', method: 'POST', path: '/api/v2/silences', body: badSilence({ matchers: [] }), am: { status: 422, kind: 'swagger object' } },
      {
        what: 'silence: a matcher without isRegex',
        method: 'POST',
        path: '/api/v2/silences',
        body: { ...badSilence({}), matchers: [{ name: 'alertname', value: 'Nothing' }] },
        am: { status: 422, kind: 'swagger object' },
      },
      {
        what: 'silence: no startsAt',
        method: 'POST',
        path: '/api/v2/silences',
        body: { matchers: [matcher('alertname', 'Nothing')], endsAt: new Date(now + HOUR).toISOString(), createdBy: 'eve', comment: 'no start' },
        am: { status: 422, kind: 'swagger object' },
      },
      { what: 'silence: not an object', method: 'POST', path: '/api/v2/silences', body: [], am: { status: 400, kind: 'swagger object' } },
      { what: 'silence by id: not a UUID', method: 'GET', path: '/api/v2/silence/not-a-uuid', am: { status: 422, kind: 'swagger object' } },
      { what: 'delete silence by id: not a UUID', method: 'DELETE', path: '/api/v2/silence/not-a-uuid', am: { status: 422, kind: 'swagger object' } },
      // GET of an unknown silence: a 404 without a body.
      { what: 'silence by id: unknown', method: 'GET', path: '/api/v2/silence/00000000-0000-4000-8000-000000000000', am: { status: 404, kind: 'empty' } },
      // Accepted by Alertmanager: a silence with an empty comment (the spec requires the key, not text).
      {
        what: 'silence: an empty comment',
        method: 'POST',
        path: '/api/v2/silences',
        body: { matchers: [matcher('alertname', 'EmptyComment')], startsAt: new Date(now).toISOString(), endsAt: new Date(now + HOUR).toISOString(), createdBy: 'eve', comment: '' },
        am: { status: 200, kind: 'other' },
      },
    ];
    await checkErrors(cases);

    // What a refused request left behind: nothing, where go-swagger refused the whole request.
    const filter = `/api/v2/alerts?filter=${encodeURIComponent('alertname=~"Beside.*|Bad.*"')}`;
    // alertflow routes a post asynchronously: the later post of the test above tells when it is done.
    await poll('af', `/api/v2/alerts?filter=${encodeURIComponent('alertname="MixedValid"')}`, (b) => Array.isArray(b) && b.length > 0, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    const left = await both('GET', filter);
    expect(left.am.body).toEqual([]);
    expect.soft(normAlerts(left.af.body).map((x) => x.labels.alertname), 'alertflow: alerts stored from a request Alertmanager refused whole').toEqual([]);
  });

  it('a re-sent alert: earliest startsAt, and the latest explicit endsAt, as Alertmanager merges them', async () => {
    const extended = { alertname: 'Resent', instance: 'r-1', severity: 'info', team: 'ops' };
    const shortened = { alertname: 'Resent', instance: 'r-2', severity: 'info', team: 'ops' };
    const moved = { alertname: 'Resent', instance: 'r-3', severity: 'info', team: 'ops' };
    const first = [
      { labels: extended, annotations: { summary: 'x' }, startsAt: at(-MINUTE), endsAt: at(HOUR) },
      { labels: shortened, annotations: { summary: 'x' }, startsAt: at(-MINUTE), endsAt: at(2 * HOUR) },
      { labels: moved, annotations: { summary: 'x' }, startsAt: at(-MINUTE), endsAt: at(HOUR) },
    ];
    const posted1 = await both('POST', '/api/v2/alerts', first);
    expect([posted1.am.status, posted1.af.status]).toEqual([200, 200]);
    const resent = `/api/v2/alerts?filter=${encodeURIComponent('alertname="Resent"')}`;
    await poll('af', resent, (b) => Array.isArray(b) && b.length === 3);
    const second = [
      // Same alert, same annotations, a later end (as a client extends an alert's timeout).
      { labels: extended, annotations: { summary: 'x' }, startsAt: at(-MINUTE), endsAt: at(2 * HOUR) },
      // An earlier end that is still in the future: the later explicit end stays (types.Alert.Merge).
      { labels: shortened, annotations: { summary: 'x' }, startsAt: at(-MINUTE), endsAt: at(HOUR) },
      // A later start and a new annotation: the earliest start stays, the annotation is the new one.
      { labels: moved, annotations: { summary: 'y' }, startsAt: at(-MINUTE / 2), endsAt: at(HOUR) },
      // Tells when alertflow has routed this request.
      { labels: { alertname: 'ResentSentinel', team: 'ops' }, startsAt: at(-MINUTE), endsAt: at(HOUR) },
    ];
    const posted2 = await both('POST', '/api/v2/alerts', second);
    expect([posted2.am.status, posted2.af.status]).toEqual([200, 200]);
    await poll('af', `/api/v2/alerts?filter=${encodeURIComponent('alertname="ResentSentinel"')}`, (b) => Array.isArray(b) && b.length === 1);
    await poll('af', resent, (b) => Array.isArray(b) && b.some((x: ApiAlert) => x.annotations.summary === 'y'));
    const res = await both('GET', resent);
    const view = (body: unknown) =>
      (body as ApiAlert[])
        .map((x) => ({ instance: x.labels.instance, startsAt: new Date(Date.parse(x.startsAt)).toISOString(), endsAt: new Date(Date.parse(x.endsAt)).toISOString(), summary: x.annotations.summary }))
        .sort((x, y) => (x.instance! < y.instance! ? -1 : 1));
    const a = view(res.am.body);
    expect(a).toEqual([
      { instance: 'r-1', startsAt: at(-MINUTE), endsAt: at(2 * HOUR), summary: 'x' },
      { instance: 'r-2', startsAt: at(-MINUTE), endsAt: at(2 * HOUR), summary: 'x' },
      { instance: 'r-3', startsAt: at(-MINUTE), endsAt: at(HOUR), summary: 'y' },
    ]);
    expect.soft(view(res.af.body)[0], 'alertflow: an alert re-sent with a later endsAt (same content otherwise)').toEqual(a[0]);
    expect.soft(view(res.af.body)[1], 'alertflow: an alert re-sent with an earlier, still future, endsAt').toEqual(a[1]);
    expect.soft(view(res.af.body)[2], 'alertflow: an alert re-sent with a later startsAt and a new annotation').toEqual(a[2]);
  });

  it('GET /api/v2/status and /api/v2/receivers', async () => {
    const res = await both('GET', '/api/v2/status');
    for (const sys of SYSTEMS) {
      const r = res[sys];
      expect(r.status, sys).toBe(200);
      const body = r.body as { cluster: { status: string; peers: unknown[] }; versionInfo: Record<string, unknown>; config: { original: unknown }; uptime: string };
      expect(body.cluster.status, sys).toBe('disabled');
      expect(body.cluster.peers, sys).toEqual([]);
      expect(Object.keys(body.versionInfo).sort(), sys).toEqual(['branch', 'buildDate', 'buildUser', 'goVersion', 'revision', 'version']);
      for (const v of Object.values(body.versionInfo)) expect(typeof v, sys).toBe('string');
      expect(typeof body.config.original, sys).toBe('string');
      expect((body.config.original as string).length, sys).toBeGreaterThan(0);
      expect(body.config.original as string, sys).toContain('pager');
      expect(body.uptime, sys).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
      expect(Date.parse(body.uptime), sys).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(body.uptime), sys).toBeGreaterThan(T0 - 5 * MINUTE);
    }
    expect((res.am.body as { versionInfo: { version: string } }).versionInfo.version).toBe('0.25.0');
    expect(Object.keys(res.af.body as object).sort()).toEqual(Object.keys(res.am.body as object).sort());

    const recv = await both('GET', '/api/v2/receivers');
    const names = (r: Answer) => (r.body as Array<{ name: string }>).map((x) => x.name).sort();
    expect(recv.am.status).toBe(200);
    expect(names(recv.am)).toEqual(['db', 'pager', 'team']);
    expect({ status: recv.af.status, names: names(recv.af) }).toEqual({ status: 200, names: names(recv.am) });
  });
});
