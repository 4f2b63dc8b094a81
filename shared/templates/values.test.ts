import { describe, expect, it } from 'vitest';
import { KV } from './values';

describe('KV', () => {
  it('sorts pairs with alertname first, removes keys, ignores non-string values', () => {
    const kv = new KV({ zone: 'z', alertname: 'A', beta: 'b', bad: 1 as unknown as string });
    expect(kv.names()).toEqual(['alertname', 'beta', 'zone']);
    expect(kv.values()).toEqual(['A', 'b', 'z']);
    expect(kv.keys()).toEqual(['alertname', 'beta', 'zone']);
    expect(kv.remove(['beta']).toString()).toBe('alertname=A, zone=z');
    expect(JSON.stringify(kv)).toBe('{"alertname":"A","beta":"b","zone":"z"}');
  });
});
