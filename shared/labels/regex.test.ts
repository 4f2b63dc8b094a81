import { describe, expect, it } from 'vitest';
import { Budget, RegexSyntaxError, compileRegex, programSizeBound } from './regex';

const match = (p: string, s: string): boolean => compileRegex(p).test(s);
const replace = (p: string, repl: string, s: string): string => compileRegex(p).replaceAll(s, repl, 1e6);

describe('RE2 syntax with Go semantics', () => {
  it.each([
    ['abc', 'xabcx', true],
    ['^abc$', 'abc', true],
    ['^abc$', 'abc\n', false], // $ is end of text without (?m), as in Go
    ['(?m)^b$', 'a\nb\nc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?i)hello', 'HeLLo', true],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['(?i)[a-c]+', 'ABC', true],
    ['(?i)[^a]', 'A', false],
    ['\\d{3}-\\d{2,}', 'tel 123-45', true],
    ['\\d{3}-\\d{2,}', 'tel 123-4', false],
    ['x{2,3}', 'xx', true],
    ['^x{2,3}$', 'xxxx', false],
    ['\\bword\\b', 'a word here', true],
    ['\\bword\\b', 'swordfish', false],
    ['\\Bor\\B', 'sword', true],
    ['\\Bor\\B', 'or', false],
    ['\\Aab\\z', 'ab', true],
    ['[[:alpha:]]+[[:digit:]]', 'abc1', true],
    ['[[:^alpha:]]', 'abc', false],
    ['\\pL+', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL$', '1', true],
    ['[\\d\\s]+x', ' 1 2x', true],
    ['[^\\D]', 'a1', true],
    ['\\Q.*\\E', 'a.*b', true],
    ['\\Q.*\\E', 'ab', false],
    ['\\x41\\x{263a}\\101', 'A☺A', true],
    ['a{,2}', 'a{,2}', true], // not a valid repeat, so literal
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['a|b|', '', true],
    ['(a*)*b', 'aab', true],
    ['(a|)+b', 'ab', true],
    ['é+', 'ééé', true],
    ['^.$', '👍', true], // one code point, not two UTF-16 units
    ['(?U)a+', 'aaa', true],
    ['^(?:ab|c)+$', 'abcab', true],
    // Go's case folding follows Unicode's orbits, not just upper/lower pairs.
    ['^(?i)s$', 'ſ', true],
    ['^(?i)σ$', 'ς', true],
    ['^(?i)k$', '\u212a', true],
    ['^\\s$', '\u000b', false], // \s is ASCII [\t\n\f\r ], as in Go
    ['^\\d$', '٣', false],
    ['x(?i)y', 'xY', true],
    ['x(?i)y', 'XY', false],
    ['(?)a', 'a', true], // an empty flag group is valid in Go
  ])('%s on %j is %s', (p, s, want) => {
    expect(match(p, s)).toBe(want);
  });

  it("rejects what RE2 rejects, with Go's messages", () => {
    const bad: [string, RegExp][] = [
      ['(a', /^missing closing \): `\(a`$/],
      ['a)', /unexpected \)/],
      ['[a', /missing closing \]/],
      ['*a', /missing argument to repetition operator/],
      ['a**', /invalid nested repetition operator/],
      ['a{1001}', /invalid repeat count/],
      ['a{3,2}', /invalid repeat count/],
      ['[z-a]', /invalid character class range/],
      ['(a)\\1', /^invalid escape sequence: `\\1` \(backreferences are not supported in RE2\)$/],
      ['(?=a)', /^invalid or unsupported Perl syntax: `\(\?=` \(lookahead and lookbehind are not supported in RE2\)$/],
      // Go 1.19 (Alertmanager 0.25) stops at `(?<`: it knows neither lookbehind nor (?<name>re).
      ['(?<=a)b', /^invalid or unsupported Perl syntax: `\(\?<` \(lookahead and lookbehind are not supported in RE2\)$/],
      ['(?<!a)b', /lookahead and lookbehind are not supported/],
      ['(?!a)b', /lookahead and lookbehind are not supported/],
      ['(?P=n)', /invalid or unsupported Perl syntax/],
      ['\\p{Klingon}', /invalid character class range/],
      ['[[:foo:]]', /invalid character class range/],
      ['\\q', /invalid escape sequence/],
      ['\\C', /invalid escape sequence/],
      ['a\\', /trailing backslash/],
      ['(?z)', /invalid or unsupported Perl syntax/],
      ['(?-:a)', /invalid or unsupported Perl syntax/],
      ['((a{100}){100}){100}', /invalid repeat count/],
      [`${'('.repeat(1001)}a${')'.repeat(1001)}`, /nests too deeply/],
    ];
    for (const [p, msg] of bad) expect(() => compileRegex(p), p).toThrow(msg);
    expect(() => compileRegex('(')).toThrow(RegexSyntaxError);
  });

  it('ReplaceAllString: groups, names, $$, malformed $, empty matches', () => {
    expect(replace('(\\w+)@(\\w+)', '$2 at $1', 'me@host you@there')).toBe('host at me there at you');
    expect(replace('(?P<first>\\w+) (?P<last>\\w+)', '${last}, ${first}', 'Ada Lovelace')).toBe('Lovelace, Ada');
    expect(replace('a', '$$', 'aba')).toBe('$b$');
    expect(replace('(a)', '$1x', 'a')).toBe(''); // $1x is the (missing) group "1x", as in Go
    expect(replace('(a)', '${1}x', 'a')).toBe('ax');
    expect(replace('a', '$', 'a')).toBe('$');
    expect(replace('a', '${', 'a')).toBe('${');
    expect(replace('', '-', 'abc')).toBe('-a-b-c-');
    expect(replace('b*', '-', 'abc')).toBe('-a-c-');
    expect(replace('x*', '-', '👍')).toBe('-👍-');
  });

  it('prefers the leftmost match, then the first alternative (leftmost-first)', () => {
    expect(replace('a|ab', 'X', 'ab')).toBe('Xb');
    expect(replace('ab|a', 'X', 'ab')).toBe('X');
    expect(replace('a+?', 'X', 'aaa')).toBe('XXX');
    expect(replace('a??b', 'X', 'ab')).toBe('X');
  });

  it('charges its work to the caller, which can stop it', () => {
    let work = 0;
    compileRegex('(a|b)*c').test('ab'.repeat(1000), (w) => (work += w));
    expect(work).toBeGreaterThan(2000);
    let replaced = 0;
    compileRegex('a').replaceAll('ab'.repeat(1000), 'x', 1e6, (w) => (replaced += w));
    expect(replaced).toBeGreaterThan(2000);
    const stop = (): void => {
      throw new Error('budget');
    };
    expect(() => compileRegex('(a|b)*c').test('ab'.repeat(5000), stop)).toThrow('budget');
    expect(() => compileRegex('b').replaceAll('ab'.repeat(5000), 'x', 1e6, stop)).toThrow('budget');
  });

  it('does bounded work on a hostile pattern over a hostile input (no backtracking)', () => {
    // `(a+)+$` backtracks exponentially in JavaScript's RegExp: 36 `a`s and a `!` take hours.
    // A linear engine does work proportional to the input; count the characters it examines.
    const re = compileRegex('^(?:(a+)+$)$');
    for (const n of [36, 10_000]) {
      let work = 0;
      expect(re.test(`${'a'.repeat(n)}!`, (w) => (work += w))).toBe(false);
      expect(re.replaceAll(`${'a'.repeat(n)}!`, '-', 1e6, (w) => (work += w))).toBe(`${'a'.repeat(n)}!`);
      expect(work).toBeLessThan((n + 2) * 3 * 100);
    }
    // And the engine returns: this test would not finish within vitest's timeout otherwise.
    expect(compileRegex('(a|aa)+$').test('a'.repeat(10_000))).toBe(true);
    expect(compileRegex('^(a|aa)+$').test(`${'a'.repeat(10_000)}!`)).toBe(false);
  });
});

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('agrees with JavaScript RegExp where the syntaxes coincide', () => {
  // Both engines are leftmost-first, so for this common subset the first match span must agree.
  // Only atoms that cannot match empty get quantifiers: ECMAScript rejects an empty iteration of
  // a quantified group (so `(x*?)?` differs), a rule RE2 and Go do not have.
  const atoms = ['a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|b)', '(ab|a)', '(?:a|bc)'];
  const quants = ['', '', '', '*', '+', '?', '*?', '+?', '{1,2}', '{2}'];
  const anchors = ['', '', '^'];

  function pattern(r: () => number, depth = 0): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let out = '';
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      out += pick(anchors) === '^' && i === 0 ? '^' : '';
      if (depth < 2 && r() < 0.2) out += `(${pattern(r, depth + 1)})`;
      else out += pick(atoms) + pick(quants);
    }
    if (r() < 0.2) out += `|${pattern(r, depth + 1)}`;
    return out + (r() < 0.1 ? '$' : '');
  }

  it('on 3000 random patterns and inputs', () => {
    const r = rng(20240501);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const p = pattern(r);
      const s = Array.from({ length: Math.floor(r() * 12) }, () => 'abc1 _'[Math.floor(r() * 6)]).join('');
      let js: RegExp;
      try {
        js = new RegExp(p);
      } catch {
        continue;
      }
      let re;
      try {
        re = compileRegex(p);
      } catch {
        continue; // e.g. a** style nesting RE2 refuses
      }
      const m = js.exec(s);
      const ours = re.replaceAll(s, '<$0>', 1e6);
      // Compare the first match span via a one-shot replacement.
      const first = m ? `${s.slice(0, m.index)}<${m[0]}>` : s;
      expect(ours.startsWith(first) || !m, `${p} on ${JSON.stringify(s)}: ${ours} vs ${first}`).toBe(true);
      expect(re.test(s), `${p} on ${JSON.stringify(s)}`).toBe(m !== null);
      // The budgeted search runs other RE2 engines (not the DFA) and must agree.
      expect(re.testWithin(s, new Budget(1e9)), `testWithin ${p} on ${JSON.stringify(s)}`).toBe(m !== null);
      compared++;
    }
    expect(compared).toBeGreaterThan(2500);
  });
});

describe('programSizeBound (an upper bound on the program, from the text alone)', () => {
  // Go 1.19's syntax too: flags anywhere, POSIX and Unicode classes and their negations, \\Q…\\E, names.
  const atoms = [
    'a', 'é', '.', '[ab]', '[^a]', '[]a]', '[^]a]', '[[:alpha:]x]', '[\\]]', '\\d', '\\pL', '\\p{Greek}', '\\x{41}', '\\Qa{9}.\\E', '\\b', '^', '$', 'a{', '(?i)k', '(?:)',
    'k', '(?i:ab)', 'x(?i)y', '(?-i)', '(?s).', '(?m)^', '(?U)', '(?is-m:a.b)', '(?)', '[[:^digit:]]', '[[:]]', '[a[:]', '(?i)[[:upper:]]', '\\PL', '\\p{^Greek}',
    '(?i)\\p{Lu}', '[\\p{Greek}\\d]', '[^\\pL\\pN]', '\\QA.b{9}\\E', '\\Q\\E', '\\z', '(?P<n>a)', '(?P<n>b)', '\\x{212a}', '(?i)\\W', 'a{01}',
  ];
  const quants = ['', '', '*', '+', '?', '*?', '+?', '??', '{3}', '{2,}', '{2,}?', '{1,5}', '{0,20}', '{40}', '{100,200}?'];
  function pattern(r: () => number, depth = 0): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let out = '';
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      if (depth < 3 && r() < 0.3) out += `(${r() < 0.5 ? '?:' : ''}${pattern(r, depth + 1)})${pick(quants)}`;
      else out += pick(atoms) + pick(quants);
    }
    if (r() < 0.3) out += `|${pattern(r, depth + 1)}`;
    return out;
  }

  it('is at least the compiled program size on 3000 random patterns', () => {
    // Arrange
    const r = rng(20261206);
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const p = pattern(r);
      let size: number;
      try {
        size = compileRegex(p).programSize;
      } catch {
        continue; // e.g. nested repeats over 1000
      }
      // Act / Assess
      expect(programSizeBound(p), p).toBeGreaterThanOrEqual(size);
      compared++;
    }
    // Some patterns do not compile (a repeat after a flag group, nested repeats over 1000).
    expect(compared).toBeGreaterThan(1500);
  });

  it.each([
    ['.{1000} fifty times', '.{1000}'.repeat(50), 50_002],
    ['(?:a?){1000} twenty times', '(?:a?){1000}'.repeat(20), 40_002],
    ['a 200-host alternation', Array.from({ length: 200 }, (_, i) => `web-${String(i).padStart(3, '0')}.prod.example.com`).join('|'), 3_827],
    ['a quoted repeat', '\\Qa{1000}\\E', 9],
  ])('bounds %s', (_name, p, size) => {
    expect(compileRegex(p).programSize).toBe(size);
    expect(programSizeBound(p)).toBeGreaterThanOrEqual(size);
    // Not wildly over for ordinary shapes.
    expect(programSizeBound(p)).toBeLessThan(6 * size);
  });
});
