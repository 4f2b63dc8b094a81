import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigYaml } from '../../shared/config/loader';
import { GO_REGEXP_CASES, GO_REGEXP_REFUSED } from '../../shared/labels/go-regexp-cases';
import { unicodeTable } from '../../shared/labels/unicode';
import { CATEGORY_NAMES, SCRIPT_NAMES } from '../../shared/labels/unicode-tables';
import { buildRouteTree, matchRoutes } from '../../shared/routing/route-tree';

/**
 * Differential test of regex syntax (issue 14): which patterns Alertmanager 0.25 accepts at config
 * load, and which label values they match, against alertflow's config loader and route tree.
 * Alertmanager's answers come from Debian's `amtool` (it ships with prometheus-alertmanager and
 * shares its config code): `amtool check-config` on one alertmanager.yml per pattern, and one
 * `amtool config routes test` over a config with a route per (pattern, value) pair, each on its own
 * label, so the receivers it prints are the pairs that match. alertflow loads the same files with
 * `parseConfigYaml` and routes the same labels with `buildRouteTree` + `matchRoutes`.
 *
 * The rows of shared/labels/go-regexp-cases.ts also carry the expected answer, checked against
 * Alertmanager here, so the test cannot pass with both sides wrong in the same way. On top of
 * them: every `\p{...}` name Go 1.19 knows (each matched against a member and a neighbour of its
 * table) and names it does not (later Unicode scripts, Cn, binary properties), compared only.
 */
const AMTOOL_BIN = process.env.AMTOOL_BIN || '/usr/bin/amtool';
const dir = mkdtempSync(join(tmpdir(), 'alertflow-regex-syntax-'));

/** The matcher value as Alertmanager's parser reads it back: `\`, `"` and newline escaped. */
const escapeValue = (s: string): string => s.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

interface Route {
  receiver: string;
  label: string;
  re: string;
  form: 'matchers' | 'match_re';
}

/** An alertmanager.yml (also a valid alertflow.yaml) whose routes each test one regex. */
function configYaml(routes: Route[], inhibit = false): string {
  const lines = ['route:', '  receiver: none', '  routes:'];
  for (const r of routes) {
    const matcher = r.form === 'matchers' ? `matchers: [${JSON.stringify(`${r.label}=~"${escapeValue(r.re)}"`)}]` : `match_re: {${r.label}: ${JSON.stringify(r.re)}}`;
    lines.push(`    - {receiver: ${r.receiver}, continue: true, ${matcher}}`);
  }
  if (inhibit) {
    lines.push('inhibit_rules:', ...routes.map((r) => `  - {source_matchers: ['x="y"'], target_matchers: [${JSON.stringify(`${r.label}=~"${escapeValue(r.re)}"`)}]}`));
  }
  lines.push('receivers:', '  - name: none', ...routes.map((r) => `  - name: ${r.receiver}`));
  return `${lines.join('\n')}\n`;
}

function amtool(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(AMTOOL_BIN, args, { encoding: 'utf8', timeout: 20_000, maxBuffer: 1 << 26 });
  if (run.error) throw new Error(`cannot run ${AMTOOL_BIN} (it ships with prometheus-alertmanager): ${run.error.message}`);
  return run;
}

/** What `amtool check-config` and alertflow's loader say of each pattern: true, or the error. */
interface Verdicts {
  am: Map<string, true | string>;
  af: Map<string, true | string>;
}

/** One file per pattern and form; one amtool run for all of them. */
function loadVerdicts(patterns: string[]): Verdicts {
  const files: Array<{ file: string; re: string; yaml: string }> = [];
  patterns.forEach((re, i) => {
    for (const form of ['matchers', 'match_re'] as const) {
      const yaml = configYaml([{ receiver: 'hit', label: 'v', re, form }], form === 'matchers');
      const file = join(dir, `check-${i}-${form}.yml`);
      writeFileSync(file, yaml);
      files.push({ file, re, yaml });
    }
  });
  const run = amtool('check-config', ...files.map((f) => f.file));
  const byFile = new Map<string, true | string>();
  for (const line of run.stdout.split('\n')) {
    const m = /^Checking '(.*)'\s+(?:SUCCESS|FAILED: (.*))$/.exec(line);
    if (m) byFile.set(m[1]!, m[2] === undefined ? true : m[2]);
  }
  const am = new Map<string, Array<true | string>>();
  const af = new Map<string, Array<true | string>>();
  const add = (map: Map<string, Array<true | string>>, re: string, v: true | string) => map.set(re, [...(map.get(re) ?? []), v]);
  for (const { file, re, yaml } of files) {
    const verdict = byFile.get(file);
    if (verdict === undefined) throw new Error(`amtool check-config said nothing of ${file}:\n${run.stdout}\n${run.stderr}`);
    add(am, re, verdict);
    let ours: true | string = true;
    try {
      parseConfigYaml(yaml, file);
    } catch (err) {
      ours = (err as Error).message;
    }
    add(af, re, ours);
  }
  // One verdict per pattern: both forms (matchers, match_re) must agree.
  const one = (vs: Array<true | string>): true | string =>
    vs.every((v) => v === true) ? true : vs.every((v) => v !== true) ? (vs[0] as string) : `the forms disagree: ${vs.join(' / ')}`;
  return { am: new Map([...am].map(([re, vs]) => [re, one(vs)])), af: new Map([...af].map(([re, vs]) => [re, one(vs)])) };
}

/** Which of the (pattern, value) pairs match, per Alertmanager and per alertflow's route tree. */
function routeMatches(pairs: Array<[string, string]>): { am: boolean[]; af: boolean[] } {
  const routes = pairs.map(([re], j): Route => ({ receiver: `r${j}`, label: `l${j}`, re, form: 'matchers' }));
  const yaml = configYaml(routes);
  const file = join(dir, 'routes.yml');
  writeFileSync(file, yaml);
  const am = new Set<string>();
  // amtool takes the labels as arguments: a few hundred KB at a time.
  for (let start = 0; start < pairs.length; ) {
    const args: string[] = [];
    let bytes = 0;
    let j = start;
    for (; j < pairs.length && (j === start || bytes < 500_000); j++) {
      const arg = `l${j}="${escapeValue(pairs[j]![1])}"`;
      args.push(arg);
      bytes += Buffer.byteLength(arg);
    }
    const run = amtool('config', 'routes', 'test', `--config.file=${file}`, ...args);
    if (run.status !== 0) throw new Error(`amtool config routes test failed: ${run.stderr}`);
    for (const r of run.stdout.trim().split(',')) am.add(r);
    start = j;
  }
  const tree = buildRouteTree(parseConfigYaml(yaml, file).route);
  const labels = Object.fromEntries(pairs.map(([, v], j) => [`l${j}`, v]));
  const af = new Set(matchRoutes(tree, labels).map((n) => n.receiver));
  return { am: pairs.map((_, j) => am.has(`r${j}`)), af: pairs.map((_, j) => af.has(`r${j}`)) };
}

// Every name Go 1.19 knows, and names it does not (later Unicode, Go 1.25 or re2js additions).
const GO_NAMES = ['Any', ...CATEGORY_NAMES, ...'CLMNPSZ', ...SCRIPT_NAMES];
const OTHER_NAMES = ['Cn', 'LC', 'Lc', 'L&', 'Assigned', 'ASCII', 'Ascii', 'Unknown', 'Zzzz', 'Letter', 'greek', 'Latn', 'Kawi', 'Vithkuqi', 'Toto', 'Cypro_Minoan', 'Garay', 'Sunuwar', 'Beria_Erfe', 'Emoji', 'Extended_Pictographic', 'Alphabetic', 'White_Space', 'Lowercase'];

/** A member of the table and the code point after its first range (surrogates cannot be labels). */
function probes(name: string): string[] {
  const t = unicodeTable(name)!;
  return [t[0]!, t[1]! + 1].filter((r) => r > 0 && r <= 0x10ffff && !(r >= 0xd800 && r <= 0xdfff)).map((r) => String.fromCodePoint(r));
}

let verdicts: Verdicts;
let matched: { am: boolean[]; af: boolean[] };
const pairs: Array<[string, string]> = [];
const expected: Array<boolean | undefined> = [];

beforeAll(() => {
  const patterns = [...new Set([...GO_REGEXP_CASES.map(([re]) => re), ...GO_REGEXP_REFUSED.map(([re]) => re), ...[...GO_NAMES, ...OTHER_NAMES].map((n) => `\\p{${n}}`)])];
  verdicts = loadVerdicts(patterns);
  for (const [re, yes, no] of GO_REGEXP_CASES) {
    for (const [values, want] of [[yes, true], [no, false]] as const) {
      for (const v of values) {
        pairs.push([re, v]);
        expected.push(want);
      }
    }
  }
  for (const name of GO_NAMES) {
    for (const v of probes(name)) {
      pairs.push([`\\p{${name}}`, v], [`(?i)\\P{${name}}`, v]);
      expected.push(undefined, undefined);
    }
  }
  matched = routeMatches(pairs);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regex syntax: alertflow and Alertmanager 0.25 accept and refuse the same patterns', () => {
  it.each(GO_REGEXP_CASES.map(([re]) => re))('accepts %s, as Alertmanager does', (re) => {
    expect({ re, alertmanager: verdicts.am.get(re) }).toEqual({ re, alertmanager: true });
    expect({ re, alertflow: verdicts.af.get(re) }).toEqual({ re, alertflow: true });
  });

  it.each(GO_REGEXP_REFUSED)('refuses %s, as Alertmanager does (%s)', (re, reason) => {
    expect(verdicts.am.get(re)).toContain(reason);
    expect(verdicts.af.get(re)).toContain(reason);
  });

  it('knows the \\p{...} names Alertmanager knows, and no others', () => {
    const accepted = (side: Map<string, true | string>, names: string[]) => names.filter((n) => side.get(`\\p{${n}}`) === true);
    expect(accepted(verdicts.am, GO_NAMES)).toEqual(GO_NAMES);
    expect(accepted(verdicts.am, OTHER_NAMES)).toEqual([]);
    expect(accepted(verdicts.af, GO_NAMES)).toEqual(GO_NAMES);
    expect(accepted(verdicts.af, OTHER_NAMES)).toEqual([]);
  });
});

describe('regex syntax: alertflow routes each label value where Alertmanager 0.25 does', () => {
  it('matches the expected values, as Alertmanager does', () => {
    const rows = pairs.map(([re, v], j) => ({ re, value: v, expected: expected[j], alertmanager: matched.am[j], alertflow: matched.af[j] }));
    const literal = rows.filter((r) => r.expected !== undefined);
    expect(literal.length).toBeGreaterThan(250);
    expect(literal.filter((r) => r.alertmanager !== r.expected)).toEqual([]);
    expect(literal.filter((r) => r.alertflow !== r.expected)).toEqual([]);
  });

  it("matches each Unicode table's edges as Alertmanager does (Unicode 13.0, folded under (?i))", () => {
    const codePoints = (v: string) => [...v].map((c) => `U+${c.codePointAt(0)!.toString(16)}`).join(' ');
    const rows = pairs.map(([re, v], j) => ({ re, value: codePoints(v), expected: expected[j], alertmanager: matched.am[j], alertflow: matched.af[j] }));
    const compared = rows.filter((r) => r.expected === undefined);
    expect(compared.length).toBeGreaterThan(700);
    expect(compared.filter((r) => r.alertflow !== r.alertmanager)).toEqual([]);
  });
});
