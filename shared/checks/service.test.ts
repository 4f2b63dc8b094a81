import { describe, expect, it } from 'vitest';
import type { HttpPort } from '../channels/http';
import { compileChecks } from './check';
import { tickChecks, type CheckDeps } from './service';
import { CheckConfig } from './config';
import { openLocalDatabase } from '../local/sqlite';
import { silentLogger } from '../log';
import type { OutgoingMessage } from '../queues/port';
import { sqliteStores } from '../store/sqlite';

/**
 * The checks tick's bounds: past its query budget it starts no further chunk of Prometheus
 * queries, and the checks it did not reach stay due, first in line at the next tick.
 */
function deps(n: number, http: HttpPort, clock: () => Date): CheckDeps & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  const configs = Array.from({ length: n }, (_, i) => CheckConfig.parse({ name: `c${i}`, prometheus: { url: 'http://prom.test:9090', query: `q${i}` }, condition: '>', critical: 1, every: '1s' }));
  return {
    config: { checks: compileChecks(configs) },
    checks: sqliteStores(openLocalDatabase(undefined)).checks,
    queues: { send: async (_q, messages) => void sent.push(...messages), changeVisibility: async () => {} },
    sources: { http, metricData: { getMetricData: () => Promise.reject(new Error('unused')) }, log: silentLogger },
    clock,
    log: silentLogger,
    sent,
  };
}

describe('the checks tick', () => {
  it('starts no further chunk of queries past its budget; the checks left stay due and go first next time', async () => {
    const asked: string[] = [];
    // Each query answers after 5 ms: the first chunk (32) outlasts a budget of under a millisecond.
    const http: HttpPort = {
      post: async (_url, req) => {
        asked.push(new URLSearchParams(req.body).get('query')!);
        await new Promise((r) => setTimeout(r, 5));
        return { status: 200, headers: {}, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '0'] } }) };
      },
    };
    let now = Date.parse('2026-12-07T09:00:00Z');
    const d = deps(40, http, () => new Date(now));
    const first = await tickChecks(d, 1);
    expect(first.evaluated).toBe(32);
    expect(asked).toEqual(Array.from({ length: 32 }, (_, i) => `q${i}`));
    expect((await d.checks.list()).states.map((s) => s.name).sort()).toEqual(Array.from({ length: 32 }, (_, i) => `c${i}`).sort());
    // A second later every check is due again: the eight never evaluated go first.
    now += 1_000;
    asked.length = 0;
    const second = await tickChecks(d, 1);
    expect(second.evaluated).toBe(32);
    expect(asked.slice(0, 8)).toEqual(['q32', 'q33', 'q34', 'q35', 'q36', 'q37', 'q38', 'q39']);
  });

  it('evaluates every due check when the budget allows', async () => {
    const http: HttpPort = { post: async () => ({ status: 200, headers: {}, body: JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '5'] } }) }) };
    const d = deps(40, http, () => new Date('2026-12-07T09:00:00Z'));
    const result = await tickChecks(d, 60_000);
    expect(result.evaluated).toBe(40);
    expect(result.firing).toHaveLength(40);
    // All firing alerts in one alerts-queue message (well under the size budget).
    expect(d.sent).toHaveLength(1);
  });
});
