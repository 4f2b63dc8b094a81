import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import type { UiAsset } from './serve';

/**
 * Builds the dashboard's files from ui/ with esbuild: the local runtime on first use (in memory),
 * and the CDK app at synth, which bundles the result into the api function (`UI_DEFINE`, see
 * lib/api.ts). Nothing deployed imports this module (esbuild is a build tool).
 */
const UI_DIR = uiDir(dirname(fileURLToPath(import.meta.url)));

/**
 * The project's ui/, found upward from this module: it runs from shared/ui/ (the CDK app, tests)
 * and from `npm start`'s bundle under node_modules/.cache (bin/start.mjs).
 */
function uiDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'ui', 'index.html'))) return join(dir, 'ui') + sep;
    if (dirname(dir) === dir) throw new Error(`the dashboard's sources (ui/index.html) are not in any directory above ${from}`);
  }
}

const BUILD_OPTIONS: BuildOptions & { write: false } = {
  entryPoints: [`${UI_DIR}src/main.ts`],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  write: false,
  legalComments: 'none',
  logLevel: 'silent',
};

function assets(js: string): ReadonlyMap<string, UiAsset> {
  return new Map([
    ['/ui', { contentType: 'text/html; charset=utf-8', body: readFileSync(`${UI_DIR}index.html`, 'utf8') }],
    ['/ui/app.js', { contentType: 'text/javascript; charset=utf-8', body: js }],
    ['/ui/app.css', { contentType: 'text/css; charset=utf-8', body: readFileSync(`${UI_DIR}src/style.css`, 'utf8') }],
  ]);
}

let built: Promise<ReadonlyMap<string, UiAsset>> | undefined;

/** The assets, built once per process on first use (a failed build is tried again next time). */
export function buildUiAssets(): Promise<ReadonlyMap<string, UiAsset>> {
  return (built ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build(BUILD_OPTIONS);
    return assets(result.outputFiles![0]!.text);
  })().catch((err: unknown) => {
    built = undefined;
    throw err;
  }));
}

let builtSync: ReadonlyMap<string, UiAsset> | undefined;

/**
 * The same, synchronously (the CDK app builds its constructs synchronously), once per process: an
 * app or a test run that synthesizes several stacks bundles the same files into each.
 */
export function buildUiAssetsSync(esbuild: { buildSync(options: BuildOptions & { write: false }): { outputFiles?: Array<{ text: string }> } }): ReadonlyMap<string, UiAsset> {
  return (builtSync ??= assets(esbuild.buildSync(BUILD_OPTIONS).outputFiles![0]!.text));
}
