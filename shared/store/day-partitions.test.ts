import { describe, expect, it } from 'vitest';
import { retainedRange } from '../api/paging';
import { pageDays, type DayQuery } from './day-partitions';

const DAY = 86_400_000;
const NOW = new Date('2026-12-07T12:00:00Z');

describe('pageDays', () => {
  // The API cuts a range to the retention and to a day after now (retainedRange): a range years
  // ahead was a Query per empty day, millions of them. With the cut, one per retained day at most.
  it('reads at most a Query per retained day for a range that reaches years ahead', async () => {
    let queries = 0;
    const empty: DayQuery<string> = async () => (queries++, { items: [] });
    const range = retainedRange(new Date('2026-05-01T00:00:00Z'), new Date('9999-12-31T00:00:00Z'), NOW, 30 * 86_400);
    let after: string | undefined;
    do after = (await pageDays(range, after, 250, empty)).last;
    while (after !== undefined);
    expect(queries).toBeLessThanOrEqual(33);
  });

  it('still pages every item after a run of empty days, one at a time', async () => {
    const days = new Map([
      ['2026-12-07', ['2026-12-07T10:00:00.000Z#a', '2026-12-07T09:00:00.000Z#b']],
      ['2026-12-03', ['2026-12-03T10:00:00.000Z#c']],
      ['2026-11-20', ['2026-11-20T10:00:00.000Z#d']],
    ]);
    const query: DayQuery<string> = async (day, { lo, hi }, limit) => ({
      items: (days.get(day) ?? []).filter((k) => k >= lo && k <= hi).slice(0, limit).map((key) => ({ key, value: key })),
    });
    const range = { from: new Date('2026-11-01T00:00:00Z'), to: NOW };
    const seen: string[] = [];
    let after: string | undefined;
    for (let calls = 0; calls < 200; calls++) {
      const page = await pageDays(range, after, 1, query);
      seen.push(...page.values);
      after = page.last;
      if (after === undefined) break;
    }
    expect(after).toBeUndefined();
    expect(seen).toEqual(['2026-12-07T10:00:00.000Z#a', '2026-12-07T09:00:00.000Z#b', '2026-12-03T10:00:00.000Z#c', '2026-11-20T10:00:00.000Z#d']);
  });
});

describe('retainedRange', () => {
  it('cuts a range to the retention before now and to a day after now', () => {
    const range = retainedRange(new Date('0001-01-01T00:00:00Z'), new Date('9999-12-31T00:00:00Z'), NOW, 30 * 86_400);
    expect(range).toEqual({ from: new Date(NOW.getTime() - 30 * DAY), to: new Date(NOW.getTime() + DAY) });
  });
});
