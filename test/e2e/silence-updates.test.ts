import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startAlertmanager, type RunningAlertmanager } from '../support/alertmanager';
import { apiRequest, startRuntimeWithConfig } from '../support/runtime';

/**
 * Differential test of editing a silence (a POST naming its id): a real Alertmanager 0.25 (through
 * /api/v2/silences, camelCase) and alertflow's local runtime (through /v1/silences, snake_case) get
 * the same sequence, and must reach the same outcome: the same id kept or a new one, the old
 * silence expired or not, 404 for an unknown id, the end changed or not. Each case also states the
 * outcome Alertmanager 0.25's `Silences.Set` and `canUpdate` (silence/silence.go) give, so the
 * test cannot pass with both systems doing the same wrong thing. Raw JSON is not compared.
 */

const TOKEN = 'e2e-silence-updates-token';
const MIN = 60_000;
const HOUR = 60 * MIN;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

type State = 'active' | 'pending' | 'expired';

interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence in neutral terms; each system's client spells it its own way. */
interface Spec {
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** A stored silence as read back. */
interface Read extends Spec {
  id: string;
  state: State;
  updatedAt: string;
}

interface System {
  name: string;
  /** POST a silence (with `id`: edit that one); the HTTP status and, on success, the id it answered. */
  post(spec: Spec, id?: string): Promise<{ status: number; id?: string }>;
  get(id: string): Promise<Read>;
  expire(id: string): Promise<void>;
}

async function must<T>(what: string, res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function alertmanagerClient(url: string): System {
  return {
    name: 'alertmanager',
    async post(spec, id) {
      const res = await fetch(`${url}/api/v2/silences`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...(id ? { id } : {}), ...spec }) });
      if (!res.ok) return { status: res.status };
      return { status: res.status, id: ((await res.json()) as { silenceID: string }).silenceID };
    },
    async get(id) {
      const s = await must<Read & { status: { state: State } }>(`alertmanager GET ${id}`, await fetch(`${url}/api/v2/silence/${id}`));
      return { id: s.id, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment, updatedAt: s.updatedAt, state: s.status.state };
    },
    async expire(id) {
      const res = await fetch(`${url}/api/v2/silence/${id}`, { method: 'DELETE' });
      if (!res.ok) throw new Error(`alertmanager DELETE ${id}: HTTP ${res.status} ${await res.text()}`);
    },
  };
}

function alertflowClient(baseUrl: string): System {
  type Stored = { id: string; matchers: Matcher[]; starts_at: string; ends_at: string; created_by: string; comment: string; updated_at: string; status: { state: State } };
  const api = <T>(method: string, path: string, body?: unknown) => apiRequest<T>(baseUrl, TOKEN, method, path, body);
  return {
    name: 'alertflow',
    async post(spec, id) {
      const body = { ...(id ? { id } : {}), matchers: spec.matchers, starts_at: spec.startsAt, ends_at: spec.endsAt, created_by: spec.createdBy, comment: spec.comment };
      const res = await api<Stored>('POST', '/v1/silences', body);
      return res.status === 200 || res.status === 201 ? { status: res.status, id: res.body.id } : { status: res.status };
    },
    async get(id) {
      const res = await api<Stored>('GET', `/v1/silences/${id}`);
      if (res.status !== 200) throw new Error(`alertflow GET ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      const s = res.body;
      return { id: s.id, matchers: s.matchers, startsAt: s.starts_at, endsAt: s.ends_at, createdBy: s.created_by, comment: s.comment, updatedAt: s.updated_at, state: s.status.state };
    },
    async expire(id) {
      const res = await api('DELETE', `/v1/silences/${id}`);
      if (res.status !== 200) throw new Error(`alertflow DELETE ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    },
  };
}

/** What an edit did, in terms both systems share. */
type Outcome =
  | { status: 'not_found' }
  | {
      status: 'ok';
      /** The POST answered the id it was given (an in-place update) rather than a new one. */
      keptId: boolean;
      /** The edited silence's state afterwards (the same silence as the result when the id was kept). */
      oldState: State;
      /** Whether the edit changed the edited silence at all (its updatedAt). */
      oldTouched: boolean;
      resultState: State;
      /** The resulting silence ends at another time than the edited one did before the edit. */
      endsAtChanged: boolean;
      resultComment: string;
    };

const DISK: Matcher = { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true };
const base = (over: Partial<Spec> = {}): Spec => ({ matchers: [DISK], startsAt: inMs(0), endsAt: inMs(HOUR), createdBy: 'alice', comment: 'disk swap', ...over });

interface Case {
  name: string;
  /** Put the silence to edit in place; its id. */
  setup(sys: System): Promise<string>;
  /** The edit's body, from the silence as stored (Alertmanager needs the start posted back to edit an active one). */
  edit(before: Read): Spec;
  expected: Outcome;
}

async function create(sys: System, spec: Spec): Promise<string> {
  const res = await sys.post(spec);
  if (!res.id) throw new Error(`${sys.name}: creating a silence answered HTTP ${res.status}`);
  return res.id;
}

const createActive = (sys: System) => create(sys, base());
/** The stored silence posted back with some fields changed. */
const posted = (before: Read, over: Partial<Spec>): Spec => ({ matchers: before.matchers, startsAt: before.startsAt, endsAt: before.endsAt, createdBy: before.createdBy, comment: before.comment, ...over });

const CASES: Case[] = [
  {
    name: "extend an active silence's end: in place",
    setup: createActive,
    edit: (before) => posted(before, { endsAt: inMs(3 * HOUR) }),
    expected: { status: 'ok', keptId: true, oldState: 'active', oldTouched: true, resultState: 'active', endsAtChanged: true, resultComment: 'disk swap' },
  },
  {
    name: 'change the comment of an active silence: in place',
    setup: createActive,
    edit: (before) => posted(before, { comment: 'disk swap, CHG-1234' }),
    expected: { status: 'ok', keptId: true, oldState: 'active', oldTouched: true, resultState: 'active', endsAtChanged: false, resultComment: 'disk swap, CHG-1234' },
  },
  {
    name: 'change the matchers of an active silence: a new id, the old one expired',
    setup: createActive,
    edit: (before) => posted(before, { matchers: [DISK, { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true }] }),
    expected: { status: 'ok', keptId: false, oldState: 'expired', oldTouched: true, resultState: 'active', endsAtChanged: false, resultComment: 'disk swap' },
  },
  {
    name: 'move the start of an active silence: a new id, the old one expired',
    setup: createActive,
    edit: (before) => posted(before, { startsAt: inMs(30 * MIN) }),
    expected: { status: 'ok', keptId: false, oldState: 'expired', oldTouched: true, resultState: 'pending', endsAtChanged: false, resultComment: 'disk swap' },
  },
  {
    name: "move a pending silence's start later: in place",
    setup: (sys) => create(sys, base({ startsAt: inMs(HOUR), endsAt: inMs(2 * HOUR) })),
    edit: (before) => posted(before, { startsAt: inMs(90 * MIN) }),
    expected: { status: 'ok', keptId: true, oldState: 'pending', oldTouched: true, resultState: 'pending', endsAtChanged: false, resultComment: 'disk swap' },
  },
  {
    name: 'edit an expired silence: a new id, the old one left as it was',
    setup: async (sys) => {
      const id = await createActive(sys);
      await sys.expire(id);
      return id;
    },
    edit: (before) => posted(before, { endsAt: inMs(HOUR), comment: 'again' }),
    expected: { status: 'ok', keptId: false, oldState: 'expired', oldTouched: false, resultState: 'active', endsAtChanged: true, resultComment: 'again' },
  },
];

/** Run one case on one system and say what happened. */
async function outcomeOf(sys: System, c: Case): Promise<Outcome> {
  const id = await c.setup(sys);
  const before = await sys.get(id);
  const res = await sys.post(c.edit(before), id);
  if (!res.id) throw new Error(`${sys.name}: the edit answered HTTP ${res.status}`);
  const [old, result] = await Promise.all([sys.get(id), sys.get(res.id)]);
  return {
    status: 'ok',
    keptId: res.id === id,
    oldState: old.state,
    oldTouched: Date.parse(old.updatedAt) !== Date.parse(before.updatedAt),
    resultState: result.state,
    endsAtChanged: Date.parse(result.endsAt) !== Date.parse(before.endsAt),
    resultComment: result.comment,
  };
}

let am: RunningAlertmanager;
let rt: LocalRuntime;
let systems: System[];

beforeAll(async () => {
  [am, rt] = await Promise.all([
    startAlertmanager(`
route:
  receiver: 'null'
receivers:
  - name: 'null'
`),
    startRuntimeWithConfig(
      `
auth:
  bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }]
route:
  receiver: team
receivers:
  - name: team
`,
      { token: TOKEN },
    ),
  ]);
  systems = [alertmanagerClient(am.url), alertflowClient(rt.url)];
});

afterAll(async () => {
  await Promise.all([am?.stop(), rt?.close()]);
});

describe('editing a silence (POST with its id): alertflow against Alertmanager 0.25', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const [amOutcome, afOutcome] = await Promise.all(systems.map((sys) => outcomeOf(sys, c)));
    expect({ alertmanager: amOutcome, alertflow: afOutcome }).toEqual({ alertmanager: c.expected, alertflow: c.expected });
  });

  it('an unknown id: 404 from both, and nothing is created', async () => {
    const counts = async () => [
      (await must<unknown[]>('alertmanager list', await fetch(`${am.url}/api/v2/silences`))).length,
      (await apiRequest<{ silences: unknown[] }>(rt.url, TOKEN, 'GET', '/v1/silences?limit=1000')).body.silences.length,
    ];
    const before = await counts();
    const id = randomUUID();
    const statuses = await Promise.all(systems.map(async (sys) => (await sys.post(base(), id)).status));
    expect({ alertmanager: statuses[0], alertflow: statuses[1] }).toEqual({ alertmanager: 404, alertflow: 404 });
    expect(await counts()).toEqual(before);
  });
});
