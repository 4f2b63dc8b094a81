import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors';
import { buildUiAssets } from './build';
import { bundledUiAssets, UI_CSP, uiDefine, uiResponse } from './serve';

const g = globalThis as { __ALERTFLOW_UI__?: string };
afterEach(() => delete g.__ALERTFLOW_UI__);

describe('serving the dashboard', () => {
  it('serves the files bundled at synth (the define holds their JSON) with the security headers', async () => {
    const built = await buildUiAssets();
    // What esbuild substitutes for the identifier: the string literal the define holds.
    g.__ALERTFLOW_UI__ = JSON.parse(uiDefine(built)) as string;
    const js = await uiResponse('/ui/app.js', bundledUiAssets);
    expect(js).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'content-security-policy': UI_CSP, 'x-content-type-options': 'nosniff' } });
    expect(js.body).toBe(built.get('/ui/app.js')!.body);
    expect((await uiResponse('/ui', bundledUiAssets)).body).toContain('<script type="module" src="/ui/app.js"></script>');
    await expect(uiResponse('/ui/secret', bundledUiAssets)).rejects.toThrow(NotFoundError);
  });

  it('says so when nothing was bundled (a function built without the dashboard)', async () => {
    await expect(bundledUiAssets()).rejects.toThrow(/not bundled/);
  });
});
