import { describe, expect, it } from 'vitest';
import { optionalIsoUtc, parseTimestamp, toIsoUtc } from '../../../shared/alerts/normalize/common';

describe('timestamps', () => {
  it.each([
    ['2026-11-22T06:15:10.568Z', '2026-11-22T06:15:10.568Z'],
    ['2026-11-22T06:15:45.33790337Z', '2026-11-22T06:15:45.337Z'],
    ['2026-11-20T14:02:11.015+0000', '2026-11-20T14:02:11.015Z'],
    ['2021-10-12T09:51:03.157076+02:00', '2021-10-12T07:51:03.157Z'],
    ['2026-11-20T17:00:00-0530', '2026-11-20T22:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%s -> %s', (text, iso) => {
    expect(toIsoUtc(text)).toBe(iso);
  });

  it.each(['2026-11-22', '2026-11-22T06:15:10', '2026-11-22 06:15:10Z', '2026-02-29T00:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T06:15:10+25:00', 'now', ''])(
    'rejects %j',
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined();
    },
  );

  it("treats Go's zero time as unset", () => {
    expect(optionalIsoUtc('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(optionalIsoUtc(null)).toBeUndefined();
    expect(optionalIsoUtc('2026-11-22T06:16:35Z')).toBe('2026-11-22T06:16:35.000Z');
  });
});
