/**
 * Alertmanager label matchers: the classic matcher grammar (`pkg/labels/parse.go`), matching
 * semantics (`pkg/labels/matcher.go`) and string forms, so route keys and group keys come out
 * byte-for-byte as Alertmanager writes them.
 *
 * Regular expressions. Alertmanager compiles Go RE2 syntax; JavaScript has no RE2, so a regex is
 * translated to an equivalent JS RegExp compiled with the `u` flag. `u` is chosen because it gives
 * Go's rune semantics (`.` and `[^x]` consume a whole code point, e.g. an emoji), supports `\p{..}`,
 * and rejects malformed patterns instead of silently reading them as literals. The translation
 * covers the RE2 forms people actually paste from alertmanager.yml:
 *   - a leading `(?i)`, `(?s)` or `(?is)` becomes the JS `i` / `s` flag;
 *   - any escaped ASCII punctuation (`\-`, `\"`, `\:` ...) is a literal, as in RE2;
 *   - `.` excludes only `\n` (JS would also exclude `\r`, U+2028, U+2029);
 *   - `\s` / `\S` are RE2's ASCII set `[\t\n\f\r ]`; `\a`, `\x{10FFFF}`, octal `\123`;
 *   - `\A`, `\z`, `\Q...\E`, `(?P<name>...)`, `[[:alpha:]]`-style classes, `\pL`, `\p{Greek}`;
 *   - a `{` that does not start a repetition, and a stray `]` or `}`, are literals.
 * Known differences: inline flags anywhere but the start (`a(?i)b`, `(?i:b)`) and `(?m)`/`(?U)`
 * are rejected with an explanation; negated POSIX classes (`[[:^alpha:]]`) are rejected; JS accepts
 * lookarounds, which RE2 refuses; and JS regexes backtrack, so a pathological pattern such as
 * `(a+)+b` can be slow where RE2 is linear (patterns come from the operator's config, not alerts).
 */

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  /** Whether a label value satisfies the matcher; pass "" for a label the alert does not have. */
  matches(value: string): boolean;
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
  readonly #re: RegExp | undefined;

  constructor(type: MatchType, name: string, value: string, re: RegExp | undefined) {
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
 * pattern, so the value (and hence the route key) reads `^(?:regex)$`; matching is unchanged by
 * the double anchoring, so the original is compiled to keep a leading `(?i)` leading.
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
  return splitMatchers(input).map(parseMatcher);
}

/** One matcher, without braces or commas. Throws MatcherParseError. */
export function parseMatcher(input: string): Matcher {
  const m = MATCHER.exec(input);
  if (!m) {
    throw new MatcherParseError(
      `bad matcher format: ${JSON.stringify(input)} (expected a label name, one of = != =~ !~, and a value, e.g. severity="critical")`,
    );
  }
  const [, name = '', op = '=', rawValue = ''] = m;
  const value = unescapeValue(rawValue);
  return newMatcher(op as MatchType, name, value);
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
// Regular expressions (Go RE2 → JS)

/**
 * Compile a matcher regex as Alertmanager does (`^(?:re)$`, RE2 syntax; see the file comment).
 * Throws MatcherParseError naming the pattern and the problem.
 */
export function compileMatcherRegex(re: string): RegExp {
  let translated: { source: string; flags: string };
  try {
    translated = translateGoRegex(re);
  } catch (err) {
    throw new MatcherParseError(`invalid regular expression ${JSON.stringify(re)}: ${(err as Error).message}`);
  }
  try {
    return new RegExp(`^(?:${translated.source})$`, translated.flags);
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    const hint = /\(\?[a-zA-Z-]+[:)]/.test(re.replace(/^\(\?[a-zA-Z]+\)/, ''))
      ? ' (inline flags such as (?i) are supported only at the very start of the pattern)'
      : '';
    throw new MatcherParseError(`invalid regular expression ${JSON.stringify(re)}: ${reason}${hint}`);
  }
}

// Characters that must stay escaped to be literal outside a JS character class.
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
// Characters that must stay escaped to be literal inside a JS character class.
const JS_CLASS_SYNTAX = new Set([...'\\]^-[']);
const ASCII_PUNCT = /^[!-/:-@[-`{-~]$/;

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-\\x60{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const RE2_SPACE = '\\t\\n\\f\\r ';

function literal(ch: string, inClass: boolean): string {
  const special = inClass ? JS_CLASS_SYNTAX : JS_SYNTAX;
  if (special.has(ch)) return `\\${ch}`;
  const cp = ch.codePointAt(0)!;
  // Keep control characters readable in the generated source; they are literal either way.
  return cp < 0x20 ? `\\x${hex(cp, 2)}` : ch;
}

function unicodeProperty(name: string): string {
  const negated = name.startsWith('^');
  const prop = negated ? name.slice(1) : name;
  const letter = negated ? 'P' : 'p';
  // RE2 names scripts bare (`Greek`); JS wants `Script=Greek` for those but `L` for categories.
  for (const candidate of [prop, `Script=${prop}`]) {
    try {
      new RegExp(`\\p{${candidate}}`, 'u');
      return `\\${letter}{${candidate}}`;
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`unknown Unicode class \\p{${name}}`);
}

/** Translate RE2 syntax to a JS `u`-mode source and flags. Throws Error with a short reason. */
export function translateGoRegex(re: string): { source: string; flags: string } {
  const c = [...re];
  let flags = 'u';
  let i = 0;

  const lead = /^\(\?([a-zA-Z]+)\)/.exec(re);
  if (lead) {
    for (const f of lead[1]!) {
      if (f !== 'i' && f !== 's') {
        throw new Error(`flag ${JSON.stringify(f)} in (?${lead[1]}) is not supported (only i and s)`);
      }
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  const dotAll = flags.includes('s');

  let out = '';
  let inClass = false;
  let classStart = false; // just after `[` or `[^`, where RE2 reads `]` as a literal

  while (i < c.length) {
    const ch = c[i]!;

    if (ch === '\\') {
      const next = c[i + 1];
      if (next === undefined) throw new Error('trailing backslash');
      i += 2;
      switch (next) {
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 'f':
        case 'n':
        case 'r':
        case 't':
        case 'v':
          out += `\\${next}`;
          break;
        case 'b':
        case 'B':
          if (inClass) throw new Error(`\\${next} is not allowed in a character class`);
          out += `\\${next}`;
          break;
        case 's':
          out += inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
          break;
        case 'S':
          out += inClass ? '\\S' : `[^${RE2_SPACE}]`;
          break;
        case 'a':
          out += '\\x07';
          break;
        case 'A':
        case 'z':
          if (inClass) throw new Error(`\\${next} is not allowed in a character class`);
          // Without the m flag JS `^`/`$` are exactly text start/end.
          out += next === 'A' ? '^' : '$';
          break;
        case 'x': {
          if (c[i] === '{') {
            const close = c.indexOf('}', i);
            const digits = close < 0 ? '' : c.slice(i + 1, close).join('');
            if (!/^[0-9a-fA-F]{1,6}$/.test(digits) || parseInt(digits, 16) > 0x10ffff) {
              throw new Error('invalid escape \\x{...}');
            }
            out += `\\u{${digits}}`;
            i = close + 1;
          } else {
            const digits = c.slice(i, i + 2).join('');
            if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new Error('invalid escape \\x (needs two hex digits)');
            out += `\\x${digits}`;
            i += 2;
          }
          break;
        }
        case 'p':
        case 'P': {
          let name: string;
          if (c[i] === '{') {
            const close = c.indexOf('}', i);
            if (close < 0) throw new Error(`unterminated \\${next}{`);
            name = c.slice(i + 1, close).join('');
            i = close + 1;
          } else {
            name = c[i] ?? '';
            i += 1;
          }
          if (!name) throw new Error(`missing Unicode class after \\${next}`);
          out += unicodeProperty(next === 'P' ? (name.startsWith('^') ? name.slice(1) : `^${name}`) : name);
          break;
        }
        case 'Q': {
          let end = i;
          while (end < c.length && !(c[end] === '\\' && c[end + 1] === 'E')) end++;
          for (const q of c.slice(i, end)) out += literal(q, inClass);
          i = end < c.length ? end + 2 : end;
          break;
        }
        case 'C':
          throw new Error('\\C (any byte) is not supported');
        default: {
          if (next >= '0' && next <= '7') {
            // RE2 reads `\0`, `\12`, `\123` as octal; a lone `\1`-`\7` would be a backreference.
            let digits = next;
            while (digits.length < 3 && /[0-7]/.test(c[i] ?? '')) digits += c[i++];
            if (next !== '0' && digits.length === 1) throw new Error(`backreference \\${next} is not supported`);
            out += `\\u{${parseInt(digits, 8).toString(16)}}`;
          } else if (ASCII_PUNCT.test(next)) {
            out += literal(next, inClass);
          } else {
            throw new Error(`invalid escape sequence \\${next}`);
          }
        }
      }
      classStart = false;
      continue;
    }

    if (inClass) {
      if (ch === ']') {
        // RE2 reads a `]` right after `[` or `[^` as a literal; JS would close the class.
        if (classStart) out += '\\]';
        else {
          inClass = false;
          out += ']';
        }
      } else if (ch === '[' && c[i + 1] === ':') {
        let close = i + 2;
        while (close < c.length && !(c[close] === ':' && c[close + 1] === ']')) close++;
        const name = c.slice(i + 2, close).join('');
        if (close >= c.length) throw new Error('unterminated [: character class');
        if (name.startsWith('^')) throw new Error(`negated class [:${name}:] is not supported`);
        const range = POSIX_CLASSES[name];
        if (range === undefined) throw new Error(`unknown character class [:${name}:]`);
        out += range;
        i = close + 2;
        classStart = false;
        continue;
      } else {
        // `-` and `^` keep their class meaning; a `[` is literal in RE2 but not safe unescaped in JS.
        out += ch === '[' ? '\\[' : ch;
      }
      classStart = false;
      i += 1;
      continue;
    }

    switch (ch) {
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        if (c[i + 1] === '^') {
          out += '^';
          i += 1;
        }
        break;
      case '.':
        out += dotAll ? '.' : '[^\\n]';
        break;
      case '(':
        if (c[i + 1] === '?' && c[i + 2] === 'P' && c[i + 3] === '<') {
          out += '(?<';
          i += 3;
        } else {
          out += '(';
        }
        break;
      case '{': {
        // A valid repetition passes through; anything else is a literal brace in RE2.
        const rep = /^\{\d+(,\d*)?\}/.exec(c.slice(i, i + 24).join(''));
        if (rep) {
          out += rep[0];
          i += rep[0].length - 1;
        } else {
          out += '\\{';
        }
        break;
      }
      case '}':
      case ']':
        out += `\\${ch}`;
        break;
      default:
        out += ch;
    }
    i += 1;
  }
  if (inClass) throw new Error('missing closing ]');
  return { source: out, flags };
}
