import { describe, it, expect } from 'vitest';
import {
  Budget,
  MatcherParseError,
  compareMatchers,
  compareUtf8,
  compileMatcherRegex,
  formatMatchers,
  matcherFromMatch,
  matcherFromMatchRe,
  matchesAll,
  newMatcher,
  parseMatchers,
  quoteGoString,
  type MatchType,
} from './matchers';

type Triple = [name: string, type: MatchType, value: string];

const triples = (input: string): Triple[] => parseMatchers(input).map((m) => [m.name, m.type, m.value]);

describe('parseMatchers: valid input (cases of Alertmanager pkg/labels/parse_test.go)', () => {
  const cases: [input: string, want: Triple[]][] = [
    ['{}', []],
    ["{foo='}", [['foo', '=', "'"]]],
    ['{foo=`}', [['foo', '=', '`']]],
    [String.raw`{foo=\"}`, [['foo', '=', '"']]],
    ['{foo=bar}', [['foo', '=', 'bar']]],
    ['{foo="bar"}', [['foo', '=', 'bar']]],
    ['{foo=~bar.*}', [['foo', '=~', 'bar.*']]],
    ['{foo=~"bar.*"}', [['foo', '=~', 'bar.*']]],
    ['{foo!=bar}', [['foo', '!=', 'bar']]],
    ['{foo!="bar"}', [['foo', '!=', 'bar']]],
    ['{foo!~bar.*}', [['foo', '!~', 'bar.*']]],
    ['{foo!~"bar.*"}', [['foo', '!~', 'bar.*']]],
    ['{foo="bar", baz!="quux"}', [['foo', '=', 'bar'], ['baz', '!=', 'quux']]],
    ['{foo="bar", baz!~"quux.*"}', [['foo', '=', 'bar'], ['baz', '!~', 'quux.*']]],
    ['{foo="bar",baz!~".*quux", derp="wat"}', [['foo', '=', 'bar'], ['baz', '!~', '.*quux'], ['derp', '=', 'wat']]],
    ['{foo="bar", baz!="quux", derp="wat"}', [['foo', '=', 'bar'], ['baz', '!=', 'quux'], ['derp', '=', 'wat']]],
    ['{foo="bar", baz!~".*quux.*", derp="wat"}', [['foo', '=', 'bar'], ['baz', '!~', '.*quux.*'], ['derp', '=', 'wat']]],
    ['{foo="bar", instance=~"some-api.*"}', [['foo', '=', 'bar'], ['instance', '=~', 'some-api.*']]],
    ['{foo=""}', [['foo', '=', '']]],
    ['{foo="bar,quux", job="job1"}', [['foo', '=', 'bar,quux'], ['job', '=', 'job1']]],
    ['{foo = "bar", dings != "bums", }', [['foo', '=', 'bar'], ['dings', '!=', 'bums']]],
    ['foo=bar,dings!=bums', [['foo', '=', 'bar'], ['dings', '!=', 'bums']]],
    [
      String.raw`{quote="She said: \"Hi, ladies! That's gender-neutral…\""}`,
      [['quote', '=', `She said: "Hi, ladies! That's gender-neutral…"`]],
    ],
    ['statuscode=~"5.."', [['statuscode', '=~', '5..']]],
    ['tricky=~~~', [['tricky', '=~', '~~']]],
    [String.raw`trickier==\\=\=\"`, [['trickier', '=', String.raw`=\=\="`]]],
    [
      String.raw`contains_quote != "\"" , contains_comma !~ "foo,bar" , `,
      [['contains_quote', '!=', '"'], ['contains_comma', '!~', 'foo,bar']],
    ],
    ['{foo=bar}}', [['foo', '=', 'bar}']]],
    ['{foo=bar}},}', [['foo', '=', 'bar}}']]],
    ['{foo=,bar=}}', [['foo', '=', ''], ['bar', '=', '}']]],
    [String.raw`{foo=bar\t}`, [['foo', '=', String.raw`bar\t`]]],
    [String.raw`{foo=bar\n}`, [['foo', '=', 'bar\n']]],
    [String.raw`{foo=bar\}`, [['foo', '=', 'bar\\']]],
    [String.raw`{foo=bar\\}`, [['foo', '=', 'bar\\']]],
    [String.raw`{foo=bar\"}`, [['foo', '=', 'bar"']]],
    ['job=', [['job', '=', '']]],
    ['{foo=', [['foo', '=', '']]],
    ['{foo=}b', [['foo', '=', '}b']]],
  ];

  it.each(cases)('%s', (input, want) => {
    // Prepare: the input and expected (name, type, value) triples above.
    // Act
    const got = triples(input);
    // Assess
    expect(got).toEqual(want);
  });

  it('accepts the forms used in alertflow.yaml: single matcher, colons in names, multi-line values', () => {
    // Prepare
    const inputs = ['severity="critical"', '  env = "prod"  ', 'a:b=c', 'msg="line1\nline2"', 'x=" padded "'];
    // Act
    const got = inputs.map(triples);
    // Assess
    expect(got).toEqual([
      [['severity', '=', 'critical']],
      [['env', '=', 'prod']],
      [['a:b', '=', 'c']],
      [['msg', '=', 'line1\nline2']],
      [['x', '=', ' padded ']],
    ]);
  });
});

describe('parseMatchers: invalid input', () => {
  const cases: [input: string, error: RegExp][] = [
    [',', /^bad matcher format: ""/],
    ['{,}', /^bad matcher format: ""/],
    ['job="value', /^matcher value contains unescaped double quote: "value/],
    ['job=value"', /^matcher value contains unescaped double quote: value"/],
    [String.raw`trickier==\\=\=\""`, /^matcher value contains unescaped double quote: =\\\\=\\=\\""/],
    ['contains_unescaped_quote = foo"bar', /^matcher value contains unescaped double quote: foo"bar/],
    ['{invalid-name = "valid label"}', /^bad matcher format: "invalid-name = \\"valid label\\""/],
    ['{foo=~"invalid[regexp"}', /^invalid regular expression "invalid\[regexp": missing closing \]/],
    [String.raw`"{foo=\"bar"}`, /^bad matcher format/],
    [String.raw`"foo=\"bar"`, /^bad matcher format/],
    [String.raw`"foo=\"bar\""`, /^bad matcher format/],
    [String.raw`"foo=\"bar\"`, /^bad matcher format/],
    [String.raw`"{foo=\"bar\"}"`, /^bad matcher format/],
    ['"foo="bar""', /^bad matcher format/],
    ['{{foo=', /^bad matcher format: "{foo="/],
    ['foo', /^bad matcher format/],
    ['=bar', /^bad matcher format/],
    ['1foo=bar', /^bad matcher format/],
    ['foo=~"a\ud800"', /not valid UTF-8/],
  ];

  it.each(cases)('%s', (input, error) => {
    // Prepare: the input and the expected message above.
    // Act
    const act = () => parseMatchers(input);
    // Assess
    expect(act).toThrow(MatcherParseError);
    expect(act).toThrow(error);
  });

  it('tells the reader what a matcher looks like', () => {
    // Prepare
    const input = 'severity';
    // Act
    const act = () => parseMatchers(input);
    // Assess
    expect(act).toThrow('expected a label name, one of = != =~ !~, and a value, e.g. severity="critical"');
  });
});

describe('Matcher.matches', () => {
  it('applies each operator, with regexes fully anchored', () => {
    // Prepare
    const [eq, ne, re, nre] = parseMatchers('{a="x", a!="x", a=~"x|y", a!~"x|y"}');
    const values = ['x', 'y', 'xy', 'z', ''];
    // Act
    const table = values.map((v) => [eq!.matches(v), ne!.matches(v), re!.matches(v), nre!.matches(v)]);
    // Assess
    expect(table).toEqual([
      [true, false, true, false],
      [false, true, true, false],
      [false, true, false, true],
      [false, true, false, true],
      [false, true, false, true],
    ]);
  });

  it('does not let an alternation escape the anchors', () => {
    // Prepare
    const m = newMatcher('=~', 'job', 'api|web');
    // Act
    const got = ['api', 'web', 'apiweb', 'api-server', 'my-web'].map((v) => m.matches(v));
    // Assess
    expect(got).toEqual([true, true, false, false, false]);
  });

  it('compares a missing label as "" in matchesAll', () => {
    // Prepare
    const labels = { alertname: 'Down' };
    // Act
    const results = [
      matchesAll(parseMatchers('team=""'), labels),
      matchesAll(parseMatchers('team!=""'), labels),
      matchesAll(parseMatchers('team=~".*"'), labels),
      matchesAll(parseMatchers('team=~".+"'), labels),
      matchesAll(parseMatchers('team!~".+"'), labels),
      matchesAll(parseMatchers('team!="ops"'), labels),
    ];
    // Assess
    expect(results).toEqual([true, false, true, false, true, true]);
  });

  it('needs every matcher to hold, and holds vacuously for none', () => {
    // Prepare
    const ms = parseMatchers('{severity=~"critical|page", env="prod"}');
    // Act
    const results = [
      matchesAll(ms, { severity: 'page', env: 'prod' }),
      matchesAll(ms, { severity: 'page', env: 'staging' }),
      matchesAll(ms, { severity: 'warning', env: 'prod' }),
      matchesAll([], {}),
    ];
    // Assess
    expect(results).toEqual([true, false, false, true]);
  });

  it('does not read inherited object properties as labels', () => {
    // Prepare
    const labels: Record<string, string> = {};
    // Act
    const results = [
      matchesAll(parseMatchers('constructor=""'), labels),
      matchesAll(parseMatchers('toString=~".+"'), labels),
      matchesAll(parseMatchers('__proto__=""'), labels),
    ];
    // Assess
    expect(results).toEqual([true, false, true]);
  });
});

describe('Matcher.toString and formatMatchers', () => {
  it('writes name, operator and the OpenMetrics-escaped quoted value', () => {
    // Prepare
    const ms = [
      newMatcher('=', 'foo', 'bar'),
      newMatcher('!=', 'foo', 'a"b\\c\nd'),
      newMatcher('=~', 'foo', 'x|y'),
      newMatcher('!~', 'foo', '\\d+'),
      newMatcher('=', 'foo', 'tab\there é'),
    ];
    // Act
    const got = ms.map(String);
    // Assess
    expect(got).toEqual([
      'foo="bar"',
      String.raw`foo!="a\"b\\c\nd"`,
      'foo=~"x|y"',
      String.raw`foo!~"\\d+"`,
      'foo="tab\there é"',
    ]);
  });

  it('round-trips through the parser', () => {
    // Prepare
    const original = newMatcher('!=', 'msg', 'say "hi"\\ then\nleave, ok');
    // Act
    const [reparsed] = parseMatchers(original.toString());
    // Assess
    expect([reparsed!.name, reparsed!.type, reparsed!.value]).toEqual(['msg', '!=', 'say "hi"\\ then\nleave, ok']);
  });

  it('Go-quotes a name the classic parser could not produce, as Alertmanager does', () => {
    // Prepare
    const m = newMatcher('=', 'my label', 'a\tb');
    // Act
    const text = m.toString();
    // Assess
    expect(text).toBe(String.raw`"my label"="a\tb"`);
  });

  it('formats a list in braces, comma-separated without spaces', () => {
    // Prepare
    const ms = parseMatchers('{b="1", a=~"x"}');
    // Act
    const text = formatMatchers(ms);
    // Assess
    expect(text).toBe('{b="1",a=~"x"}');
    expect(formatMatchers([])).toBe('{}');
  });
});

describe('matcherFromMatch / matcherFromMatchRe (the older match and match_re forms)', () => {
  it('match is an equality matcher', () => {
    // Prepare / Act
    const m = matcherFromMatch('owner', 'team-A');
    // Assess
    expect([m.type, m.value, m.toString(), m.matches('team-A'), m.matches('team-AB')]).toEqual([
      '=',
      'team-A',
      'owner="team-A"',
      true,
      false,
    ]);
  });

  it('match_re carries the anchored pattern as its value, as Alertmanager keys show it', () => {
    // Prepare / Act
    const m = matcherFromMatchRe('owner', 'team-(B|C)');
    // Assess
    expect(m.type).toBe('=~');
    expect(m.value).toBe('^(?:team-(B|C))$');
    expect(m.toString()).toBe('owner=~"^(?:team-(B|C))$"');
    expect(['team-B', 'team-C', 'team-D', 'xteam-B'].map((v) => m.matches(v))).toEqual([true, true, false, false]);
  });

  it('match_re keeps a leading (?i) working', () => {
    // Prepare / Act
    const m = matcherFromMatchRe('severity', '(?i)critical');
    // Assess
    expect([m.value, m.matches('CRITICAL'), m.matches('critical!')]).toEqual(['^(?:(?i)critical)$', true, false]);
  });

  it('match_re rejects an invalid regex with MatcherParseError', () => {
    // Prepare / Act
    const act = () => matcherFromMatchRe('a', '(unclosed');
    // Assess
    expect(act).toThrow(MatcherParseError);
    expect(act).toThrow(/invalid regular expression "\(unclosed"/);
  });
});

describe('compareMatchers (Alertmanager matcher order)', () => {
  it('sorts by name, then value, then type in = != =~ !~ order', () => {
    // Prepare
    const ms = parseMatchers('{b="x", a=~"y", a!~"y", a="y", a!="y", a="b"}');
    // Act
    const sorted = [...ms].sort(compareMatchers);
    // Assess
    expect(formatMatchers(sorted)).toBe('{a="b",a="y",a!="y",a=~"y",a!~"y",b="x"}');
  });

  it('compares strings bytewise like Go, not by UTF-16 unit', () => {
    // Prepare: U+FFFF is below U+1F600 in UTF-8, but above its surrogate in UTF-16.
    const a = '\uffff';
    const b = '😀';
    // Act
    const got = [compareUtf8(a, b), compareUtf8(b, a), compareUtf8('a', 'ab'), compareUtf8('ab', 'ab')];
    // Assess
    expect(a < b).toBe(false);
    expect(got).toEqual([-1, 1, -1, 0]);
  });
});

describe('quoteGoString (Go strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', String.raw`"a\"b\\c"`],
    ['\n\t\r\x07\b\f\v', String.raw`"\n\t\r\a\b\f\v"`],
    ['\x01\x1f\x7f', String.raw`"\x01\x1f\x7f"`],
    ['\u00a0\u200b\u2028', String.raw`"\u00a0\u200b\u2028"`],
    ['\u{e0001}', String.raw`"\U000e0001"`],
    ['é ü 中文 😀 …', '"é ü 中文 😀 …"'],
    ['bad\ud800', '"bad\ufffd"'],
    ['', '""'],
  ])('%j', (input, want) => {
    // Prepare: the input above. Act
    const got = quoteGoString(input);
    // Assess
    expect(got).toBe(want);
  });
});

describe('Go RE2 syntax in regex matchers', () => {
  const check = (re: string, yes: string[], no: string[]) => {
    const m = newMatcher('=~', 'l', re);
    return { yes: yes.map((v) => m.matches(v)), no: no.map((v) => m.matches(v)) };
  };

  it.each<[string, string[], string[]]>([
    ['(?i)critical', ['critical', 'CRITICAL', 'Critical'], ['critical2']],
    ['(?s)a.b', ['a\nb', 'axb'], ['ab']],
    ['a.b', ['axb', 'a\rb', 'a\u2028b'], ['a\nb']],
    [String.raw`team\-a`, ['team-a'], ['teama']],
    [String.raw`\"quoted\"`, ['"quoted"'], ['quoted']],
    [String.raw`a\:b\@c\#d`, ['a:b@c#d'], ['a\\:b']],
    [String.raw`[a\-z]+`, ['a-z', 'z-a'], ['b']],
    ['[a-z]+', ['abc'], ['ABC', 'a-']],
    ['.', ['😀', 'é'], ['', 'ab']],
    ['(?P<sev>crit|warn)', ['crit', 'warn'], ['info']],
    ['[[:alpha:]]+[[:digit:]]', ['abc1'], ['abc', '1']],
    ['[[:punct:]]+', ['!-/:@[`{~'], ['a']],
    [String.raw`\pL+`, ['héllo', 'Ωmega'], ['h3llo']],
    [String.raw`\p{Greek}+`, ['αβγ'], ['abc']],
    [String.raw`\PL`, ['1', '-'], ['a']],
    [String.raw`\Qa.b*\E`, ['a.b*'], ['axb', 'a.bb']],
    ['a{', ['a{'], ['a']],
    ['x{2}', ['xx'], ['x', 'xxx']],
    ['x{2,}y', ['xxy', 'xxxy'], ['xy']],
    ['{foo}', ['{foo}'], ['foo']],
    ['[]a]+', [']a]', 'a'], ['b']],
    ['[^]a]', ['b'], [']', 'a']],
    ['a]', ['a]'], ['a']],
    [String.raw`a\sb`, ['a b', 'a\tb'], ['a\u000bb', 'a\u00a0b']],
    [String.raw`a\Sb`, ['axb'], ['a b']],
    [String.raw`\x{1F600}\x41`, ['😀A'], ['😀']],
    [String.raw`abc\z`, ['abc'], ['abc\n']],
    [String.raw`\Aabc`, ['abc'], ['xabc']],
    [String.raw`\101\0`, ['A\0'], ['A']],
    [String.raw`\a`, ['\x07'], ['a']],
    ['', [''], ['x']],
    // Inline flags anywhere, flag groups, (?m) and (?U), negated POSIX classes: all valid in RE2.
    ['a(?i)b', ['aB', 'ab'], ['AB']],
    ['(?i:ab)c', ['ABc', 'abc'], ['ABC']],
    ['(?m)^a$', ['a'], ['a\n']],
    ['(?U)a+', ['aaa'], ['']],
    ['[[:^digit:]]+', ['abc', '-'], ['a1', '1']],
    // Case folding follows Unicode's orbits, as in Go (Kelvin sign, long s, final sigma).
    ['(?i)k', ['K', '\u212a'], ['x']],
    ['(?i)s', ['ſ', 'S'], ['x']],
    ['(?i)σ', ['ς', 'Σ'], ['x']],
    [String.raw`\d+`, ['123'], ['٣']],
  ])('%s', (re, yes, no) => {
    // Prepare: a pattern with values it must and must not match. Act
    const got = check(re, yes, no);
    // Assess
    expect(got).toEqual({ yes: yes.map(() => true), no: no.map(() => false) });
  });

  it.each<[string, RegExp]>([
    [String.raw`(a)\1`, /invalid escape sequence: `\\1`/],
    [String.raw`\y`, /invalid escape sequence: `\\y`/],
    [String.raw`\C`, /invalid escape sequence: `\\C`/],
    ['[[:letters:]]', /invalid character class range: `\[:letters:\]`/],
    [String.raw`\p{Klingon}`, /invalid character class range: `\\p\{Klingon\}`/],
    ['abc\\', /trailing backslash/],
    ['[abc', /missing closing \]/],
    ['*a', /^invalid regular expression "\*a": missing argument to repetition operator: `\*`$/],
    ['(a', /^invalid regular expression "\(a": missing closing \): `\(a`$/],
    // JavaScript accepts these; RE2 (and so Alertmanager) does not.
    ['(?=a)', /invalid or unsupported Perl syntax: `\(\?=`/],
    ['(?<!a)b', /invalid or unsupported Perl syntax: `\(\?<` \(lookahead and lookbehind are not supported in RE2\)/],
    ['a{1001}', /invalid repeat count: `\{1001\}`/],
  ])('rejects %s with RE2\'s reason', (re, error) => {
    // Prepare: the pattern above. Act
    const act = () => compileMatcherRegex(re);
    // Assess
    expect(act).toThrow(MatcherParseError);
    expect(act).toThrow(error);
  });

  it('does not blame a valid leading flag for a later error', () => {
    // Prepare
    const re = '(?i)(unclosed';
    // Act
    let message = '';
    try {
      compileMatcherRegex(re);
    } catch (err) {
      message = (err as Error).message;
    }
    // Assess
    expect(message).toMatch(/^invalid regular expression "\(\?i\)\(unclosed": /);
    expect(message).not.toContain('inline flags');
  });

  it('matches in linear time: (a+)+$ against 36 a\'s and a ! answers at once (a backtracking RegExp runs for hours)', () => {
    // Prepare
    const [m] = parseMatchers('x=~"(a+)+$"');
    // Act
    const got = [m!.matches(`${'a'.repeat(36)}!`), m!.matches('a'.repeat(10_000)), m!.matches(`${'a'.repeat(10_000)}!`)];
    // Assess
    expect(got).toEqual([false, true, false]);
  });

  it('keeps the pattern as written in the matcher string form', () => {
    // Prepare
    const [m] = parseMatchers(String.raw`severity=~"(?i)crit\-.*"`);
    // Act
    const text = m!.toString();
    // Assess
    expect(text).toBe(String.raw`severity=~"(?i)crit\\-.*"`);
    expect(m!.matches('CRIT-1')).toBe(true);
  });
});

describe('Matcher.matchesWithin (a work budget, for patterns from outside)', () => {
  const cases: Array<[MatchType, string, string]> = [
    ['=', 'db-1', 'db-1'],
    ['!=', 'db-1', 'db-2'],
    ['=~', 'db-.*', 'db-1'],
    ['=~', 'db-.*', 'xdb-1'],
    ['!~', 'db-.*', 'db-1'],
    ['!~', 'db-.*', 'web-1'],
    ['=~', '(?i)CRIT|page', 'crit'],
    ['=~', 'a|ab', 'ab'],
    ['=~', '', ''],
    ['!~', '.+', ''],
  ];
  it.each(cases)('%s %j on %j gives the same answer as matches, and charges (length + 1) × program size', (type, pattern, value) => {
    // Arrange
    const m = newMatcher(type, 'x', pattern);
    const budget = new Budget(1_000_000);
    // Act
    const result = m.matchesWithin(value, budget);
    // Assess
    expect(result).toBe(m.matches(value));
    const regex = type.endsWith('~');
    expect(m.cost(value)).toBe(regex ? (value.length + 1) * m.programSize : 0);
    expect(budget.left).toBe(1_000_000 - m.cost(value));
    expect(m.programSize > 0).toBe(regex);
  });

  it('does not run a regex whose cost exceeds what is left, and charges nothing for it', () => {
    // Arrange: 2,004 instructions against 20,000 characters is about 40 M units.
    const m = newMatcher('=~', 'x', '(?:a?){1000}.*');
    const value = 'a'.repeat(20_000);
    const budget = new Budget(1_000_000);
    // Act
    const result = m.matchesWithin(value, budget);
    // Assess
    expect(m.cost(value)).toBe(20_001 * m.programSize);
    expect(m.cost(value)).toBeGreaterThan(budget.limit);
    expect(result).toBeUndefined();
    expect(budget.left).toBe(1_000_000);
    // A value that fits is run and charged.
    expect(m.matchesWithin('aaa', budget)).toBe(true);
    expect(budget.left).toBe(1_000_000 - 4 * m.programSize);
  });

  it('shares one budget across matchers until it runs out', () => {
    // Arrange
    const m = newMatcher('=~', 'x', 'a+');
    const budget = new Budget(3 * m.cost('aaaa'));
    // Act
    const results = Array.from({ length: 4 }, () => m.matchesWithin('aaaa', budget));
    // Assess
    expect(results).toEqual([true, true, true, undefined]);
    expect(budget.left).toBe(0);
  });
});
