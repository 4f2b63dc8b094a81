import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import type { Config } from '../../shared/config/schema';
import { median } from './format';

const run = promisify(execFile);

/**
 * The esbuild options the CDK's NodejsFunction passes for AlertflowFunction (lib/function.ts `bundling`:
 * format ESM -> outfile index.mjs, minify, keepNames, target node22, platform node, mainFields
 * module,main, the tsconfig, the require shim banner, `@aws-sdk/*` and `@smithy/*` external, the
 * config as a `define`). NodejsFunction runs the esbuild CLI with the equivalent flags
 * (`--bundle --target=node22 --platform=node --format=esm --outfile=... --minify --external:...
 * --define:... --keep-names --tsconfig=... --banner:js=... --main-fields=module,main`).
 */
export interface BundleSettings {
  external: string[];
  define: Record<string, string>;
  banner: string;
  /** Packages taken from elsewhere (lib/function.ts bundleAliases). */
  alias?: Record<string, string>;
}

export interface BundleResult {
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Imports left to the runtime (the AWS SDK), as esbuild's metafile lists them. */
  externals: string[];
  /** The largest contributors to the bundle, by package (or `<project>` for our own sources). */
  topInputs: Array<{ name: string; bytes: number }>;
  /** Median of `runs` cold imports, each in a fresh `node`, timed inside the child. */
  initMedianMs: number | null;
  initRunsMs: number[];
  /**
   * CPU time (user + system) of the same imports, median: unlike wall time it hardly grows when
   * other processes compete for the cores, so runs on a busy machine stay comparable.
   */
  initCpuMedianMs: number | null;
  /** The same for a module importing only this bundle's externals (the AWS SDK share of init). */
  sdkOnlyMedianMs: number | null;
  node: string;
}

/** Bundle every `functions/<fn>/handler.ts` as the CDK does and time a cold import of each. */
export async function measureBundles(root: string, outDir: string, settings: BundleSettings, runs: number): Promise<BundleResult[]> {
  const fns = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'functions', d.name, 'handler.ts')))
    .map((d) => d.name)
    .sort();
  mkdirSync(outDir, { recursive: true });
  const timer = join(outDir, 'import-timer.mjs');
  writeFileSync(
    timer,
    [
      '// Written by test/bench: times one cold import of the module given as argv[2].',
      'const cpu0 = process.cpuUsage();',
      'const t0 = performance.now();',
      'await import(process.argv[2]);',
      'const ms = performance.now() - t0;',
      'const cpu = process.cpuUsage(cpu0);',
      'process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, node: process.version }));',
      '',
    ].join('\n'),
  );

  const out: BundleResult[] = [];
  for (const fn of fns) {
    const dir = join(outDir, 'bundles', fn);
    const file = join(dir, 'index.mjs');
    const result = await bundleFunction(root, fn, settings, file);
    const code = readFileSync(file);
    const output = Object.values(result.metafile.outputs)[0]!;
    const externals = [...new Set(output.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path))].sort();

    // The same externals alone, from the same directory (so they resolve the same way).
    const sdkOnly = join(dir, 'sdk-only.mjs');
    writeFileSync(sdkOnly, externals.map((e) => `import ${JSON.stringify(e)};`).join('\n') + '\n');

    const initRunsMs: number[] = [];
    const initCpuMs: number[] = [];
    const sdkRunsMs: number[] = [];
    let node = '';
    for (let i = 0; i < runs; i++) {
      const a = await timeImport(timer, file);
      initRunsMs.push(a.ms);
      initCpuMs.push(a.cpuMs);
      node = a.node;
      if (externals.length) sdkRunsMs.push((await timeImport(timer, sdkOnly)).ms);
    }
    out.push({
      fn,
      file,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      externals,
      topInputs: topInputs(output.inputs),
      initMedianMs: median(initRunsMs),
      initRunsMs,
      initCpuMedianMs: median(initCpuMs),
      sdkOnlyMedianMs: median(sdkRunsMs),
      node,
    });
  }
  return out;
}

/**
 * Bundle `functions/<fn>/handler.ts` with the options above; written to `outfile` when given, else
 * kept in memory (the metafile still lists every input and import).
 */
export async function bundleFunction(root: string, fn: string, settings: BundleSettings, outfile?: string): Promise<{ metafile: Metafile }> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'functions', fn, 'handler.ts')],
    bundle: true,
    outfile: outfile ?? join(root, '.alertflow', 'bench', 'bundles', fn, 'index.mjs'),
    write: outfile !== undefined,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    minify: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    tsconfig: join(root, 'tsconfig.json'),
    external: settings.external,
    define: settings.define,
    banner: { js: settings.banner },
    ...(settings.alias ? { alias: settings.alias } : {}),
    metafile: true,
    logLevel: 'warning',
  });
  return { metafile: result.metafile };
}

/** `node` from PATH (under `npm run`, the project's Node 22 in node_modules/.bin). */
async function timeImport(timer: string, file: string): Promise<{ ms: number; cpuMs: number; node: string }> {
  const { stdout } = await run('node', [timer, pathToFileURL(file).href], { timeout: 30_000 });
  return JSON.parse(stdout) as { ms: number; cpuMs: number; node: string };
}

function topInputs(inputs: Record<string, { bytesInOutput: number }>): Array<{ name: string; bytes: number }> {
  const byName = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = m ? m[1]! : '<project>';
    byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
  }
  return [...byName]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 4);
}

/** The config `define` value exactly as lib/function.ts builds it, with a fallback if lib/ cannot load. */
export function fallbackConfigDefine(config: Config): string {
  return JSON.stringify(JSON.stringify(config));
}

/**
 * The externals and the banner lib/function.ts bundles with. They are not exported, so they are read
 * from the construct's source; each is undefined where the source no longer matches.
 */
export function libBundleSource(root: string): { external?: string[]; banner?: string } {
  const source = readFileSync(join(root, 'lib', 'function.ts'), 'utf8');
  const externalsText = /externalModules:\s*(\[[^\]]*\])/.exec(source)?.[1];
  const bannerText = /const ESM_REQUIRE_SHIM\s*=\s*("(?:[^"\\]|\\.)*");/.exec(source)?.[1];
  return {
    ...(externalsText ? { external: JSON.parse(externalsText.replace(/'/g, '"')) as string[] } : {}),
    ...(bannerText ? { banner: JSON.parse(bannerText) as string } : {}),
  };
}

/** The bundling options lib/function.ts uses: libBundleSource, the config define and the aliases from its exports. */
export async function bundleSettingsFromLib(root: string, config: Config): Promise<BundleSettings> {
  const { external, banner } = libBundleSource(root);
  if (!external || !banner) throw new Error('lib/function.ts: externalModules or ESM_REQUIRE_SHIM not found');
  const lib = await import('../../lib/function');
  return { external, banner, define: { [lib.CONFIG_DEFINE]: lib.configDefine(config) }, alias: lib.bundleAliases(root) };
}

/**
 * `npx tsx test/bench/bundles.ts [runs]`: the bench's bundles section alone (same bundling, same
 * timing), printed as a table of minified/gzip KB and init medians.
 */
async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const runs = Number(process.argv[2] ?? 5);
  const { loadConfigFile, EXAMPLE_CONFIG } = await import('../../shared/config/loader');
  const settings = await bundleSettingsFromLib(root, loadConfigFile(join(root, EXAMPLE_CONFIG)));
  const results = await measureBundles(root, join(root, '.alertflow', 'bench'), settings, runs);
  const kb = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(`external: ${settings.external.join(', ') || '(none)'}; ${runs} cold imports per bundle; ${results[0]?.node}\n`);
  process.stdout.write('function            minified KB  gzip KB  init median ms  init CPU ms  SDK-only ms  runs (ms)\n');
  for (const r of results) {
    process.stdout.write(
      `${r.fn.padEnd(18)}  ${kb(r.bytes).padStart(11)}  ${kb(r.gzipBytes).padStart(7)}  ${(r.initMedianMs?.toFixed(1) ?? '-').padStart(14)}  ${(r.initCpuMedianMs?.toFixed(1) ?? '-').padStart(11)}  ${(r.sdkOnlyMedianMs?.toFixed(1) ?? '-').padStart(11)}  ${r.initRunsMs.map((x) => x.toFixed(0)).join(' ')}\n`,
    );
  }
  process.stdout.write(`top inputs: ${results.map((r) => `${r.fn}: ${r.topInputs.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ')}`).join('; ')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
