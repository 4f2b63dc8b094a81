import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { buildFunctionBundle, initOutputs } from '../../lib/bundle';
import type { Config } from '../../shared/config/schema';
import { median } from './format';

const run = promisify(execFile);

/** What the functions are built with besides lib/bundle.ts's options: the config (and the api's dashboard) `define`s. */
export interface BundleSettings {
  define: Record<string, string>;
}

export interface BundleResult {
  fn: string;
  /** The code a cold start loads: `index.mjs` and the chunks it imports statically. */
  bytes: number;
  gzipBytes: number;
  /** Every output file, the chunks loaded on first use included. */
  totalBytes: number;
  /** Imports left to the runtime (none: the AWS SDK is bundled), as esbuild's metafile lists them. */
  externals: string[];
  /** The largest contributors to the code loaded at init, by package (or `<project>` for our own sources). */
  topInputs: Array<{ name: string; bytes: number }>;
  /** Median of `runs` cold imports, each in a fresh `node`, timed inside the child. */
  initMedianMs: number | null;
  initRunsMs: number[];
  /**
   * CPU time (user + system) of the same imports, median: unlike wall time it hardly grows when
   * other processes compete for the cores, so runs on a busy machine stay comparable.
   */
  initCpuMedianMs: number | null;
  node: string;
}

/** Build every `functions/<fn>/handler.ts` as `cdk synth` does (lib/bundle.ts) and time a cold import of each. */
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
    rmSync(dir, { recursive: true, force: true });
    const metafile = bundleFunction(root, fn, settings, dir);
    const atInit = initOutputs(metafile);
    const code = Buffer.concat(atInit.map((path) => readFileSync(join(root, path))));
    const outputs = Object.values(metafile.outputs);
    const externals = [...new Set(outputs.flatMap((o) => o.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path)))].sort();

    const initRunsMs: number[] = [];
    const initCpuMs: number[] = [];
    let node = '';
    for (let i = 0; i < runs; i++) {
      const a = await timeImport(timer, join(dir, 'index.mjs'));
      initRunsMs.push(a.ms);
      initCpuMs.push(a.cpuMs);
      node = a.node;
    }
    out.push({
      fn,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      totalBytes: outputs.reduce((sum, o) => sum + o.bytes, 0),
      externals,
      topInputs: topInputs(atInit.map((path) => metafile.outputs[path]!.inputs)),
      initMedianMs: median(initRunsMs),
      initRunsMs,
      initCpuMedianMs: median(initCpuMs),
      node,
    });
  }
  return out;
}

/** Build `functions/<fn>/handler.ts` into `outdir` exactly as `cdk synth` does (lib/bundle.ts). */
export function bundleFunction(root: string, fn: string, settings: BundleSettings, outdir: string): Metafile {
  return buildFunctionBundle(outdir, { root, name: fn, define: settings.define });
}

/** `node` from PATH (under `npm run`, the project's Node 22 in node_modules/.bin). */
async function timeImport(timer: string, file: string): Promise<{ ms: number; cpuMs: number; node: string }> {
  const { stdout } = await run('node', [timer, pathToFileURL(file).href], { timeout: 30_000 });
  return JSON.parse(stdout) as { ms: number; cpuMs: number; node: string };
}

function topInputs(parts: Array<Record<string, { bytesInOutput: number }>>): Array<{ name: string; bytes: number }> {
  const byName = new Map<string, number>();
  for (const inputs of parts) {
    for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = m ? m[1]! : '<project>';
      byName.set(name, (byName.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byName]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 4);
}

/** The `define`s lib/function.ts builds every function with (the config's; the api adds its dashboard's, not timed here). */
export async function bundleSettingsFromLib(config: Config): Promise<BundleSettings> {
  const lib = await import('../../lib/function');
  return { define: { [lib.CONFIG_DEFINE]: lib.configDefine(config) } };
}

/**
 * `npx tsx test/bench/bundles.ts [runs]`: the bench's bundles section alone (same bundling, same
 * timing), printed as a table of minified/gzip KB and init medians.
 */
async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const runs = Number(process.argv[2] ?? 5);
  const { loadConfigFile, EXAMPLE_CONFIG } = await import('../../shared/config/loader');
  const settings = await bundleSettingsFromLib(loadConfigFile(join(root, EXAMPLE_CONFIG)));
  const results = await measureBundles(root, join(root, '.alertflow', 'bench'), settings, runs);
  const kb = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(`${runs} cold imports per function; ${results[0]?.node}\n`);
  process.stdout.write('function            at init KB  gzip KB  all KB  init median ms  init CPU ms  runs (ms)\n');
  for (const r of results) {
    process.stdout.write(
      `${r.fn.padEnd(18)}  ${kb(r.bytes).padStart(10)}  ${kb(r.gzipBytes).padStart(7)}  ${kb(r.totalBytes).padStart(6)}  ${(r.initMedianMs?.toFixed(1) ?? '-').padStart(14)}  ${(r.initCpuMedianMs?.toFixed(1) ?? '-').padStart(11)}  ${r.initRunsMs.map((x) => x.toFixed(0)).join(' ')}\n`,
    );
  }
  process.stdout.write(`top inputs at init: ${results.map((r) => `${r.fn}: ${r.topInputs.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ')}`).join('; ')}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
