import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/model';
import { parseConfigYaml } from '../config/loader';
import { batchReads } from './noise';
import type { InhibitionSource } from '../inhibition/rules';
import { compileConfig } from '../runtime/compiled-config';
import { inhibitPartition } from '../store/noise';

/** A batch's reads of the inhibition index: the alerts the batch brings stand over what the index holds. */
const NOW = new Date('2026-12-07T12:00:00Z');
const config = compileConfig(
  parseConfigYaml(
    `
route: { receiver: team }
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
receivers: [{ name: team, webhook_configs: [{ url: 'http://127.0.0.1:9/a' }] }]
`,
    'test.yaml',
  ),
);
const rule = config.inhibitRules[0]!;

const alert = (fingerprint: string, cluster: string, status: 'firing' | 'resolved' = 'firing', severity = 'critical'): Alert => ({
  fingerprint,
  status,
  labels: { alertname: 'Down', cluster, severity },
  annotations: {},
  startsAt: '2026-12-07T11:00:00Z',
  ...(status === 'resolved' ? { endsAt: '2026-12-07T11:59:00Z' } : {}),
  source: 'generic',
});
const asSource = (a: Alert): InhibitionSource => ({ fingerprint: a.fingerprint, labels: a.labels, status: 'firing', endsAt: a.endsAt });

function readsOver(indexed: Alert[], batch?: Alert[]) {
  const deps = {
    silences: async () => [],
    inhibitions: {
      put: async () => {},
      delete: async () => {},
      query: async (partition: string) => indexed.filter((a) => inhibitPartition(rule, a.labels) === partition).map(asSource),
    },
    cooldowns: { getMany: async () => new Map<string, number>(), start: async () => {} },
  };
  return batchReads(deps, NOW, batch && { alerts: batch, rules: config.inhibitRules });
}

const c1 = inhibitPartition(rule, { cluster: 'c1' });
const fps = async (reads: ReturnType<typeof readsOver>, partition: string) =>
  (await reads.inhibitionSources(partition)).map((s) => `${s.fingerprint}:${s.status}`).sort();

describe('batchReads: inhibition sources', () => {
  it('without a batch, are what the index holds', async () => {
    expect(await fps(readsOver([alert('old', 'c1')]), c1)).toEqual(['old:firing']);
  });

  it('take a source the batch brings before the index has it, in its partition only', async () => {
    const reads = readsOver([alert('old', 'c1')], [alert('new', 'c1'), alert('elsewhere', 'c2'), alert('target', 'c1', 'firing', 'warning')]);
    expect(await fps(reads, c1)).toEqual(['new:firing', 'old:firing']);
    expect(await fps(reads, inhibitPartition(rule, { cluster: 'c2' }))).toEqual(['elsewhere:firing']);
  });

  it('take the batch\'s resolve of an indexed source over the index (the later of one alert sent twice wins)', async () => {
    const reads = readsOver([alert('old', 'c1'), alert('kept', 'c1')], [alert('old', 'c1', 'resolved')]);
    expect(await fps(reads, c1)).toEqual(['kept:firing', 'old:resolved']);
    const again = readsOver([], [alert('flip', 'c1', 'resolved'), alert('flip', 'c1')]);
    expect(await fps(again, c1)).toEqual(['flip:firing']);
  });
});
