/**
 * `npx tsx test/bench/silence-budget.ts`: the measurements behind the addendum of docs/adr/0002
 * (silences get a per-alert match budget). It prints
 *   (a) per budget unit, the time of re2js's DFA path (`Regex.test`) and of the NFA path the
 *       budget uses (`Regex.testWithin`), on pathological patterns at the silence regex cap;
 *   (b) the time to evaluate every silence against one alert, with 1000 silences at the cap and
 *       label values from 0 to 20,000 characters (the worst case per alert);
 *   (c) what a realistic silence costs in units.
 * It measures and prints; it asserts nothing.
 */
import { Budget, compileMatcherRegex } from '../../shared/labels/matchers';
import { SILENCE_MATCH_BUDGET, SILENCE_MAX_REGEX_PROGRAM, silences, type Silence } from '../../shared/silences/model';
import { num, table } from './format';

/** Pathological shapes; `{n}` is grown until the program reaches the cap. */
const SHAPES: Array<[name: string, shape: (n: number) => string, ch: string]> = [
  ['(?:a?){k}.*', (n) => `(?:a?){1000}(?:a?){1000}(?:a?){${n}}.*`, 'a'],
  ['(?:.?){k}', (n) => `(?:.?){1000}(?:.?){1000}(?:.?){${n}}`, 'x'],
  ['(?:\\pL?){k}', (n) => `(?:\\pL?){1000}(?:\\pL?){1000}(?:\\pL?){${n}}`, 'é'],
  ['(?:.*.*){k}', (n) => `(?:.*.*){1000}(?:.*){${n}}`, 'x'],
];

function atCap(shape: (n: number) => string, shift = 0): string {
  let lo = 1;
  let hi = 1000;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (compileMatcherRegex(shape(mid)).programSize <= SILENCE_MAX_REGEX_PROGRAM) lo = mid;
    else hi = mid - 1;
  }
  return shape(lo - shift);
}

function silence(id: string, value: string): Silence {
  return {
    id,
    matchers: [
      { name: 'alertname', value: 'Hostile', isRegex: false, isEqual: true },
      { name: 'x', value, isRegex: true, isEqual: true },
    ],
    starts_at: '2020-01-01T00:00:00Z',
    ends_at: '2100-01-01T00:00:00Z',
    created_by: 'bench',
    comment: 'bench',
    updated_at: '2020-01-01T00:00:00Z',
  };
}

const ms = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

// (a) ns per unit, DFA path vs the budgeted path, with a fresh pattern each time (a cold DFA).
const perUnit: string[][] = [];
for (const [name, shape, ch] of SHAPES) {
  for (const units of [1e6]) {
    const pattern = atCap(shape);
    const program = compileMatcherRegex(pattern).programSize;
    const value = ch.repeat(Math.floor(units / program) - 1);
    // compileMatcherRegex caches; a distinct pattern per run gives each a cold DFA.
    const dfa = Math.max(...[1, 2, 3].map((k) => ms(() => compileMatcherRegex(atCap(shape, k)).test(value))));
    const nfa = Math.max(...[4, 5, 6].map((k) => ms(() => compileMatcherRegex(atCap(shape, k)).testWithin(value, new Budget(Infinity)))));
    const cost = compileMatcherRegex(pattern).cost(value);
    perUnit.push([name, num(program), num(value.length), num(cost), `${((dfa * 1e6) / cost).toFixed(1)} ns`, `${((nfa * 1e6) / cost).toFixed(1)} ns`]);
  }
}
console.log('\n(a) time per budget unit, pathological patterns at the cap (worst of 3 cold runs)\n');
console.log(table(['shape', 'program', 'value length', 'units', 'test (DFA)', 'testWithin (NFA)'], perUnit));

// (b) all silences against one alert: 1000 at the cap, values of several lengths.
const perAlert: string[][] = [];
const now = new Date();
for (const [name, shape, ch] of SHAPES) {
  const list = Array.from({ length: 1000 }, (_, i) => silence(`${name}-${i}`, atCap(shape, i % 50)));
  silences({ labels: { alertname: 'Hostile', x: '' } }, list, now); // compile once (kept by id), outside the timing
  for (const length of [0, 1, 5, 20, 200, 20_000]) {
    let skipped = 0;
    const worst = Math.max(
      ...[0, 1, 2, 3, 4].map((r) =>
        ms(() => {
          skipped = 0;
          silences({ labels: { alertname: 'Hostile', x: ch.repeat(length) + (r % 2 ? '!' : '') } }, list, now, () => skipped++);
        }),
      ),
    );
    perAlert.push([name, num(length), `${worst.toFixed(1)} ms`, num(skipped)]);
  }
}
console.log(`\n(b) 1000 silences at the cap against one alert (budget ${num(SILENCE_MATCH_BUDGET)} units; worst of 5)\n`);
console.log(table(['shape', 'value length', 'time per alert', 'skipped (fail open)'], perAlert));

// (c) realistic silences.
const hosts = Array.from({ length: 200 }, (_, i) => `web-${String(i).padStart(3, '0')}.prod.example.com`).join('|');
const realistic: Array<[string, string, string]> = [
  ['instance=~"db-.*"', 'db-.*', 'db-1.prod.example.com:9100'],
  ['severity=~"critical|page"', 'critical|page', 'critical'],
  ['instance=~<200 hosts>', hosts, 'web-150.prod.example.com'],
];
console.log('\n(c) what realistic silences cost\n');
console.log(
  table(
    ['matcher', 'program', 'value length', 'units', 'share of the budget'],
    realistic.map(([name, pattern, value]) => {
      const m = compileMatcherRegex(pattern);
      return [name, num(m.programSize), num(value.length), num(m.cost(value)), `${((100 * m.cost(value)) / SILENCE_MATCH_BUDGET).toFixed(2)}%`];
    }),
  ),
);
