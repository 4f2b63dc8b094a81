import { describe, expect, it } from 'vitest';
import { context, fakeHttp, notification } from '../testing';
import { TeamsConfig } from './config';
import { teamsSender } from './sender';

const URL_ = 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SigSecret123456789';

describe('Teams sender', () => {
  it('posts the card to the resolved Workflows URL; 202 is success', async () => {
    const http = fakeHttp(() => ({ status: 202, body: '' }));
    const config = TeamsConfig.parse({ webhook_url: { env: 'TEAMS_URL' }, timeout: '5s' });
    const out = await teamsSender.send(context(http, { TEAMS_URL: URL_ }), notification(), config);
    expect(out).toEqual({ kind: 'success', status: 202, target: 'teams:prod-00.westeurope.logic.azure.com' });
    const { url, req } = http.calls[0]!;
    expect(url).toBe(URL_);
    expect(req.timeoutMs).toBe(5000);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
  });

  it('a timeout of 0 means the default', async () => {
    const http = fakeHttp(() => ({ status: 202 }));
    await teamsSender.send(context(http, {}), notification(), TeamsConfig.parse({ webhook_url: URL_, timeout: '0' }));
    expect(http.calls[0]!.req.timeoutMs).toBe(10_000);
  });
});
