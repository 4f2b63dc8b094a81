import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../shared/local/runtime';
import { startRuntimeWithConfig } from '../support/runtime';
import { startStandIn, type StandIn } from '../support/stand-in';

/** A storm to one Slack webhook is paced to Slack's one message per second, not answered with 429s. */
let rt: LocalRuntime;
let slack: StandIn;
const arrivals: number[] = [];

beforeAll(async () => {
  slack = await startStandIn();
  slack.respond = () => {
    arrivals.push(Date.now());
    return { status: 200, body: 'ok' };
  };
  rt = await startRuntimeWithConfig(
    `
auth: { bearer_tokens: [{ env: ALERTFLOW_WEBHOOK_TOKEN }] }
route: { receiver: team, group_by: [alertname], group_wait: 0s, group_interval: 1s }
receivers:
  - name: team
    slack_configs: [{ webhook_url: '${slack.url}/services/T/B/pace' }]
`,
    { token: 'pace' },
  );
});
afterAll(async () => {
  await rt?.close();
  await slack?.close();
});

describe('Slack pacing', () => {
  it('spaces messages to one webhook at least a second apart under a storm of groups', async () => {
    const res = await fetch(`${rt.url}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: 'Bearer pace', 'content-type': 'application/json' },
      body: JSON.stringify({ alerts: Array.from({ length: 5 }, (_, i) => ({ name: `Storm${i}` })) }),
    });
    expect(res.status).toBe(202);
    await slack.waitFor(5, 20_000);
    await rt.queues.idle();
    expect(slack.received).toHaveLength(5);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // Slots are one second apart; timers may fire a little early or late on a busy machine.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
  });
});
