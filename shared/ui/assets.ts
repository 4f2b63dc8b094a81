import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * The dashboard's static files (ui/): the HTML shell, its stylesheet, and one JavaScript bundle built
 * with esbuild from Preact and htm (no server-side framework). Served under /ui with a strict
 * Content-Security-Policy: scripts and styles from this origin only, no inline script, requests to
 * this origin only, not framable.
 */
export interface UiAsset {
  contentType: string;
  body: string;
}

const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The first load's JavaScript, gzipped, at most this (issue 15's budget; ui.test.ts enforces it). */
export const UI_JS_BUDGET_GZ_BYTES = 50 * 1024;

let built: Promise<ReadonlyMap<string, UiAsset>> | undefined;

/** The assets by path (`/ui`, `/ui/app.js`, `/ui/app.css`), built once per process on first use. */
export function uiAssets(): Promise<ReadonlyMap<string, UiAsset>> {
  return (built ??= build().catch((err: unknown) => {
    built = undefined;
    throw err;
  }));
}

async function build(): Promise<ReadonlyMap<string, UiAsset>> {
  // esbuild is a build tool: loaded only when the dashboard is first asked for.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [`${UI_DIR}src/main.ts`],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]!.text;
  const [html, css] = await Promise.all([readFile(`${UI_DIR}index.html`, 'utf8'), readFile(`${UI_DIR}src/style.css`, 'utf8')]);
  return new Map([
    ['/ui', { contentType: 'text/html; charset=utf-8', body: html }],
    ['/ui/app.js', { contentType: 'text/javascript; charset=utf-8', body: js }],
    ['/ui/app.css', { contentType: 'text/css; charset=utf-8', body: css }],
  ]);
}

/** Bytes of `text` gzipped (what a browser downloads). */
export const gzippedBytes = (text: string): number => gzipSync(text).length;
