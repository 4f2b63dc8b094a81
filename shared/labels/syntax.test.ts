import { describe, expect, it } from 'vitest';
import { GO_REGEXP_CASES, GO_REGEXP_REFUSED } from './go-regexp-cases';
import { MatcherParseError, compileMatcherRegex, newMatcher } from './matchers';
import { RegexSyntaxError, compileRegex, programSizeBound } from './regex';
import { translate } from './syntax';
import { foldOrbit, simpleFold, unicodeTable } from './unicode';
import { UNICODE_VERSION } from './unicode-tables';

/**
 * RE2 syntax as Alertmanager 0.25 reads it (Go 1.19's regexp, Unicode 13.0), in a matcher. The
 * rows (./go-regexp-cases.ts) were checked against Alertmanager's amtool;
 * test/e2e/regex-syntax-differential.test.ts checks them against it on every run.
 */
describe('RE2 syntax as Alertmanager 0.25 reads it', () => {
  it.each(GO_REGEXP_CASES)('%s', (re, yes, no) => {
    // Prepare: a pattern with values it must and must not match (the whole value, anchored)
    const m = newMatcher('=~', 'v', re);
    // Act
    const got = { yes: yes.map((v) => m.matches(v)), no: no.map((v) => m.matches(v)) };
    // Assess
    expect(got).toEqual({ yes: yes.map(() => true), no: no.map(() => false) });
  });

  it.each(GO_REGEXP_REFUSED)('refuses %s with Go\'s reason', (re, reason) => {
    // Prepare: a pattern Alertmanager refuses. Act
    const act = () => compileRegex(`^(?:${re})$`);
    // Assess
    expect(act).toThrow(RegexSyntaxError);
    expect(act).toThrow(reason);
    expect(() => compileMatcherRegex(re)).toThrow(MatcherParseError);
  });

  it('hints at what to write instead of JavaScript and PCRE habits', () => {
    expect(() => compileRegex('(?<name>a)')).toThrow('(write a named group as (?P<name>re): Alertmanager 0.25 does not accept (?<name>re))');
    expect(() => compileRegex('(?<!a)b')).toThrow('(lookahead and lookbehind are not supported in RE2)');
    expect(() => compileRegex('(?!a)b')).toThrow('(lookahead and lookbehind are not supported in RE2)');
    expect(() => compileRegex('(a)\\2')).toThrow('(backreferences are not supported in RE2)');
  });

  it('reports the first error in the pattern, as Go does', () => {
    // A structural error before a bad escape is the one Go reports.
    expect(() => compileRegex('a**\\q')).toThrow('invalid nested repetition operator: `**`');
    expect(() => compileRegex('a)\\q')).toThrow('unexpected ): `a)\\q`');
    expect(() => compileRegex('\\q(')).toThrow('invalid escape sequence: `\\q`');
    expect(() => compileRegex('(?i:[\\pL')).toThrow('missing closing ]: `[\\pL`');
    expect(() => compileRegex('(?i:a')).toThrow('missing closing ): `(?i:a`');
  });

  it('expands a name used twice as Go does: the first group of that name that matched', () => {
    const re = compileRegex('(?P<x>a)|(?P<x>b)');
    expect(re.replaceAll('ab', '<${x}>', 1e6)).toBe('<a><b>');
    expect(compileRegex('(?P<x>a)?(?P<x>b)').replaceAll('b', '[$x]', 1e6)).toBe('[b]');
  });

  it('keeps non-greedy and (?U) repetitions as Go does (visible where the match is not anchored)', () => {
    expect(compileRegex('a{1,2}?').replaceAll('aaa', 'X', 1e6)).toBe('XXX');
    expect(compileRegex('(?U)a{1,2}').replaceAll('aaa', 'X', 1e6)).toBe('XXX');
    expect(compileRegex('(?U)a{1,2}?').replaceAll('aaa', 'X', 1e6)).toBe('XX');
    expect(compileRegex('(?U:a+)a+').replaceAll('aaaa', 'X', 1e6)).toBe('X');
  });
});

describe('translate (Go 1.19 syntax in front of re2js)', () => {
  it('spells out case folding and Unicode classes, so re2js sees no (?i) and no \\p', () => {
    for (const [re] of GO_REGEXP_CASES) {
      const { source } = translate(`^(?:${re})$`);
      expect(source, re).not.toMatch(/\(\?[msU-]*i/);
      expect(source, re).not.toMatch(/\\[pP]/);
    }
    expect(translate('(?i)k').source).toBe('(?)[Kk\\x{212a}]');
    expect(translate('(?is-mU:a.)').source).toBe('(?s-mU:[Aa].)');
    expect(translate('(?-i)a').source).toBe('(?)a');
    expect(translate('[[:]]').source).toBe('[\\x{3a}\\x{5b}]\\x{5d}');
  });

  it('keeps the capture groups and their numbers; a repeated name goes unnamed', () => {
    const t = translate('(a)(?P<n>b)(?:c)(?P<n>d)(?P<m>e)');
    expect(t.source).toBe('(a)(?P<n>b)(?:c)(d)(?P<m>e)');
    expect([...t.names]).toEqual([['n', [2, 3]], ['m', [4]]]);
  });
});

describe("Go 1.19's Unicode tables (unicode-tables.ts)", () => {
  it('are Unicode 13.0.0', () => {
    expect(UNICODE_VERSION).toBe('13.0.0');
  });

  it('know the names Go 1.19 knows, and no others', () => {
    for (const name of ['Any', 'L', 'Lu', 'C', 'Cs', 'Zs', 'Greek', 'Han', 'Yezidi', 'Chorasmian', 'Common', 'Inherited']) expect(unicodeTable(name), name).toBeDefined();
    for (const name of ['Cn', 'LC', 'Lc', 'Assigned', 'ASCII', 'Unknown', 'Kawi', 'Vithkuqi', 'Emoji', 'greek', 'Letter', '__proto__']) expect(unicodeTable(name), name).toBeUndefined();
  });

  it('fold in orbits, in code point order (SimpleFold)', () => {
    expect(foldOrbit(0x6b)).toEqual([0x4b, 0x6b, 0x212a]);
    expect(simpleFold(0x4b)).toBe(0x6b);
    expect(simpleFold(0x6b)).toBe(0x212a);
    expect(simpleFold(0x212a)).toBe(0x4b);
    expect(foldOrbit(0x3c3)).toEqual([0x3a3, 0x3c2, 0x3c3]);
    expect(foldOrbit(0x130)).toEqual([0x130]); // İ: its lower case i is not fold-equivalent
    expect(foldOrbit(0x2c2f)).toEqual([0x2c2f]); // paired with U+2C5F from Unicode 14 on
    expect(foldOrbit(0x1e900)).toEqual([0x1e900, 0x1e922]);
  });
});

describe('programSizeBound with the syntax of Go 1.19 (random patterns of it: regex.test.ts)', () => {
  it('counts a Unicode class by the ranges it is spelled out as (what compiling it costs)', () => {
    expect(compileRegex('\\pL').programSize).toBeLessThan(10);
    expect(programSizeBound('\\pL')).toBeGreaterThan(600);
    expect(programSizeBound('[\\pL\\p{Greek}]')).toBeGreaterThan(programSizeBound('\\pL'));
    expect(programSizeBound('\\p{Greek}')).toBeLessThan(100);
    // 5000 of them would take seconds to compile; the bound says so before anything compiles.
    expect(programSizeBound('\\pL'.repeat(5000))).toBeGreaterThan(3_000_000);
    expect(programSizeBound('(?i)critical|page')).toBeLessThan(40);
  });
});
