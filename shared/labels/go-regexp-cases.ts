/**
 * Test data: RE2 patterns as Alertmanager 0.25 reads them in a matcher (anchored, `^(?:re)$`, Go
 * 1.19's regexp and its Unicode 13.0 tables), with label values each one matches and does not
 * match, and patterns it refuses with (part of) Go's message. ./syntax.test.ts checks alertflow's
 * matchers against them; test/e2e/regex-syntax-differential.test.ts checks them, and alertflow,
 * against the real Alertmanager. Every row was first checked with Debian's `amtool` 0.25.
 */

/** Pattern, values it matches, values it does not match (each value is the whole label value). */
export type MatchCase = [pattern: string, yes: string[], no: string[]];

export const GO_REGEXP_CASES: MatchCase[] = [
  // Inline flags anywhere: a group with flags, flags for the rest of the group, several at once.
  ['(?i:ab)c', ['ABc', 'abc', 'aBc'], ['ABC', 'abC']],
  ['x(?i)y', ['xy', 'xY'], ['XY', 'Xy']],
  ['(?i)a(?-i)b', ['Ab', 'ab'], ['aB', 'AB']],
  ['(?i)critical|page', ['CRITICAL', 'Page'], ['critical!']],
  ['(?:(?i)a|b)c', ['Ac', 'Bc'], ['AC']], // a flag holds past `|` to the end of its group
  ['(?s).', ['\n', 'a'], ['', 'ab']],
  ['a(?s:.)b.', ['a\nbc'], ['a\nb\n']],
  ['(?m:^a$)', ['a'], ['a\n']],
  ['(?m)a$\\n?', ['a', 'a\n'], ['a\n\n']],
  ['(?U)a+b', ['aab'], ['b']],
  ['(?is-m:a.b)', ['A\nB', 'axb'], ['a\nc']],
  ['(?i-s:a.b)', ['AxB'], ['a\nb']],
  ['(?)a', ['a'], ['A']],
  ['a*(?i)*', ['', 'aaa'], ['b']], // a flag group between repetitions: `(a*)*`, not `a**`
  ['a*\\Q\\E*', ['', 'aa'], ['b']],
  // POSIX classes (ASCII) and their negations, inside brackets.
  ['[[:alnum:]]', ['7', 'q'], ['_', 'é']],
  ['[[:^alnum:]]', ['_', 'é'], ['7']],
  ['[[:alpha:]]', ['q', 'Q'], ['7', 'é']],
  ['[[:^alpha:]]', ['7', 'é'], ['q']],
  ['[[:ascii:]]', ['\x7f', 'a'], ['é']],
  ['[[:^ascii:]]', ['é'], ['a']],
  ['[[:blank:]]', ['\t', ' '], ['\n']],
  ['[[:^blank:]]', ['\n'], [' ']],
  ['[[:cntrl:]]', ['\x1f', '\x7f'], [' ']],
  ['[[:^cntrl:]]', [' '], ['\x1f']],
  ['[[:digit:]]+', ['0123'], ['a', '٣']],
  ['[[:^digit:]]+', ['abc', '-', '٣'], ['a1', '1']],
  ['[[:graph:]]', ['~'], [' ']],
  ['[[:^graph:]]', [' '], ['~']],
  ['[[:lower:]]', ['z'], ['Z']],
  ['[[:^lower:]]', ['Z'], ['z']],
  ['[[:print:]]', [' '], ['\x7f']],
  ['[[:^print:]]', ['\x7f'], [' ']],
  ['[[:punct:]]', ['`', '!', '~'], ['a', ' ']],
  ['[[:^punct:]]', ['a'], ['`']],
  ['[[:space:]]', ['\v', '\n'], ['a']],
  ['[[:^space:]]', ['a'], ['\v']],
  ['[[:upper:]]', ['Q'], ['q']],
  ['[[:^upper:]]', ['q'], ['Q']],
  ['[[:word:]]+', ['a_1'], ['-']],
  ['[[:^word:]]', ['-'], ['_']],
  ['[[:xdigit:]]', ['F', 'f', '0'], ['g']],
  ['[[:^xdigit:]]', ['g'], ['F']],
  ['[[:alpha:][:digit:]]+', ['a1'], ['-']],
  ['[^[:alpha:]]', ['1'], ['a']],
  ['[[:alpha:]-]+', ['a-b'], ['1']],
  ['(?i)[[:upper:]]', ['a', 'A', '\u212a', 'ſ'], ['1']], // folded: the Kelvin sign and long s too
  ['(?i)[[:^upper:]]', ['1'], ['a', 'ſ']],
  ['[[:]]', ['[]', ':]'], ['[', ']']], // `[:` without `:]` after it is two literals
  ['[a[:]', ['a', '[', ':'], [']']],
  // Perl classes are ASCII; under (?i) \w takes in the Kelvin sign and long s, as in Go.
  ['\\d\\s\\w', ['1 a', '1\t_'], ['٣ a', '1\u00a0a', '1\va']],
  ['(?i)\\w', ['\u212a', 'ſ'], ['é']],
  ['(?i)\\W', ['é', '-'], ['\u212a', 'ſ']],
  // Unicode classes, with Go 1.19's tables (Unicode 13.0): later characters are unassigned there.
  ['\\pL', ['é', 'Ω', '中', 'ǅ'], ['1', '\u0870', '\u2c2f']],
  ['\\PL', ['1', '\u0870'], ['a']],
  ['\\p{L}+', ['héllo'], ['h3llo']],
  ['\\P{L}', ['-'], ['a']],
  ['\\p{^L}', ['-'], ['a']],
  ['\\P{^L}', ['a'], ['-']],
  ['\\p{Greek}+', ['αβγ', 'Ω'], ['abc']],
  ['\\P{Greek}', ['a'], ['α']],
  ['\\p{^Greek}', ['a'], ['α']],
  ['[\\p{Greek}\\d]+', ['α1'], ['a']],
  ['[^\\p{Greek}]', ['a'], ['α']],
  ['\\p{Lu}', ['A', '\u2c2e'], ['a', '\u2c2f']],
  ['(?i)\\p{Lu}', ['a', 'A', 'ſ'], ['1', '\u2c5f']],
  ['\\p{So}', ['☺'], ['\u{1fae0}', 'a']],
  ['\\p{C}', ['\u0007', '\u200b'], ['\u0378', 'a']], // no Cn in Go 1.19's C
  ['\\p{Any}', ['\u0378', 'a'], ['']],
  ['\\p{Han}+', ['中文'], ['a']],
  ['\\pN', ['٣', '1', 'Ⅻ'], ['a']],
  ['\\p{Arabic}', ['\u0627'], ['\u0870']],
  ['\\p{Common}', ['1', '☺'], ['\u{1f7f0}', 'a']],
  // Case folding with Go 1.19's orbits.
  ['(?i)k', ['K', 'k', '\u212a'], ['x']],
  ['(?i)s', ['S', 'ſ'], ['x']],
  ['(?i)σ', ['ς', 'Σ'], ['x']],
  ['(?i)ǆ', ['Ǆ', 'ǅ'], ['x']],
  ['(?i)İ', ['İ'], ['i', 'I']],
  ['(?i)\\x{2c2f}', ['\u2c2f'], ['\u2c5f']], // a case pair from Unicode 14
  ['(?i)[k-l]', ['K', 'L', '\u212a'], ['m']],
  ['(?i)[^k]', ['x'], ['K', '\u212a']],
  // Quoting, escapes, anchors.
  ['\\Qa.b\\E', ['a.b'], ['axb']],
  ['\\Qab\\E+', ['abbb'], ['abab']],
  ['(?i)\\Qab\\E', ['AB'], ['AC']],
  ['a\\z', ['a'], ['a\n']],
  ['\\Aa', ['a'], ['b']],
  ['\\x41\\x{263a}\\101\\x7f', ['A☺A\x7f'], ['A☺A']],
  ['\\_\\-\\ ', ['_- '], ['_-']],
  // Named groups, Go's form only; a name may be used twice.
  ['(?P<name>a)', ['a'], ['b']],
  ['(?P<1a>a)', ['a'], ['b']],
  ['(?P<n>a)|(?P<n>b)', ['a', 'b'], ['c']],
  // Non-greedy repetitions (anchored, they match what the greedy ones match).
  ['a+?b', ['aab'], ['b']],
  ['a*?', ['', 'aa'], ['b']],
  ['a??b', ['ab', 'b'], ['aab']],
  ['a{1,2}?', ['a', 'aa'], ['aaa']],
  // Counted repetitions up to RE2's limit of 1000; `{` that is no repetition is a literal.
  ['a{1000}', ['a'.repeat(1000)], ['a'.repeat(999), 'a'.repeat(1001)]],
  ['a{0,1000}', ['', 'a'.repeat(1000)], ['a'.repeat(1001)]],
  ['a{1000,}', ['a'.repeat(1001)], ['a'.repeat(999)]],
  ['(a{10}){100}', ['a'.repeat(1000)], ['a'.repeat(990)]],
  ['a{01}', ['a{01}'], ['a']],
  ['a{,5}', ['a{,5}'], ['a']],
  ['x{2}y{1,2}', ['xxy', 'xxyy'], ['xy']],
];

/** Patterns Alertmanager 0.25 refuses, with the start of Go's reason (for the pattern anchored). */
export const GO_REGEXP_REFUSED: Array<[pattern: string, reason: string]> = [
  ['(?<n>a)', 'invalid or unsupported Perl syntax: `(?<`'], // Go 1.22 added this form
  ['(?<=a)b', 'invalid or unsupported Perl syntax: `(?<`'],
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?x)a', 'invalid or unsupported Perl syntax: `(?x`'],
  ['(?i-)a', 'invalid or unsupported Perl syntax: `(?i-)`'],
  ['(?P<n!>a)', 'invalid named capture: `(?P<n!>`'],
  ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['\\p{Cn}', 'invalid character class range: `\\p{Cn}`'], // no Cn, LC, Assigned or properties in Go 1.19
  ['\\p{LC}', 'invalid character class range: `\\p{LC}`'],
  ['\\p{Assigned}', 'invalid character class range: `\\p{Assigned}`'],
  ['\\p{Emoji}', 'invalid character class range: `\\p{Emoji}`'],
  ['\\p{Kawi}', 'invalid character class range: `\\p{Kawi}`'], // scripts after Unicode 13
  ['\\p{Vithkuqi}', 'invalid character class range: `\\p{Vithkuqi}`'],
  ['\\p{greek}', 'invalid character class range: `\\p{greek}`'],
  ['\\pX', 'invalid character class range: `\\pX`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['(a)\\1', 'invalid escape sequence: `\\1`'],
  ['[\\b]', 'invalid escape sequence: `\\b`'],
  ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
  ['a{1001}', 'invalid repeat count: `{1001}`'],
  ['a{1001,}', 'invalid repeat count: `{1001,}`'],
  ['a{0,1001}', 'invalid repeat count: `{0,1001}`'],
  ['(a{10}){101}', 'invalid repeat count: `{101}`'],
  ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a*(?i)**', 'invalid nested repetition operator: `**`'],
  ['\\Qa.b', 'missing closing ): `^(?:\\Qa.b)$`'], // \Q runs to the end, over the anchoring's `)$`
  ['[z-a]', 'invalid character class range: `z-a`'],
];
