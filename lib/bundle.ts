import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

/**
 * How each function's code is built, for `cdk synth` (lib/function.ts), the bench
 * (test/bench/bundles.ts) and the bundle tests (test/infra/bundles.test.ts) alike: one esbuild
 * build per `functions/<name>/handler.ts`, minified ESM for Node 22, the AWS SDK bundled
 * (docs/adr/0008-cold-start.md).
 *
 * Code splitting is on: what the function imports with `import()` (CloudWatch for checks, the
 * Scheduler client, cron-parser and luxon for the digest, the SDK's own lazy modules) goes into
 * chunks under `chunks/` that load on first use. In a single file they were parsed at every cold
 * start anyway (ADR 0008, "Lazy imports in chunks of their own").
 */

/** A real `require` in each ESM output, for bundled CommonJS code (esbuild's stub throws on `require('node:…')`). */
export const ESM_REQUIRE_SHIM = "import { createRequire as __afCreateRequire } from 'node:module'; const require = __afCreateRequire(import.meta.url);";

/**
 * Built-ins imported through a module of shared/runtime/builtins/ (see bundleAliases). An alias
 * matches its sub-paths too, so `node:fs/promises` needs one of its own.
 */
export const NAMESPACE_FREE_BUILTINS = ['process', 'fs', 'fs/promises', 'util'] as const;

/**
 * Packages the bundles take from elsewhere (esbuild `alias`, paths under the project root): the
 * SDK's default credential chain becomes the environment source alone, which is where Lambda puts
 * the role's credentials (shared/runtime/env-credentials.ts; ADR 0008, "Environment credentials").
 * The built-ins the SDK imports as ES modules, whose namespaces cost init time, come from
 * `process.getBuiltinModule` instead (shared/runtime/builtins/).
 */
export const bundleAliases = (root: string): Record<string, string> => ({
  '@aws-sdk/credential-provider-node': join(root, 'shared', 'runtime', 'env-credentials.ts'),
  ...Object.fromEntries(NAMESPACE_FREE_BUILTINS.map((name) => [`node:${name}`, join(root, 'shared', 'runtime', 'builtins', `${name.replace('/', '-')}.ts`)])),
});

export interface FunctionBuild {
  /** The repository root: entries, tsconfig.json and the aliases are resolved from here. */
  root: string;
  /** Which `functions/<name>/handler.ts`. */
  name: string;
  /** esbuild `define`s: the validated config, and the api's dashboard files. */
  define: Record<string, string>;
  /** Linked source maps beside the code. */
  sourceMaps?: boolean;
}

/** The entry is `index.mjs` (the handler is `index.handler`); lazily imported code is in `chunks/`. */
export function functionBuildOptions(b: FunctionBuild): BuildOptions {
  return {
    absWorkingDir: b.root,
    entryPoints: { index: join(b.root, 'functions', b.name, 'handler.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    // Error classes set `name` from the constructor; keep it readable after minification.
    keepNames: true,
    sourcemap: b.sourceMaps ?? false,
    tsconfig: join(b.root, 'tsconfig.json'),
    banner: { js: ESM_REQUIRE_SHIM },
    alias: bundleAliases(b.root),
    define: b.define,
    // Nothing is left to the runtime: the SDK is bundled, tree-shaken to the clients and commands
    // this function uses, and the version is the one the tests ran against (ADR 0008).
    external: [],
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Build one function into `outdir` (synchronously: the CDK's local bundling is). Chunks nothing
 * can load (see reachableOutputs) are deleted, so the asset holds only code the function may run.
 */
export function buildFunctionBundle(outdir: string, b: FunctionBuild): Metafile {
  const { metafile } = buildSync({ ...functionBuildOptions(b), outdir });
  const reachable = new Set(reachableOutputs(metafile!));
  for (const path of Object.keys(metafile!.outputs)) {
    const code = path.endsWith('.map') ? path.slice(0, -'.map'.length) : path;
    if (!reachable.has(code)) {
      rmSync(join(b.root, path));
      delete metafile!.outputs[path];
    }
  }
  return metafile!;
}

/** The output files a cold start loads: the entry and every chunk it imports statically, transitively. */
export function initOutputs(metafile: Metafile): string[] {
  return outputsFromEntry(metafile, ['import-statement']);
}

/**
 * The output files the function can ever load: with the chunks behind its `import()`s. esbuild
 * also writes a chunk for an `import()` in code it tree-shook away; nothing reaches that one.
 */
export function reachableOutputs(metafile: Metafile): string[] {
  return outputsFromEntry(metafile, ['import-statement', 'dynamic-import']);
}

function outputsFromEntry(metafile: Metafile, kinds: readonly string[]): string[] {
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path]!.entryPoint !== undefined && path.endsWith('index.mjs'));
  if (!entry) throw new Error('the build has no index.mjs entry');
  const loaded = new Set<string>([entry]);
  for (const path of loaded) {
    for (const imp of metafile.outputs[path]!.imports) if (kinds.includes(imp.kind) && !imp.external) loaded.add(imp.path);
  }
  return [...loaded];
}
