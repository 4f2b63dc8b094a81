/**
 * `npx tsx test/bench/regex.ts`: the measurements behind docs/adr/0002 (one linear-time regex
 * engine). For each candidate engine it prints
 *   (a) match time per alert over a generated route tree shaped like Alertmanager configs
 *       (~150 routes, regex matchers, alerts with 10 labels), beside the project's own matcher path;
 *   (b) minified bundle KB per function as the CDK builds them, and the engine's own minified KB;
 *   (c) RE2 coverage: which patterns each engine accepts and how it answers, beside Go's answer
 *       (from Debian's `amtool config routes test`, when installed), and the hostile `(a+)+$` case.
 * It measures and prints; it asserts nothing. Loopback only; nothing is written outside .alertflow/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { RE2JS } from 're2js';
import { loadConfigFile, EXAMPLE_CONFIG } from '../../shared/config/loader';
import { buildRouteTree, matchRoutes } from '../../shared/routing/route-tree';
import type { RouteConfig } from '../../shared/config/schema';
import { compileMatcherRegex } from '../../shared/labels/matchers';
import { median, num, table } from './format';
import { mulberry32 } from '../support/prng';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** An engine compiles an Alertmanager matcher regex (anchored as `^(?:re)$`) to a predicate. */
interface Engine {
  name: string;
  compile(re: string): (s: string) => boolean;
}

/**
 * The engines compared. The backtracking JS RegExp is the baseline: for this tree's patterns the
 * old Go-to-JS translation (removed; see commit f19606f, whose run of this script also measured
 * the templates' former Pike VM) produced the same JS source, bar `.` written as `[^\n]`.
 */
function jsRegExp(re: string): RegExp {
  // What the translation did for these patterns: a leading (?i) as the flag, `.` excluding only \n.
  const flags = re.startsWith('(?i)') ? 'ui' : 'u';
  return new RegExp(`^(?:${re.replace(/^\(\?i\)/, '').replace(/\./g, '[^\\n]')})$`, flags);
}

const ENGINES: Engine[] = [
  { name: 'JS RegExp (backtracking)', compile: (re) => { const r = jsRegExp(re); return (s) => r.test(s); } },
  { name: 're2js (raw)', compile: (re) => { const r = RE2JS.compile(`^(?:${re})$`); return (s) => r.test(s); } },
  { name: 'shared/labels (re2js, cached)', compile: (re) => { const r = compileMatcherRegex(re); return (s) => r.test(s); } },
];

// ---------------------------------------------------------------------------------------------
// (a) match time per alert

const TEAMS = ['payments', 'search', 'checkout', 'identity', 'storage', 'network', 'ml', 'data', 'web', 'mobile'];
const SERVICES = ['api', 'gateway', 'worker', 'db', 'cache', 'queue', 'frontend'];
const ALERTNAMES = ['KubePodCrashLooping', 'KubePodNotReady', 'HighErrorRate', 'HighLatency', 'DiskWillFillIn4Hours', 'NodeDown', 'TargetDown', 'CPUThrottlingHigh'];

/**
 * 10 team routes, each with 7 service routes, each with a severity child: 150 routes, every one
 * with regex matchers of the kinds real configs use (alternations, prefixes, `.*` suffixes, `(?i)`).
 */
function routeTree(): RouteConfig {
  return {
    receiver: 'default',
    group_by: ['alertname'],
    routes: TEAMS.map((team, t) => ({
      receiver: 'default',
      matchers: [`team=~"${team}|${team}-oncall"`, 'env!~"dev|staging|test-.*"'],
      continue: t % 3 === 0,
      routes: SERVICES.map((svc, s) => ({
        receiver: 'default',
        matchers: [`service=~"${svc}(-[a-z0-9]+)*"`, `alertname=~"${ALERTNAMES[(t + s) % ALERTNAMES.length]}|Kube.*|High.*"`],
        continue: true,
        routes: [
          {
            receiver: 'default',
            matchers: ['severity=~"(?i)critical|page"', 'cluster=~"(eu|us)-(west|east|central)-[0-9]+"', 'instance=~".*:(9100|8080)"'],
          },
        ],
      })),
    })),
  } as RouteConfig;
}

function alerts(n: number): Record<string, string>[] {
  const r = mulberry32(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    alertname: pick(ALERTNAMES),
    team: pick(TEAMS) + (r() < 0.2 ? '-oncall' : ''),
    service: `${pick(SERVICES)}${r() < 0.5 ? `-${Math.floor(r() * 100)}` : ''}`,
    namespace: `prod-${pick(TEAMS)}`,
    cluster: `${pick(['eu', 'us', 'ap'])}-${pick(['west', 'east', 'central'])}-${1 + Math.floor(r() * 3)}`,
    instance: `10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}:${pick(['9100', '8080', '9090'])}`,
    job: pick(['node', 'kubelet', 'app', 'blackbox']),
    severity: pick(['critical', 'warning', 'info', 'page']),
    env: pick(['prod', 'prod', 'prod', 'staging', 'dev']),
    pod: `pod-${i.toString(36)}-${Math.floor(r() * 1e6).toString(36)}`,
  }));
}

interface Node {
  matchers: Array<{ name: string; op: string; test: (s: string) => boolean }>;
  continue: boolean;
  routes: Node[];
}

/** The tree with each matcher compiled by `engine` (the classic `name op "value"` form). */
function compileTree(route: RouteConfig, engine: Engine): Node {
  return {
    matchers: (route.matchers ?? []).map((m) => {
      const [, name, op, value] = /^(\w+)(=~|!~|!=|=)"(.*)"$/.exec(m as string)!;
      const re = op === '=~' || op === '!~' ? engine.compile(value!) : (s: string) => s === value;
      return { name: name!, op: op!, test: op!.startsWith('!') ? (s: string) => !re(s) : re };
    }),
    continue: route.continue ?? false,
    routes: (route.routes ?? []).map((r) => compileTree(r, engine)),
  };
}

/** Alertmanager's depth-first walk with `continue`; returns the matching leaves' count. */
function walk(node: Node, labels: Record<string, string>): number {
  if (!node.matchers.every((m) => m.test(labels[m.name] ?? ''))) return 0;
  let found = 0;
  for (const child of node.routes) {
    const n = walk(child, labels);
    found += n;
    if (n > 0 && !child.continue) break;
  }
  return found || 1;
}

function regexesOf(r: RouteConfig): string[] {
  const own = (r.matchers ?? []).flatMap((m) => /^\w+[=!]~"(.*)"$/.exec(m as string)?.slice(1) ?? []);
  return [...own, ...(r.routes ?? []).flatMap(regexesOf)];
}

function countRoutes(r: RouteConfig): number {
  return 1 + (r.routes ?? []).reduce((s, c) => s + countRoutes(c), 0);
}

function timePerAlert(fn: (labels: Record<string, string>) => number, set: Record<string, string>[]): { us: number; checksum: number } {
  const runs: number[] = [];
  let checksum = 0;
  for (let round = 0; round < 15; round++) {
    const t0 = performance.now();
    for (const a of set) checksum += fn(a);
    runs.push(((performance.now() - t0) * 1000) / set.length);
  }
  // The first rounds warm the JIT; the median of the rest is reported.
  return { us: median(runs.slice(5)) ?? NaN, checksum };
}

function matchTime(): string {
  const tree = routeTree();
  const set = alerts(2000);
  const rows: (string | number)[][] = [];
  for (const engine of ENGINES) {
    const compiled = compileTree(tree, engine);
    const { us, checksum } = timePerAlert((a) => walk(compiled, a), set);
    rows.push([engine.name, us.toFixed(2), checksum]);
  }
  const patterns = regexesOf(tree);
  const compileRows = ENGINES.map((engine) => {
    const runs: number[] = [];
    for (let round = 0; round < 15; round++) {
      const t0 = performance.now();
      // Each pattern made unique, so no engine's cache (the VM keeps one) answers instead of compiling.
      patterns.forEach((p, i) => engine.compile(`${p}|${round}-${i}`));
      runs.push(((performance.now() - t0) * 1000) / patterns.length);
    }
    return [engine.name, (median(runs.slice(5)) ?? NaN).toFixed(1)];
  });
  const project = buildRouteTree(tree);
  const { us, checksum } = timePerAlert((a) => matchRoutes(project, a).length, set);
  rows.push(['project matchRoutes (current engine)', us.toFixed(2), checksum]);
  return [
    `(a) match time per alert: ${countRoutes(tree)} routes, ${set.length} alerts with 10 labels (median of 10 rounds after 5 warm-up)`,
    table(['engine', 'µs/alert', 'checksum'], rows),
    '',
    `  compile time per matcher regex (${patterns.length} regexes of the tree; silences are compiled when evaluated):`,
    table(['engine', 'µs/regex'], compileRows),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// (b) bundle KB per function

const BUILD: BuildOptions = {
  bundle: true,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  keepNames: true,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*', '@smithy/*'],
  metafile: true,
  write: false,
  logLevel: 'warning',
};

const ENGINE_ENTRIES: Record<string, string> = {
  '(empty module, for scale)': 'export const f = 1;',
  're2js via shared/labels/regex.ts': `import { compileRegex } from ${JSON.stringify(join(ROOT, 'shared/labels/regex.ts'))};
export const f = (p, s) => { const r = compileRegex(p); return [r.test(s), r.replaceAll(s, '$1', 1e6)]; };`,
};

async function bundleSizes(): Promise<string> {
  const config = loadConfigFile(join(ROOT, EXAMPLE_CONFIG));
  const define = { __ALERTFLOW_CONFIG__: JSON.stringify(JSON.stringify(config)) };
  const fns = readdirSync(join(ROOT, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'functions', d.name, 'handler.ts')))
    .map((d) => d.name)
    .sort();
  const rows: (string | number)[][] = [];
  for (const fn of fns) {
    const result = await build({ ...BUILD, absWorkingDir: ROOT, entryPoints: [join(ROOT, 'functions', fn, 'handler.ts')], outfile: 'index.mjs', define });
    const output = Object.values(result.metafile!.outputs)[0]!;
    const part = (test: (path: string) => boolean) =>
      Object.entries(output.inputs).reduce((s, [path, { bytesInOutput }]) => s + (test(path) ? bytesInOutput : 0), 0);
    rows.push([
      fn,
      (output.bytes / 1024).toFixed(1),
      (part((p) => p.includes('node_modules/re2js/')) / 1024).toFixed(1),
      (part((p) => p.includes('shared/labels/')) / 1024).toFixed(1),
    ]);
  }
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-regex-bench-'));
  const engines: (string | number)[][] = [];
  try {
    for (const [name, source] of Object.entries(ENGINE_ENTRIES)) {
      const entry = join(dir, `${name.replace(/\W+/g, '-')}.mjs`);
      writeFileSync(entry, source);
      const result = await build({ ...BUILD, absWorkingDir: ROOT, entryPoints: [entry], outfile: 'out.mjs', nodePaths: [join(ROOT, 'node_modules')] });
      const out = join(dir, `${name.replace(/\W+/g, '-')}.out.mjs`);
      writeFileSync(out, result.outputFiles![0]!.contents);
      // A cold import in a fresh node, timed inside the child (median of 5).
      const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(out).href)});process.stdout.write(String(performance.now()-t))`;
      const init = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
      engines.push([name, (Object.values(result.metafile!.outputs)[0]!.bytes / 1024).toFixed(1), (median(init) ?? NaN).toFixed(1)]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    '(b) bundle size, minified ESM as the CDK bundles (AWS SDK external)',
    table(['function', 'KB', 'of which re2js KB', 'of which shared/labels KB'], rows),
    '',
    '  each engine alone (minified, the API the project uses):',
    table(['engine', 'KB', 'cold import ms'], engines),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// (c) coverage and the hostile case

/** `(a+)+$` on n `a`s and `!`: each engine's time, the backtracking one only for small n. */
function hostileTimes(): string {
  for (const engine of ENGINES) engine.compile(HOSTILE)('a!'); // warm up each engine first
  const rows = [16, 20, 24, 36, 5000].map((n) => {
    const input = `${'a'.repeat(n)}!`;
    return [
      n,
      ...ENGINES.map((engine, i) => {
        if (i === 0 && n > 24) return 'not run';
        const test = engine.compile(HOSTILE);
        const t0 = performance.now();
        test(input);
        return `${num(performance.now() - t0, 2)} ms`;
      }),
    ];
  });
  return ["hostile (a+)+$ on n 'a's then '!' (JS RegExp time doubles with each 'a'):", table(['n', ...ENGINES.map((e) => e.name)], rows)].join('\n');
}

/** Pattern, label value. Alertmanager anchors the pattern; the value is what the alert carries. */
const COVERAGE: [string, string][] = [
  ['(?i:ab)c', 'ABc'],
  ['(?i:ab)c', 'ABC'],
  ['x(?i)y', 'xY'],
  ['x(?i)y', 'XY'],
  ['[[:^digit:]]+', 'abc'],
  ['[[:^digit:]]+', 'a1'],
  ['\\pL+', 'héllo'],
  ['\\p{Greek}+', 'αβγ'],
  ['\\Qa.b\\E', 'a.b'],
  ['\\Qa.b\\E', 'axb'],
  ['(?i)critical|page', 'CRITICAL'],
  ['(?s)a.b', 'a\nb'],
  ['a.b', 'a\nb'],
  ['a.b', 'a\rb'],
  ['(?m)a$', 'a'],
  ['a$', 'a\n'],
  ['\\s', '\u000b'],
  ['\\s', '\u00a0'],
  ['(?i)k', '\u212a'],
  ['.', '👍'],
  ['[^a]', '👍'],
  ['(?U)a+', 'aaa'],
  ['(?P<n>a)b', 'ab'],
  ['\\x{263a}', '☺'],
  ['[[:alpha:]-]+', 'a-b'],
  ['a{,2}', 'a{,2}'],
  ['\\Aab\\z', 'ab'],
  ['(?i)s', 'ſ'],
  ['(?i)σ', 'ς'],
  ['(?i)[k-l]', '\u212a'],
  ['(?i)ǆ', 'ǅ'],
  ['\\p{^Greek}', 'a'],
  ['[\\p{Greek}\\d]+', 'α1'],
  ['\\PN', '٣'],
  ['\\d', '٣'],
  ['\\w+', 'é'],
  ['.*\\bb', 'éb'],
  ['[[:word:]]+', 'a_1'],
  ['\\x{10FFFF}', '\u{10FFFF}'],
  ['(?i)ß', 'ẞ'],
  ['a{2}{3}', 'aaaaaa'],
  ['a{1001}', 'a'],
  ['(?=a)', 'a'],
  ['(a)\\1', 'aa'],
  ['a**', 'a'],
  ['\\C', 'a'],
  ['(a+)+$', `${'a'.repeat(36)}!`], // HOSTILE
];

/** Go's answer via Alertmanager's own route test (`amtool`), or undefined when unavailable. */
function goAnswers(): (string | undefined)[] {
  let amtool: string;
  try {
    amtool = execFileSync('sh', ['-c', 'command -v amtool'], { encoding: 'utf8' }).trim();
  } catch {
    return COVERAGE.map(() => undefined);
  }
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-regex-go-'));
  try {
    return COVERAGE.map(([pattern, value]) => {
      const file = join(dir, 'am.yml');
      const matcher = JSON.stringify(`x=~${JSON.stringify(pattern)}`);
      writeFileSync(file, `route: {receiver: none, routes: [{receiver: hit, matchers: [${matcher}]}]}\nreceivers: [{name: none}, {name: hit}]\n`);
      try {
        const out = execFileSync(amtool, ['config', 'routes', 'test', `--config.file=${file}`, `x="${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: 10_000,
        });
        return out.trim() === 'hit' ? 'match' : 'no';
      } catch {
        return 'rejected';
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HOSTILE = '(a+)+$';

function coverage(): string {
  const go = goAnswers();
  const rows = COVERAGE.map(([pattern, value], i) => {
    // The JS baseline is left out: its syntax is not RE2's (the old translation bridged part of that).
    const cells = ENGINES.slice(1).map((engine) => {
      try {
        const t0 = performance.now();
        const hit = engine.compile(pattern)(value);
        const ms = performance.now() - t0;
        return `${hit ? 'match' : 'no'}${ms > 50 ? ` (${Math.round(ms)} ms)` : ''}`;
      } catch {
        return 'rejected';
      }
    });
    const want = go[i];
    const marked = cells.map((c) => (want && !c.startsWith(want) ? `${c} ✗` : c));
    return [JSON.stringify(pattern), JSON.stringify(value), want ?? '?', ...marked];
  });
  return [
    '(c) RE2 coverage, pattern anchored as Alertmanager does; ✗ = differs from Go (amtool); "?" = amtool not installed',
    table(['pattern', 'value', 'Go', ...ENGINES.slice(1).map((e) => e.name)], rows, '  ', ['l', 'l', 'l', ...ENGINES.slice(1).map(() => 'l' as const)]),
  ].join('\n');
}

process.stdout.write(`${matchTime()}\n\n${await bundleSizes()}\n\n${coverage()}\n`);
process.stdout.write(`\n${hostileTimes()}\n`);
