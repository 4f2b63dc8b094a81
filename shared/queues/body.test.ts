import { describe, expect, it } from 'vitest';
import { PACK_FROM_BYTES, packBody, unpackBody } from './body';

const alerts = (n: number) =>
  JSON.stringify({
    kind: 'alerts',
    id: 'r:0',
    alerts: Array.from({ length: n }, (_, i) => ({
      labels: { alertname: 'HighLatency', instance: `ip-10-0-${i}.ec2.internal:9100`, job: 'node-exporter' },
      annotations: { summary: `HighLatency on ip-10-0-${i}.ec2.internal:9100`, runbook_url: 'https://runbooks.example.com/highlatency' },
      startsAt: '2026-12-06T18:00:00.000Z',
    })),
  });

describe('queue bodies', () => {
  it('packs a large JSON body into a fraction of its size, and unpacks it to the same JSON', () => {
    const json = alerts(100);
    const packed = packBody(json);
    expect(packed.length).toBeLessThan(json.length / 5);
    expect(unpackBody(packed)).toBe(json);
  });

  it('leaves small bodies, and bodies that would not shrink, as they are; unpacks plain JSON unchanged', () => {
    const small = alerts(1);
    expect(small.length).toBeLessThan(PACK_FROM_BYTES);
    expect(packBody(small)).toBe(small);
    const random = JSON.stringify({ kind: 'alerts', noise: Buffer.from(Array.from({ length: 8192 }, () => Math.floor(Math.random() * 256))).toString('base64') });
    expect(packBody(random)).toBe(random);
    expect(unpackBody(small)).toBe(small);
  });
});
