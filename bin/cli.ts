/**
 * `npm run alertflow -- <command>`: operator commands against a running alertflow (the local runtime
 * by default, or a deployment: set ALERTFLOW_URL to the API URL and ALERTFLOW_TOKEN to a bearer token).
 *
 *   test-receiver NAME    send a marked test notification to every channel of receiver NAME
 *   redrive [CHANNEL]     move dead-lettered notifications back to their queues (all channels, or one)
 */
import { DEFAULT_TOKEN } from '../shared/local/defaults';

const url = (process.env.ALERTFLOW_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const token = process.env.ALERTFLOW_TOKEN ?? process.env.ALERTFLOW_WEBHOOK_TOKEN ?? DEFAULT_TOKEN;
const [command, arg] = process.argv.slice(2);

async function call(method: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new Error(`cannot reach alertflow at ${url} (${(err as Error).message}); is it running? set ALERTFLOW_URL`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(`${res.status}: ${body.message ?? 'request failed'}`);
  return body;
}

interface TestResult {
  channel: string;
  status: string;
  target?: string;
  attempts: number;
  last?: { status?: number; reason?: string; latencyMs: number };
  /** PagerDuty: the resolve sent after the test trigger, closing its incident. */
  resolve?: Omit<TestResult, 'channel' | 'resolve'>;
}

async function main(): Promise<number> {
  switch (command) {
    case 'test-receiver': {
      if (!arg) throw new Error('usage: npm run alertflow -- test-receiver NAME');
      const { results } = (await call('POST', `/v1/channels/${encodeURIComponent(arg)}/test`)) as { results: TestResult[] };
      if (results.length === 0) console.log(`receiver ${arg} has no channels`);
      for (const r of results) {
        const detail = [r.target, r.last?.status && `HTTP ${r.last.status}`, r.last?.reason, r.last && `${r.last.latencyMs} ms`, `${r.attempts} attempt(s)`].filter(Boolean).join(', ');
        console.log(`${r.status === 'delivered' ? 'ok  ' : 'FAIL'} ${r.channel.padEnd(14)} ${r.status.padEnd(13)} ${detail}`);
        if (r.resolve) console.log(`${r.resolve.status === 'delivered' ? 'ok  ' : 'FAIL'} ${'  resolve'.padEnd(14)} ${r.resolve.status.padEnd(13)} closes the test incident`);
      }
      return results.every((r) => r.status === 'delivered' && (!r.resolve || r.resolve.status === 'delivered')) ? 0 : 1;
    }
    case 'redrive': {
      const { moved, approximate } = (await call('POST', `/v1/redrive${arg ? `?channel=${encodeURIComponent(arg)}` : ''}`)) as {
        moved: Record<string, number>;
        approximate: boolean;
      };
      for (const [channel, n] of Object.entries(moved)) console.log(`${channel.padEnd(10)} ${approximate ? '~' : ''}${n} moved back to its queue`);
      return 0;
    }
    default:
      console.error('usage: npm run alertflow -- test-receiver NAME | redrive [CHANNEL]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`alertflow: ${(err as Error).message}`);
    process.exit(1);
  },
);
