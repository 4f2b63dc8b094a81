import { afterEach, describe, it, expect, vi } from 'vitest';
import { Budget } from '../labels/matchers';
import {
  SILENCE_MATCH_BUDGET,
  SILENCE_MAX_REGEX_PROGRAM,
  Silence,
  SilenceInput,
  canUpdateInPlace,
  newSilence,
  silenceInputSchema,
  silenceState,
  silenceView,
  silences,
  silencesIndex,
  toMatcher,
  updatedSilence,
  type SilenceMatcher,
  type SkippedMatcher,
} from './model';

const NOW = new Date('2025-06-01T12:00:00Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const HOUR = 3_600_000;

const Input = silenceInputSchema(() => NOW);
const valid = { matchers: ['alertname="DiskFull"'], ends_at: at(HOUR), created_by: 'alice', comment: 'disk swap' };

/** [path, message] of every issue. */
function issues(body: unknown): [string, string][] {
  const r = Input.safeParse(body);
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => [i.path.join('.'), i.message]);
}

function silence(matchers: (string | Partial<SilenceMatcher>)[], window: { starts_at?: string; ends_at?: string } = {}, id = 's1'): Silence {
  const input = Input.parse({ ...valid, matchers, starts_at: window.starts_at ?? at(-HOUR), ends_at: window.ends_at ?? at(HOUR) });
  return { id, ...input, updated_at: at(-HOUR) };
}

describe('SilenceInput', () => {
  it('accepts matcher strings and v2 objects, normalized to v2 objects', () => {
    const parsed = Input.parse({
      ...valid,
      matchers: [
        'alertname="DiskFull"',
        'env!~"dev|test", team!=db',
        { name: 'instance', value: 'db-.*', isRegex: true },
        { name: 'severity', value: 'info', isRegex: false, isEqual: false },
      ],
    });
    expect(parsed.matchers).toEqual([
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'env', value: 'dev|test', isRegex: true, isEqual: false },
      { name: 'team', value: 'db', isRegex: false, isEqual: false },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
      { name: 'severity', value: 'info', isRegex: false, isEqual: false },
    ]);
  });

  it('defaults starts_at to now and normalizes times to UTC', () => {
    expect(Input.parse(valid).starts_at).toBe(NOW.toISOString());
    const parsed = Input.parse({ ...valid, starts_at: '2025-06-01T14:00:00+02:00', ends_at: '2025-06-01T13:30:00.5+00:00' });
    expect(parsed.starts_at).toBe('2025-06-01T12:00:00.000Z');
    expect(parsed.ends_at).toBe('2025-06-01T13:30:00.500Z');
  });

  it('the default schema uses the system clock', () => {
    const before = Date.now();
    const parsed = SilenceInput.parse({ ...valid, ends_at: new Date(before + HOUR).toISOString() });
    expect(Date.parse(parsed.starts_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(parsed.starts_at)).toBeLessThanOrEqual(Date.now());
  });

  it('requires ends_at, created_by, comment and matchers, naming each', () => {
    expect(issues({})).toEqual([
      ['matchers', 'matchers is required'],
      ['ends_at', 'ends_at is required'],
      ['created_by', 'created_by is required'],
      ['comment', 'comment is required'],
    ]);
    expect(issues({ ...valid, created_by: '  ', comment: 3 })).toEqual([
      ['created_by', 'created_by must not be empty'],
      ['comment', 'comment must be a string'],
    ]);
  });

  it('ends_at must be after starts_at (Alertmanager rejects equal times) and in the future', () => {
    expect(issues({ ...valid, starts_at: at(HOUR), ends_at: at(HOUR) })).toEqual([['ends_at', `ends_at must be after starts_at (${at(HOUR)})`]]);
    expect(issues({ ...valid, starts_at: at(2 * HOUR) })[0]![1]).toMatch(/^ends_at must be after starts_at/);
    // Default start is now, so an end at now is not after it.
    expect(issues({ ...valid, ends_at: at(0) })[0]![1]).toMatch(/^ends_at must be after starts_at/);
    expect(issues({ ...valid, starts_at: at(-2 * HOUR), ends_at: at(-HOUR) })).toEqual([['ends_at', 'ends_at must be in the future']]);
    expect(Input.safeParse({ ...valid, starts_at: at(-2 * HOUR), ends_at: at(1) }).success).toBe(true);
  });

  it('rejects malformed times, naming the field', () => {
    expect(issues({ ...valid, ends_at: '2025-06-01 14:00' })).toEqual([['ends_at', 'ends_at must be an ISO 8601 time with a zone, e.g. 2025-06-01T12:00:00Z']]);
    expect(issues({ ...valid, starts_at: '2025-06-01T14:00:00' })[0]![0]).toBe('starts_at');
    expect(issues({ ...valid, ends_at: 1748779200000 })[0]![0]).toBe('ends_at');
  });

  it('points Alertmanager v2 camelCase keys at their snake_case names, and rejects other unknown keys', () => {
    expect(issues({ matchers: valid.matchers, endsAt: at(HOUR), createdBy: 'a', startsAt: at(0), comment: 'c' })).toEqual([
      ['ends_at', 'ends_at is required'],
      ['created_by', 'created_by is required'],
      ['startsAt', "use starts_at (alertflow's silence fields are snake_case)"],
      ['endsAt', "use ends_at (alertflow's silence fields are snake_case)"],
      ['createdBy', "use created_by (alertflow's silence fields are snake_case)"],
    ]);
    const r = Input.safeParse({ ...valid, status: { state: 'active' } });
    expect(r.error!.issues[0]!.code).toBe('unrecognized_keys');
  });

  it('takes an optional id (the silence to edit); an empty one is none, as in Alertmanager', () => {
    expect(Input.parse({ ...valid, id: 'abc' }).id).toBe('abc');
    expect(Input.parse(valid)).not.toHaveProperty('id');
    expect(Input.parse({ ...valid, id: '' })).not.toHaveProperty('id');
    expect(issues({ ...valid, id: 7 })).toEqual([['id', 'id must be a string (the id of the silence to edit)']]);
  });

  describe('matchers', () => {
    it('names a bad matcher string', () => {
      expect(issues({ ...valid, matchers: ['alertname="A"', 'severity=~"(crit"'] })).toEqual([
        ['matchers.1', expect.stringMatching(/^invalid matcher "severity=~\\"\(crit\\"": invalid regular expression "\(crit"/) as string],
      ]);
      expect(issues({ ...valid, matchers: ['oops'] })[0]).toEqual(['matchers.0', expect.stringContaining('invalid matcher "oops": bad matcher format') as string]);
      expect(issues({ ...valid, matchers: ['  '] })[0]![1]).toMatch(/^empty matcher/);
    });

    it('names the bad field of a matcher object', () => {
      expect(issues({ ...valid, matchers: [{ name: 'bad-name', value: 'x' }] })).toEqual([
        ['matchers.0.name', 'name must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)'],
      ]);
      expect(issues({ ...valid, matchers: [{ name: 'a', value: 1, isRegex: 'yes' }] })).toEqual([
        ['matchers.0.value', 'value must be a string'],
        ['matchers.0.isRegex', 'isRegex must be true or false'],
      ]);
      expect(issues({ ...valid, matchers: [{ name: 'a', value: 'x(', isRegex: true }] })).toEqual([
        ['matchers.0.value', expect.stringContaining('invalid regular expression "x("') as string],
      ]);
      expect(issues({ ...valid, matchers: [{ name: 'a', value: 'b', type: '=' }] })).toEqual([['matchers.0', 'unknown key "type" in matcher']]);
    });

    it('must be a non-empty array of strings or objects', () => {
      expect(issues({ ...valid, matchers: [] })).toEqual([['matchers', 'matchers must have at least one matcher']]);
      expect(issues({ ...valid, matchers: 'a="b"' })[0]![1]).toMatch(/^matchers must be an array of matcher strings/);
      expect(issues({ ...valid, matchers: [42] })[0]).toEqual(['matchers.0', expect.stringMatching(/^each matcher must be one of/) as string]);
      expect(issues({ ...valid, matchers: [null] })[0]![0]).toBe('matchers.0');
    });

    // Alertmanager's validateSilence: at least one matcher must not match the empty string.
    it.each([
      [['a=""'], false],
      [['a=~".*"'], false],
      [['a=""', 'b=~"x|"', 'c=~"(?i)"'], false],
      [[{ name: 'a', value: '' }], false],
      [[{ name: 'a', value: '.*', isRegex: true }], false],
      [['a=""', 'b="x"'], true],
      [['a=~".+"'], true],
      [['a=~".*"', 'b=~"x"'], true],
      // Negative matchers never count as matching the empty string in Alertmanager.
      [['a!="x"'], true],
      [['a!~".*"'], true],
      [['a!=""'], true],
      [[{ name: 'a', value: 'x', isEqual: false }], true],
    ])('%j → valid: %s', (matchers, ok) => {
      const r = Input.safeParse({ ...valid, matchers });
      expect(r.success).toBe(ok);
      if (!ok) expect(r.error!.issues).toEqual([expect.objectContaining({ path: ['matchers'], message: expect.stringMatching(/at least one matcher must not match the empty string/) })]);
    });
  });
});

describe('silenceState at the boundaries', () => {
  const s = { starts_at: at(0), ends_at: at(HOUR) };
  it.each([
    [-1, 'pending'],
    [0, 'active'],
    [1, 'active'],
    [HOUR - 1, 'active'],
    [HOUR, 'expired'],
    [HOUR + 1, 'expired'],
  ] as const)('at start%+d ms → %s', (offset, state) => {
    expect(silenceState(s, new Date(NOW.getTime() + offset))).toBe(state);
  });

  it('a silence with starts_at = ends_at (expired while pending) is never active', () => {
    expect(silenceState({ starts_at: at(0), ends_at: at(0) }, new Date(NOW.getTime() - 1))).toBe('pending');
    expect(silenceState({ starts_at: at(0), ends_at: at(0) }, NOW)).toBe('expired');
  });

  it('silenceView adds Alertmanager v2 status', () => {
    const sil = silence(['a="b"']);
    expect(silenceView(sil, NOW)).toEqual({ ...sil, status: { state: 'active' } });
  });
});

describe('silences(alert, list, now)', () => {
  const labels = { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' };
  // Every case also checks that the index the read API uses for many alerts gives the same answer.
  const ids = (list: Silence[], l: Record<string, string> = labels, now = NOW) => {
    const direct = silences({ labels: l }, list, now);
    expect(silencesIndex(list, now)({ labels: l })).toEqual(direct);
    return direct;
  };

  it('returns the sorted ids of active silences whose matchers all match', () => {
    const list = [
      silence(['alertname="DiskFull"'], {}, 'c'),
      silence(['alertname="DiskFull"', 'severity="critical"'], {}, 'b'),
      silence([{ name: 'instance', value: 'db-.*', isRegex: true }], {}, 'a'),
      silence(['instance=~"db"'], {}, 'd'), // anchored: "db" does not match "db-1"
    ];
    expect(ids(list)).toEqual(['a', 'c']);
  });

  it('only active silences apply: not before starts_at, not at or after ends_at', () => {
    const list = [silence(['alertname="DiskFull"'], { starts_at: at(HOUR), ends_at: at(2 * HOUR) }, 'later')];
    expect(ids(list, labels, new Date(NOW.getTime() + HOUR - 1))).toEqual([]);
    expect(ids(list, labels, new Date(NOW.getTime() + HOUR))).toEqual(['later']);
    expect(ids(list, labels, new Date(NOW.getTime() + 2 * HOUR - 1))).toEqual(['later']);
    // Still in the list (storage TTL not yet swept), but over.
    expect(ids(list, labels, new Date(NOW.getTime() + 2 * HOUR))).toEqual([]);
    expect(ids(list, labels, new Date(NOW.getTime() + 48 * HOUR))).toEqual([]);
  });

  it('negative and regex matchers', () => {
    const list = [
      silence(['severity!="critical"'], {}, 'not-critical'),
      silence(['instance!~"web-.*"'], {}, 'not-web'),
      silence(['alertname=~"(?i)disk.*"'], {}, 'case-insensitive'),
      silence(['alertname=~"Disk"'], {}, 'anchored'),
      silence(['severity!~"warn.*"'], {}, 'not-warning'),
    ];
    expect(ids(list)).toEqual(['case-insensitive', 'not-critical', 'not-web']);
  });

  it('a missing label compares as "", as in Alertmanager', () => {
    const list = [
      silence(['alertname="DiskFull"', 'team=""'], {}, 'no-team'),
      silence(['team!="db"'], {}, 'team-not-db'),
      silence(['alertname="DiskFull"', 'team=~".*"'], {}, 'any-team'),
      silence(['team=~".+"'], {}, 'has-team'),
    ];
    expect(ids(list)).toEqual(['any-team', 'no-team', 'team-not-db']);
    expect(ids(list, { ...labels, team: 'db' })).toEqual(['any-team', 'has-team']);
  });

  it('Object.prototype names are not labels', () => {
    expect(ids([silence(['constructor=~".+"'], {}, 'x')])).toEqual([]);
  });

  it('a stored silence whose matchers do not compile silences nothing', () => {
    const broken: Silence = { ...silence(['a="b"']), id: 'broken', matchers: [{ name: 'alertname', value: '(', isRegex: true, isEqual: true }] };
    const empty: Silence = { ...silence(['a="b"']), id: 'empty', matchers: [] };
    expect(ids([broken, empty, silence(['alertname="DiskFull"'], {}, 'ok')])).toEqual(['ok']);
  });
});

describe('newSilence and the stored shape', () => {
  it('moves a past start to now (Alertmanager does so for new silences) and keeps a future one', () => {
    const input = Input.parse({ ...valid, starts_at: at(-HOUR) });
    const s = newSilence(input, 'id-1', NOW, 'oncall-token');
    expect(s).toEqual({ id: 'id-1', ...input, starts_at: NOW.toISOString(), updated_at: NOW.toISOString(), actor: 'oncall-token' });
    expect(Silence.parse(s)).toEqual(s);
    const future = Input.parse({ ...valid, starts_at: at(HOUR / 2) });
    expect(newSilence(future, 'id-2', NOW, 'oncall-token').starts_at).toBe(at(HOUR / 2));
  });

  it("records the token's name as actor beside the stated created_by, which the body cannot set", () => {
    const s = newSilence(Input.parse({ ...valid, created_by: 'alice' }), 'id-3', NOW, 'oncall-token');
    expect(s).toMatchObject({ created_by: 'alice', actor: 'oncall-token' });
    expect(Silence.parse(s)).toEqual(s);
    expect(Input.safeParse({ ...valid, actor: 'someone-else' }).error!.issues[0]!.code).toBe('unrecognized_keys');
    expect(Input.safeParse({ ...valid, expired_by: 'someone-else' }).error!.issues[0]!.code).toBe('unrecognized_keys');
  });
});

describe('newSilence ignores an id in the body', () => {
  it('stores under the id it is given', () => {
    expect(newSilence(Input.parse({ ...valid, id: 'from-body' }), 'id-4', NOW, 'oncall-token').id).toBe('id-4');
  });
});

describe("canUpdateInPlace: Alertmanager 0.25's canUpdate", () => {
  const DISK = { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true };
  const prev = (starts: number, ends: number): Silence => ({ ...silence(['alertname="DiskFull"']), starts_at: at(starts), ends_at: at(ends) });
  const next = (starts: string, ends: string, matchers: SilenceMatcher[] = [DISK]) => ({ matchers, starts_at: starts, ends_at: ends });

  describe('an active silence (started an hour ago, ends in an hour)', () => {
    const active = prev(-HOUR, HOUR);
    it('in place: same start, a later, earlier or equal end not before now', () => {
      expect(canUpdateInPlace(active, next(at(-HOUR), at(2 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(active, next(at(-HOUR), at(HOUR / 2)), NOW)).toBe(true);
      expect(canUpdateInPlace(active, next(at(-HOUR), at(HOUR)), NOW)).toBe(true);
      // Go's `Before`: an end at exactly now is not before now.
      expect(canUpdateInPlace(active, next(at(-HOUR), at(0)), NOW)).toBe(true);
    });
    it('the start is compared in whole seconds (Go Time.Unix)', () => {
      const onSecond = prev(-HOUR, HOUR);
      expect(canUpdateInPlace(onSecond, next(at(-HOUR + 999), at(2 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(onSecond, next(at(-HOUR + 1000), at(2 * HOUR)), NOW)).toBe(false);
      expect(canUpdateInPlace(onSecond, next(at(-HOUR - 1), at(2 * HOUR)), NOW)).toBe(false);
      // Rounded down, also for a start with milliseconds: .400 and .999 are the same second, .999 and 1.000 are not.
      const midSecond = { ...onSecond, starts_at: at(-HOUR + 400) };
      expect(canUpdateInPlace(midSecond, next(at(-HOUR + 999), at(2 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(midSecond, next(at(-HOUR), at(2 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(midSecond, next(at(-HOUR + 1000), at(2 * HOUR)), NOW)).toBe(false);
    });
    it('not in place: a moved start (earlier, later, or now), or an end before now', () => {
      expect(canUpdateInPlace(active, next(at(-2 * HOUR), at(HOUR)), NOW)).toBe(false);
      expect(canUpdateInPlace(active, next(at(HOUR / 2), at(HOUR)), NOW)).toBe(false);
      expect(canUpdateInPlace(active, next(at(0), at(HOUR)), NOW)).toBe(false);
      expect(canUpdateInPlace(active, next(at(-HOUR), at(-1)), NOW)).toBe(false);
    });
    it('active from its start inclusive (alertflow\'s silenceState)', () => {
      const justStarted = prev(0, HOUR);
      expect(canUpdateInPlace(justStarted, next(at(0), at(2 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(justStarted, next(at(1000), at(2 * HOUR)), NOW)).toBe(false);
    });
  });

  describe('a pending silence (starts in an hour)', () => {
    const pending = prev(HOUR, 2 * HOUR);
    it('in place: any start not before now, any end', () => {
      expect(canUpdateInPlace(pending, next(at(2 * HOUR), at(3 * HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(pending, next(at(HOUR / 2), at(HOUR)), NOW)).toBe(true);
      expect(canUpdateInPlace(pending, next(at(0), at(HOUR)), NOW)).toBe(true);
    });
    it('not in place: a start before now', () => {
      expect(canUpdateInPlace(pending, next(at(-1), at(HOUR)), NOW)).toBe(false);
      expect(canUpdateInPlace(pending, next(at(-HOUR), at(HOUR)), NOW)).toBe(false);
    });
  });

  it('never an expired silence, whatever the times (ended, or at its end exactly)', () => {
    const ended = prev(-2 * HOUR, -HOUR);
    expect(canUpdateInPlace(ended, next(at(-2 * HOUR), at(HOUR)), NOW)).toBe(false);
    expect(canUpdateInPlace(ended, next(at(HOUR), at(2 * HOUR)), NOW)).toBe(false);
    expect(canUpdateInPlace(prev(-HOUR, 0), next(at(-HOUR), at(HOUR)), NOW)).toBe(false);
    // Expired while pending (DELETE sets start = end = now).
    expect(canUpdateInPlace(prev(0, 0), next(at(HOUR), at(2 * HOUR)), NOW)).toBe(false);
  });

  it('never with other matchers: one more, one fewer, reordered, or one field changed', () => {
    const two = { ...prev(-HOUR, HOUR), matchers: [DISK, { name: 'env', value: 'prod', isRegex: false, isEqual: true }] };
    const same = (matchers: SilenceMatcher[]) => canUpdateInPlace(two, next(at(-HOUR), at(2 * HOUR), matchers), NOW);
    expect(same(two.matchers)).toBe(true);
    expect(same([...two.matchers.map((m) => ({ ...m }))])).toBe(true);
    expect(same([DISK])).toBe(false);
    expect(same([...two.matchers, { name: 'team', value: 'db', isRegex: false, isEqual: true }])).toBe(false);
    expect(same([two.matchers[1]!, two.matchers[0]!])).toBe(false);
    expect(same([DISK, { ...two.matchers[1]!, value: 'staging' }])).toBe(false);
    expect(same([DISK, { ...two.matchers[1]!, name: 'environment' }])).toBe(false);
    expect(same([DISK, { ...two.matchers[1]!, isRegex: true }])).toBe(false);
    expect(same([DISK, { ...two.matchers[1]!, isEqual: false }])).toBe(false);
  });

  it('a matcher string and the same matcher as an object are the same matcher', () => {
    const active = prev(-HOUR, HOUR);
    const input = Input.parse({ ...valid, matchers: [{ name: 'alertname', value: 'DiskFull' }], starts_at: at(-HOUR), ends_at: at(2 * HOUR) });
    expect(canUpdateInPlace(active, input, NOW)).toBe(true);
  });
});

describe('updatedSilence', () => {
  it('keeps the id, takes the body as posted (a past start stays), and records the editing token', () => {
    const prev: Silence = { ...silence(['alertname="DiskFull"']), actor: 'creator-token' };
    const input = Input.parse({ ...valid, id: prev.id, starts_at: at(-HOUR + 300), ends_at: at(3 * HOUR), created_by: 'bob', comment: 'longer' });
    const next = updatedSilence(prev, input, NOW, 'editor-token');
    expect(next).toEqual({
      id: prev.id,
      matchers: prev.matchers,
      starts_at: at(-HOUR + 300),
      ends_at: at(3 * HOUR),
      created_by: 'bob',
      comment: 'longer',
      updated_at: NOW.toISOString(),
      actor: 'editor-token',
    });
    expect(Silence.parse(next)).toEqual(next);
  });
});

describe('silences: the per-alert match budget fails open', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Runs `silences`, counting the RE2 work it was granted and the matchers it skipped. */
  function evaluate(list: Silence[], labels: Record<string, string>) {
    let granted = 0;
    const take = Budget.prototype.take;
    vi.spyOn(Budget.prototype, 'take').mockImplementation(function (this: Budget, cost: number) {
      const ok = take.call(this, cost);
      if (ok) granted += cost;
      return ok;
    });
    const skipped: SkippedMatcher[] = [];
    const ids = silences({ labels }, list, NOW, (s) => skipped.push(s));
    return { ids, granted, skipped };
  }

  // The largest realistic hostile shape under the cap: 4,008 instructions, and it matches any run of a's.
  const HOSTILE = '(?:a?){1000}(?:a?){1000}.+';
  const LONG = 'a'.repeat(20_000);

  it('a pathological silence against a 20 KB label is not run: the alert is not silenced, and the skip is reported without the value', () => {
    // Arrange
    const program = toMatcher({ name: 'x', value: HOSTILE, isRegex: true, isEqual: true }).programSize;
    expect(program).toBeLessThanOrEqual(SILENCE_MAX_REGEX_PROGRAM);
    const list = [silence([`x=~"${HOSTILE}"`], {}, 'hostile')];
    // Act
    const { ids, granted, skipped } = evaluate(list, { alertname: 'A', x: LONG });
    // Assess: it would match (the regex accepts any a's), but its ~80 M units do not fit in the budget.
    expect(toMatcher({ name: 'x', value: HOSTILE, isRegex: true, isEqual: true }).matches('aaaa')).toBe(true);
    expect(ids).toEqual([]);
    expect(granted).toBe(0);
    expect(skipped).toEqual([{ silenceId: 'hostile', label: 'x', valueLength: 20_000, cost: 20_001 * program, left: SILENCE_MATCH_BUDGET }]);
    expect(JSON.stringify(skipped)).not.toContain('aaaa');
  });

  it('bounds the work for one alert whatever the number of silences, and cheap silences still apply', () => {
    // Arrange: 30 hostile silences that each fit alone (about 400 K units on 200 characters), and two ordinary ones.
    const value = 'a'.repeat(200);
    const hostile = Array.from({ length: 30 }, (_, i) => silence([`x=~"(?:a?){1000}.+"`], {}, `hostile-${String(i).padStart(2, '0')}`));
    const ordinary = [silence(['alertname="DiskFull"', 'instance=~"db-.*"'], {}, 'ordinary'), silence(['x=~"a+"'], {}, 'plain-regex')];
    // Act: the ordinary ones are listed last, and still run first (cheapest first).
    const { ids, granted, skipped } = evaluate([...hostile, ...ordinary], { alertname: 'DiskFull', instance: 'db-1', x: value });
    // Assess
    expect(granted).toBeLessThanOrEqual(SILENCE_MATCH_BUDGET);
    expect(ids).toContain('ordinary');
    expect(ids).toContain('plain-regex');
    const evaluated = ids.filter((id) => id.startsWith('hostile-'));
    expect(evaluated.length).toBeGreaterThan(0);
    expect(evaluated.length + skipped.length).toBe(30);
    expect(new Set(skipped.map((s) => s.silenceId)).size).toBe(skipped.length); // once per (silence, alert)
  });

  it('a negative regex over budget does not silence either', () => {
    // Arrange: `!~` would match this value (it is not "b"), so without the budget the alert would be silenced.
    const list = [silence(['alertname="A"', `x!~"(?:a?){1000}(?:a?){1000}b"`], {}, 'neg')];
    // Act
    const { ids, skipped } = evaluate(list, { alertname: 'A', x: LONG });
    // Assess
    expect(ids).toEqual([]);
    expect(skipped.map((s) => s.silenceId)).toEqual(['neg']);
  });

  it('equality matchers run first and free: a silence whose equality fails costs nothing', () => {
    // Arrange
    const list = [silence(['alertname="Other"', `x=~"${HOSTILE}"`], {}, 'elsewhere')];
    // Act
    const { ids, granted, skipped } = evaluate(list, { alertname: 'A', x: LONG });
    // Assess
    expect(ids).toEqual([]);
    expect(granted).toBe(0);
    expect(skipped).toEqual([]);
  });
});

describe('SilenceInput: the regex size limit', () => {
  it.each([
    ['a matcher string', [`x=~"${'(?:a?){1000}'.repeat(3)}"`], ''],
    ['an object', [{ name: 'x', value: '(?:a?){1000}'.repeat(3), isRegex: true }], '.value'],
  ])('refuses a regex over %s compiling to more than the limit, naming the matcher and the limit', (_what, matchers, suffix) => {
    // Act
    const found = issues({ ...valid, matchers });
    // Assess
    expect(found).toHaveLength(1);
    const [path, message] = found[0]!;
    expect(path).toBe(`matchers.0${suffix}`);
    expect(message).toContain(`x=~"(?:a?){1000}(?:a?){1000}(?:a?){1000}"`);
    expect(message).toContain('6004 RE2 instructions');
    expect(message).toContain(`limit of ${SILENCE_MAX_REGEX_PROGRAM}`);
  });

  it('admits a 200-host alternation', () => {
    // Arrange
    const hosts = Array.from({ length: 200 }, (_, i) => `web-${String(i).padStart(3, '0')}.prod.example.com`).join('|');
    // Act
    const parsed = Input.safeParse({ ...valid, matchers: [`instance=~"${hosts}"`] });
    // Assess
    expect(parsed.success).toBe(true);
    expect(toMatcher({ name: 'instance', value: hosts, isRegex: true, isEqual: true }).programSize).toBeGreaterThan(3_000);
  });
});
