import { gzipSync } from 'node:zlib';
import { NotFoundError } from '../errors';
import type { HttpResult } from '../http/responses';

/**
 * Serving the dashboard (ui/) from the api function, deployed and local: the HTML shell, its
 * stylesheet and one JavaScript bundle (Preact and htm, built by esbuild: shared/ui/build.ts). The
 * files are public: the page holds no data; it asks for a token and reads the API with it. A strict
 * Content-Security-Policy goes with each: scripts and styles from this origin only, no inline script
 * and no eval, requests to this origin only, not framable.
 */
export interface UiAsset {
  contentType: string;
  body: string;
}

export const UI_PATHS = ['/ui', '/ui/app.js', '/ui/app.css'] as const;

export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The first load's JavaScript, gzipped, at most this (issue 15's budget; the dashboard test enforces it). */
export const UI_JS_BUDGET_GZ_BYTES = 50 * 1024;

/** The esbuild `define` that carries the built assets into the api function's bundle (lib/api.ts). */
export const UI_DEFINE = '__ALERTFLOW_UI__';
declare const __ALERTFLOW_UI__: string | undefined;

/** The assets bundled into this function at synth; none outside a deployed bundle. */
export async function bundledUiAssets(): Promise<ReadonlyMap<string, UiAsset>> {
  if (typeof __ALERTFLOW_UI__ !== 'string') throw new NotFoundError('the dashboard was not bundled into this function (build it with cdk synth)');
  return new Map(JSON.parse(__ALERTFLOW_UI__) as Array<[string, UiAsset]>);
}

/** The define's value: a JS string literal holding the assets' JSON (esbuild parses it as JS). */
export const uiDefine = (assets: ReadonlyMap<string, UiAsset>): string => JSON.stringify(JSON.stringify([...assets]));

export async function uiResponse(path: string, assets: () => Promise<ReadonlyMap<string, UiAsset>>): Promise<HttpResult> {
  const asset = (await assets()).get(path);
  if (!asset) throw new NotFoundError(`no dashboard file ${path}`);
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.contentType,
      'content-security-policy': UI_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
    body: asset.body,
  };
}

/** Bytes of `text` gzipped (what a browser downloads). */
export const gzippedBytes = (text: string): number => gzipSync(text).length;
