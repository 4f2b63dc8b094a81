import { describe, expect, it } from 'vitest';
import { optionalIsoUtc, parseTimestamp, toIsoUtc } from './common';

describe('timestamps', () => {
  it.each([
    ['2026-11-22T06:15:10.568Z', '2026-11-22T06:15:10.568Z'],
    ['2026-11-22T06:15:45.33790337Z', '2026-11-22T06:15:45.337Z'],
    ['2026-11-20T14:02:11.015+0000', '2026-11-20T14:02:11.015Z'],
    ['2021-10-12T09:51:03.157076+02:00', '2021-10-12T07:51:03.157Z'],
    ['2026-11-20T17:00:00-0530', '2026-11-20T22:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    // The longest form: nine fraction digits and a `+00:00` offset (35 characters).
    ['2026-11-22T06:15:45.123456789+00:00', '2026-11-22T06:15:45.123Z'],
  ])('%s -> %s', (text, iso) => {
    expect(toIsoUtc(text)).toBe(iso);
  });

  it.each(['2026-11-22', '2026-11-22T06:15:10', '2026-11-22 06:15:10Z', '2026-02-29T00:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T06:15:10+25:00', 'now', ''])(
    'rejects %j',
    (text) => {
      expect(parseTimestamp(text)).toBeUndefined();
    },
  );

  // The instant must have a four-digit UTC year: the queue message's schema (z.iso.datetime)
  // refuses `-000001-…` and `+010000-…`, which would lose an alert ingest had answered 2xx.
  it.each(['0000-01-01T00:00:00+00:01', '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00', '9999-12-31T23:59:59.000-0100'])('rejects %j, outside years 0000-9999 in UTC', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('takes the first and last instants of years 0000-9999 in UTC', () => {
    expect(toIsoUtc('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.000Z');
    expect(toIsoUtc('0000-01-01T00:00:00-01:00')).toBe('0000-01-01T01:00:00.000Z');
    expect(toIsoUtc('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
    expect(toIsoUtc('9999-12-31T23:59:59+01:00')).toBe('9999-12-31T22:59:59.000Z');
  });

  it('answers a repeated text as the first time, valid or not, across more texts than it remembers', () => {
    const first = ['2026-11-22T06:15:10.568Z', 'now', '2026-02-29T00:00:00Z', '0001-01-01T00:00:00Z'].map(parseTimestamp);
    expect(first).toEqual([Date.UTC(2026, 10, 22, 6, 15, 10, 568), undefined, undefined, -62_135_596_800_000]);
    expect(['2026-11-22T06:15:10.568Z', 'now', '2026-02-29T00:00:00Z', '0001-01-01T00:00:00Z'].map(parseTimestamp)).toEqual(first);
    // A thousand distinct texts go past what it keeps; each still parses as itself.
    for (let i = 0; i < 1_000; i++) {
      const ms = Date.UTC(2026, 0, 1) + i * 1_001;
      expect(parseTimestamp(new Date(ms).toISOString())).toBe(ms);
    }
    expect(['2026-11-22T06:15:10.568Z', 'now', '2026-02-29T00:00:00Z', '0001-01-01T00:00:00Z'].map(parseTimestamp)).toEqual(first);
  });

  it("treats Go's zero time as unset", () => {
    expect(optionalIsoUtc('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(optionalIsoUtc(null)).toBeUndefined();
    expect(optionalIsoUtc('2026-11-22T06:16:35Z')).toBe('2026-11-22T06:16:35.000Z');
  });

  it('agrees with Date.parse of the same instant, years 0-99 and leap days included', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    for (let i = 0; i < 3000; i++) {
      const year = [0, 1, 4, 99, 100, 1900, 1970, 2000, 2024, 2026, 9999][rand(11)]!;
      const month = 1 + rand(12);
      const day = 1 + rand(month === 2 ? 29 : 31);
      const fraction = ['', '.5', '.123', '.123456789'][rand(4)]!;
      const offset = ['Z', '+00:00', '-05:30', '+14:00', '+0200'][rand(5)]!;
      const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(rand(24))}:${pad(rand(60))}:${pad(rand(60))}${fraction}${offset}`;
      const iso = offset === '+0200' ? text.replace('+0200', '+02:00') : text;
      const viaParse = Date.parse(iso.replace(/\.(\d+)/, (_, d: string) => `.${d.padEnd(3, '0').slice(0, 3)}`));
      // Date.parse rolls an impossible day (Feb 30) over; parseTimestamp rejects it.
      const ok = new Date(Date.UTC(2000, month - 1, day)).getUTCMonth() === month - 1 && !(month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)));
      expect(parseTimestamp(text), text).toBe(ok ? viaParse : undefined);
    }
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000);
  });
});
