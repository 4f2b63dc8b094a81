/**
 * Alertmanager label matchers (its `pkg/labels`): the classic matcher grammar (`parse.go`),
 * matching semantics (`matcher.go`) and string forms, so route keys and group keys come out
 * byte-for-byte as Alertmanager writes them.
 *
 * A regex matcher is fully anchored (`^(?:re)$`), compiled by the one RE2 engine (./regex.ts):
 * Go RE2 syntax and semantics, in linear time whatever the pattern or the label value. A label
 * the alert lacks compares as "". Leaf package: imports nothing else of the project.
 */
import { Budget, compileRegex, programSizeBound, RegexSyntaxError, type Regex } from './regex';

export { Budget };

/** An upper bound on the program `compileMatcherRegex(re)` makes, without compiling (see programSizeBound). */
export function matcherProgramBound(re: string): number {
  return programSizeBound(`^(?:${re})$`);
}

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  /** Whether a label value satisfies the matcher; pass "" for a label the alert does not have. */
  matches(value: string): boolean;
  /** The compiled regex's size in RE2 instructions; 0 for `=` and `!=`. */
  readonly programSize: number;
  /** What `matchesWithin` charges for `value`: (length + 1) × program size; 0 for `=` and `!=`. */
  cost(value: string): number;
  /**
   * `matches`, when its cost fits in `budget` (which is charged it); undefined, with nothing run
   * or charged, when it does not. For patterns from outside (silences): the work is bounded by
   * the budget whatever the pattern and the value.
   */
  matchesWithin(value: string, budget: Budget): boolean | undefined;
  /** Alertmanager's form, e.g. `severity=~"critical|page"`. */
  toString(): string;
}

export class MatcherParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherParseError';
  }
}

// Alertmanager's sort order for match types (its enum order).
const TYPE_ORDER: Record<MatchType, number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

class LabelMatcher implements Matcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  readonly #re: Regex | undefined;

  constructor(type: MatchType, name: string, value: string, re: Regex | undefined) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.#re = re;
  }

  matches(value: string): boolean {
    switch (this.type) {
      case '=':
        return value === this.value;
      case '!=':
        return value !== this.value;
      case '=~':
        return this.#re!.test(value);
      case '!~':
        return !this.#re!.test(value);
    }
  }

  get programSize(): number {
    return this.#re?.programSize ?? 0;
  }

  cost(value: string): number {
    return this.#re ? this.#re.cost(value) : 0;
  }

  matchesWithin(value: string, budget: Budget): boolean | undefined {
    if (!this.#re) return this.matches(value);
    const found = this.#re.testWithin(value, budget);
    return found === undefined ? undefined : found === (this.type === '=~');
  }

  toString(): string {
    // Names the classic parser could not have produced are quoted, as Alertmanager does.
    if ([...this.name].some(isReserved)) {
      return `${quoteGoString(this.name)}${this.type}${quoteGoString(this.value)}`;
    }
    return `${this.name}${this.type}"${openMetricsEscape(this.value)}"`;
  }
}

/** A matcher of any type; a regex value is compiled once, fully anchored. */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  const re = type === '=~' || type === '!~' ? compileMatcherRegex(value) : undefined;
  return new LabelMatcher(type, name, value, re);
}

/** The older `match: {name: value}` form. */
export function matcherFromMatch(name: string, value: string): Matcher {
  return newMatcher('=', name, value);
}

/**
 * The older `match_re: {name: regex}` form. Alertmanager stores these as the already-anchored
 * pattern, so the value (and hence the route key) reads `^(?:regex)$`; anchoring it once more
 * would change nothing, so the original is compiled.
 */
export function matcherFromMatchRe(name: string, regex: string): Matcher {
  return new LabelMatcher('=~', name, `^(?:${regex})$`, compileMatcherRegex(regex));
}

/** Whether every matcher holds; a label the set lacks compares as "". */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => m.matches(labelValue(labels, m.name)));
}

/** A label's value, or "" when absent (own keys only, so `constructor` is not a label). */
export function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

/** The values of `names` as one string key (a missing label is ""): inhibition's `equal` comparison. */
export function labelValuesKey(labels: Readonly<Record<string, string>>, names: readonly string[]): string {
  return JSON.stringify(names.map((n) => labelValue(labels, n)));
}

/** Alertmanager's matcher order: by name, then value (bytewise), then type. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  return compareUtf8(a.name, b.name) || compareUtf8(a.value, b.value) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/** `{a="b",c=~"d"}`, as Alertmanager's `Matchers.String()` (no sorting, no spaces). */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map((m) => m.toString()).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing (classic grammar)

// Go's `\s` is ASCII whitespace only, hence the explicit class. The value is lazy so trailing
// whitespace is dropped; `s` lets a value span lines, as `(?s)` does in Alertmanager.
const MATCHER = /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*$/s;

/**
 * Parse one matcher (`severity="critical"`, `foo=bar`, `foo!~"a|b"`) or a comma-separated list,
 * optionally in braces (`{a="b", c=~"d",}`). Commas inside double quotes do not separate.
 * Throws MatcherParseError.
 */
export function parseMatchers(input: string): Matcher[] {
  return parseMatcherParts(input).map(({ type, name, value }) => newMatcher(type, name, value));
}

/** A matcher as written, its regex not compiled yet. */
export interface MatcherParts {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/**
 * `parseMatchers` without compiling: a caller can bound what the regexes would cost to compile
 * (`regexPartsBound`) before paying for it. Throws MatcherParseError.
 */
export function parseMatcherParts(input: string): MatcherParts[] {
  return splitMatchers(input).map(matcherParts);
}

/** `matcherProgramBound` summed over the regex values of `parts` (equality values compile nothing). */
export function regexPartsBound(parts: readonly MatcherParts[]): number {
  let bound = 0;
  for (const p of parts) if (p.type === '=~' || p.type === '!~') bound += matcherProgramBound(p.value);
  return bound;
}

/** One matcher, without braces or commas. Throws MatcherParseError. */
export function parseMatcher(input: string): Matcher {
  const { type, name, value } = matcherParts(input);
  return newMatcher(type, name, value);
}

function matcherParts(input: string): MatcherParts {
  const m = MATCHER.exec(input);
  if (!m) {
    throw new MatcherParseError(
      `bad matcher format: ${JSON.stringify(input)} (expected a label name, one of = != =~ !~, and a value, e.g. severity="critical")`,
    );
  }
  const [, name = '', op = '=', rawValue = ''] = m;
  return { type: op as MatchType, name, value: unescapeValue(rawValue) };
}

function splitMatchers(input: string): string[] {
  // One optional brace at each end, as Alertmanager trims them (not a balanced parse).
  let s = input.startsWith('{') ? input.slice(1) : input;
  if (s.endsWith('}')) s = s.slice(0, -1);

  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const ch of s) {
    if (ch === ',') {
      if (!insideQuotes) {
        tokens.push(token);
        token = '';
        continue;
      }
    } else if (ch === '"') {
      if (escaped) escaped = false;
      else insideQuotes = !insideQuotes;
    } else if (ch === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += ch;
  }
  // Only the last token is trimmed and may be empty: that is what permits a trailing comma.
  const last = trimGoSpace(token);
  if (last !== '') tokens.push(last);
  return tokens;
}

function unescapeValue(raw: string): string {
  let text = raw;
  let expectTrailingQuote = false;
  if (text.startsWith('"')) {
    text = text.slice(1);
    expectTrailingQuote = true;
  }
  if (LONE_SURROGATE.test(text)) {
    throw new MatcherParseError(`matcher value is not valid UTF-8: ${raw}`);
  }
  const chars = [...text];
  let value = '';
  let escaped = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const isLast = i === chars.length - 1;
    if (escaped) {
      escaped = false;
      // OpenMetrics escapes; anything else keeps its backslash (Alertmanager is lenient here).
      if (ch === 'n') value += '\n';
      else if (ch === '"' || ch === '\\') value += ch;
      else value += `\\${ch}`;
      continue;
    }
    if (ch === '\\') {
      if (isLast) value += '\\';
      else escaped = true;
    } else if (ch === '"') {
      if (!expectTrailingQuote || !isLast) throw unescapedQuote(raw);
      expectTrailingQuote = false;
    } else {
      value += ch;
    }
  }
  if (expectTrailingQuote) throw unescapedQuote(raw);
  return value;
}

function unescapedQuote(raw: string): MatcherParseError {
  return new MatcherParseError(
    `matcher value contains unescaped double quote: ${raw} (quote the whole value, and write a quote inside it as \\")`,
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Unicode White_Space, which is what Go's strings.TrimSpace trims (JS trim differs on U+0085, U+FEFF).
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

function trimGoSpace(s: string): string {
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && GO_SPACE.test(chars[start]!)) start++;
  while (end > start && GO_SPACE.test(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

// ---------------------------------------------------------------------------------------------
// String forms

// Characters that make Alertmanager quote a label name (its heuristic for UTF-8 names).
function isReserved(ch: string): boolean {
  return GO_SPACE.test(ch) || '{}!=~,\\"\'`'.includes(ch);
}

function openMetricsEscape(s: string): string {
  return s.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const GO_CONTROL_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

/**
 * Go's `strconv.Quote`, which Alertmanager uses for label values in group keys. A lone surrogate
 * (possible in a JS string, impossible in Go's) is written as U+FFFD, as Go's JSON decoder would.
 */
export function quoteGoString(s: string): string {
  let out = '"';
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    const c = String.fromCodePoint(cp);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (PRINTABLE.test(c)) out += c;
    else if (GO_CONTROL_ESCAPES[cp] !== undefined) out += GO_CONTROL_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's string order (bytewise UTF-8), which is code-point order; JS `<` compares UTF-16 units. */
export function compareUtf8(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i > 0 ? 1 : 0) - (b.length - j > 0 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Regular expressions

/**
 * Compile a matcher regex as Alertmanager does: `^(?:re)$` in RE2 syntax (so, as there, the
 * pattern is spliced into the anchors, not validated on its own). Throws MatcherParseError naming
 * the pattern and RE2's reason.
 */
export function compileMatcherRegex(re: string): Regex {
  try {
    return compileRegex(`^(?:${re})$`);
  } catch (err) {
    if (!(err instanceof RegexSyntaxError)) throw err;
    // RE2's reason for the pattern as written reads better than one quoting the anchors.
    let reason = err.message;
    try {
      compileRegex(re);
    } catch (own) {
      if (own instanceof RegexSyntaxError) reason = own.message;
    }
    throw new MatcherParseError(`invalid regular expression ${JSON.stringify(re)}: ${reason}`);
  }
}
