import { describe, expect, it } from 'vitest';
import { startupBanner } from './banner';
import { DEFAULT_TOKEN } from './defaults';

const rt = { url: 'http://127.0.0.1:3000', configPath: '/srv/alertflow.yaml' };

describe('startupBanner', () => {
  it('prints the default token, which is public, and how to change it', () => {
    const out = startupBanner({ ...rt, token: DEFAULT_TOKEN }, {});
    expect(out).toContain(`webhook token: ${DEFAULT_TOKEN} (default; set ALERTFLOW_WEBHOOK_TOKEN to change it)`);
    expect(out).toContain(`'Authorization: Bearer ${DEFAULT_TOKEN}'`);
  });

  it('never prints a token the user set: it says where it came from', () => {
    const secret = 'user-chosen-token-0b7c9e';
    const out = startupBanner({ ...rt, token: secret }, { ALERTFLOW_WEBHOOK_TOKEN: secret });
    expect(out).not.toContain(secret);
    expect(out).toContain('webhook token: taken from ALERTFLOW_WEBHOOK_TOKEN (not printed)');
    // The example still works when pasted into a shell that has the variable.
    expect(out).toContain('"Authorization: Bearer $ALERTFLOW_WEBHOOK_TOKEN"');
  });

  it('a token passed by a caller (not the environment) is not printed either', () => {
    const out = startupBanner({ ...rt, token: 'passed-in-token-123456' }, {});
    expect(out).not.toContain('passed-in-token-123456');
    expect(out).toContain('(not printed)');
  });

  it('prints no token when no configured token reads ALERTFLOW_WEBHOOK_TOKEN (the default would get a 401)', () => {
    const out = startupBanner({ ...rt, token: DEFAULT_TOKEN, tokenNames: [] }, {});
    expect(out).not.toContain(DEFAULT_TOKEN);
    expect(out).toContain("no token in the config's auth reads ALERTFLOW_WEBHOOK_TOKEN");
    expect(out).toContain('"Authorization: Bearer $TOKEN"');
    // A config that does read it keeps today's banner.
    expect(startupBanner({ ...rt, token: DEFAULT_TOKEN, tokenNames: ['admin'] }, {})).toContain(`'Authorization: Bearer ${DEFAULT_TOKEN}'`);
  });

  it('says how long the warm-up took, and how to skip it, when there was one', () => {
    expect(startupBanner({ ...rt, token: DEFAULT_TOKEN }, {}, { ms: 412.6, notifications: 200 })).toContain('warm-up:       413 ms, 200 notifications to itself (ALERTFLOW_WARM_UP=0 skips it)');
    expect(startupBanner({ ...rt, token: DEFAULT_TOKEN }, {})).not.toContain('warm-up');
  });
});
