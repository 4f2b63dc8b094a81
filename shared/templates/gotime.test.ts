import { describe, expect, it } from 'vitest';
import { Duration, TemplateTime, durationString, formatG, formatTime, humanizeDuration, inZone, timeString } from './gotime';

const t = TemplateTime.parse('2024-03-09T07:05:04.120Z');

describe('formatTime (Go layouts)', () => {
  it.each([
    ['2006-01-02 15:04:05', '2024-03-09 07:05:04'],
    ['Mon Jan _2 15:04:05 MST 2006', 'Sat Mar  9 07:05:04 UTC 2024'],
    ['Monday, January 2, 06', 'Saturday, March 9, 24'],
    ['3:4:5 PM pm', '7:5:4 AM am'],
    ['03:04:05.000', '07:05:04.120'],
    ['15:04:05.999', '07:05:04.12'],
    ['15:04:05,000000', '07:05:04,120000'],
    ['2006-01-02T15:04:05Z07:00', '2024-03-09T07:05:04Z'],
    ['-0700 -07:00 -07 Z0700', '+0000 +00:00 +00 Z'],
    ['002 __2', '069  69'],
    ['Janet Monet', 'Janet Monet'], // "Jan"/"Mon" followed by lowercase are literal
    ['_2006', '_2024'],
    ['1.5', '3.4'], // month "1", literal ".", second "5": a fraction needs 0s or 9s
  ])('%s', (layout, want) => {
    expect(formatTime(t, layout)).toBe(want);
  });

  it('prints times as Go does, dropping a zero fraction', () => {
    expect(timeString(t)).toBe('2024-03-09 07:05:04.12 +0000 UTC');
    expect(timeString(TemplateTime.parse('2024-03-09T07:05:04Z'))).toBe('2024-03-09 07:05:04 +0000 UTC');
    expect(timeString(TemplateTime.parse(undefined))).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(TemplateTime.parse('garbage').isZero).toBe(true);
  });

  it('shows an instant in another zone', () => {
    const ny = inZone(t, 'America/New_York')!;
    expect(formatTime(ny, '2006-01-02 15:04 MST -07:00')).toBe('2024-03-09 02:05 EST -05:00');
    expect(formatTime(inZone(t, 'Asia/Kathmandu')!, '15:04 MST')).toBe('12:50 +0545');
    expect(formatTime(inZone(t, 'Local')!, '15:04 MST')).toBe('07:05 UTC');
    expect(inZone(t, 'Nowhere/Special')).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1500, '1.5s'],
    [61_000, '1m1s'],
    [3_600_000, '1h0m0s'],
    [90_061_001, '25h1m1.001s'],
    [-2000, '-2s'],
  ])('Duration(%d ms) prints %s', (ms, want) => {
    expect(durationString(new Duration(ms))).toBe(want);
  });

  it('formatG is Go %.4g', () => {
    expect([1.5, 12345, 12355, 0.0001234, 0.00001234, 100, 59.99999, 2.5].map((v) => formatG(v, 4))).toEqual(['1.5', '1.234e+04', '1.236e+04', '0.0001234', '1.234e-05', '100', '60', '2.5']);
    expect(formatG(2.5, 1)).toBe('2');
    expect([NaN, Infinity, -Infinity].map((v) => formatG(v, 4))).toEqual(['NaN', '+Inf', '-Inf']);
  });

  it('humanizeDuration matches Prometheus', () => {
    expect([0, 1, 59.5, 60, 3661, 86_400 * 2 + 1, -90, 0.5, 0.0005, 2e-9].map(humanizeDuration)).toEqual([
      '0s',
      '1s',
      '59.5s',
      '1m 0s',
      '1h 1m 1s',
      '2d 0h 0m 1s',
      '-1m 30s',
      '500ms',
      '500us',
      '2ns',
    ]);
  });
});
