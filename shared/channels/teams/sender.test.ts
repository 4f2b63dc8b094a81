import { describe, expect, it } from 'vitest';
import { httpSenderContract } from '../../../test/support/sender-contract';
import { context, fakeHttp, notification } from '../testing';
import { TeamsConfig } from './config';
import { TEAMS_LIMITS, type CardElement, type TeamsMessage } from './render';
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

const TEAMS_SIG = 'TeamsSigSecretAbc123xyz789QWERTY';
const TEAMS_URL = `https://prod-00.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}`;

httpSenderContract({
  type: 'teams',
  sender: teamsSender,
  entry: { webhook_url: { env: 'TEAMS_URL' } },
  secrets: { TEAMS_URL },
  secretValues: [TEAMS_URL, TEAMS_SIG],
  credentials: [TEAMS_SIG],
  target: 'teams:prod-00.westeurope.logic.azure.com',
  url: TEAMS_URL,
  checkHuge(rendered) {
    // Teams refuses messages over about 28 KB.
    expect(Buffer.byteLength(rendered.body)).toBeLessThanOrEqual(TEAMS_LIMITS.messageBytes);
    const message = JSON.parse(rendered.body) as TeamsMessage;
    const body: CardElement[] = message.attachments[0]!.content.body;
    expect(body.filter((e) => e.type === 'Container').length).toBeGreaterThan(0);
    expect(rendered.body).toMatch(/…and 4\d\d more alerts not shown/);
    expect(rendered.body).toContain('25 more alerts left out');
  },
});
