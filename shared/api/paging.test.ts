import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { SILENCE_MAX_REGEX_PROGRAM } from '../silences/model';
import { FILTER_MATCH_BUDGET, filterMatcher, parseFilter } from './paging';

// Six repeats of 1,000: about 6,000 RE2 instructions, far under the text bound parseFilter checks first.
const LARGE = 'x=~"a{1000}b{1000}c{1000}d{1000}e{1000}f{1000}"';
// About 4,000 instructions: admitted, and (20,000 + 1) × 4,000 steps against a 20,000-character value.
const COSTLY = 'x=~"a{1000}b{1000}c{1000}d{1000}"';

describe('parseFilter', () => {
  it(`refuses a regex that compiles to more than a silence regex may (${SILENCE_MAX_REGEX_PROGRAM} instructions)`, () => {
    expect(() => parseFilter(LARGE)).toThrow(ValidationError);
    expect(() => parseFilter(LARGE)).toThrow(/over the limit of 5000 for a filter regex/);
    expect(parseFilter(COSTLY)[0]!.programSize).toBeLessThanOrEqual(SILENCE_MAX_REGEX_PROGRAM);
  });
});

describe('filterMatcher', () => {
  it('matches as matchesAll does while the request has budget', () => {
    const matches = filterMatcher(parseFilter('alertname="Disk", instance=~"db-.*"'));
    expect(matches({ alertname: 'Disk', instance: 'db-1' })).toBe(true);
    expect(matches({ alertname: 'Disk', instance: 'web-1' })).toBe(false);
    expect(matches({ alertname: 'Cpu', instance: 'db-1' })).toBe(false);
    // A full page of ordinary label sets stays far within the budget.
    for (let i = 0; i < 5000; i++) expect(matches({ alertname: 'Disk', instance: `db-${i}.eu-west-1.internal` })).toBe(true);
  });

  it(`answers 400 once the request's regex work would pass ${FILTER_MATCH_BUDGET} steps, without running it`, () => {
    const matches = filterMatcher(parseFilter(COSTLY));
    expect(matches({ x: 'short' })).toBe(false);
    // Refused by its cost (about 80 million steps), before the regex runs.
    expect(() => matches({ x: 'a'.repeat(20_000) })).toThrow(/^filter too costly: /);
  });

  it('charges one budget for the whole request: many costly matches add up to a refusal', () => {
    const matches = filterMatcher(parseFilter(COSTLY));
    const value = 'a'.repeat(2_000); // about 8 million steps each
    expect(() => {
      for (let i = 0; i < 10; i++) matches({ x: value });
    }).toThrow(/^filter too costly: /);
  });
});
