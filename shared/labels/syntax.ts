/**
 * Go 1.19's regexp syntax (RE2, as Alertmanager 0.25 parses it), in front of re2js.
 *
 * re2js ports a later Go: it accepts `(?<name>re)`, refuses a capture name used twice, refuses
 * `[[:]` (Go reads `[:` without a closing `:]` as two literals), and its Unicode is 17.0, so
 * `\p{Kawi}` or `\p{Cn}` compile and `\pL`, `\p{C}` and `(?i)` cover characters Go 1.19 (Unicode
 * 13.0) does not. `translate` parses the pattern as Go 1.19's parser does, refuses what it refuses
 * with its messages, and hands re2js a pattern of the same structure (groups, alternations,
 * repetitions, anchors and the `m`, `s` and `U` flags pass through as written) in which every
 * class, Unicode class and case-insensitive literal is spelled out as explicit code point ranges
 * from Go 1.19's own tables (./unicode.ts), and `i` no longer occurs. re2js then only matches.
 *
 * The translation keeps one atom for one atom, so the program re2js compiles has the same size
 * as the one it would compile for the pattern itself: programSizeBound holds for both. Leaf module.
 */
import { RE2JS, RE2JSException } from 're2js';
import { MAX_RUNE, clean, foldClosure, foldOrbit, negate, unicodeTable, type Ranges } from './unicode';

/** A pattern RE2 rejects; the message is Go's, without its `error parsing regexp: ` prefix. */
export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

export interface Translation {
  /** The pattern for re2js. */
  source: string;
  /** Capture group numbers by name, in order: Go allows a name more than once. */
  names: ReadonlyMap<string, readonly number[]>;
}

// Go's error codes (regexp/syntax.ErrorCode).
const INVALID_CHAR_RANGE = 'invalid character class range';
const INVALID_ESCAPE = 'invalid escape sequence';
const INVALID_NAMED_CAPTURE = 'invalid named capture';
const INVALID_PERL_OP = 'invalid or unsupported Perl syntax';
const INVALID_UTF8 = 'invalid UTF-8';
const MISSING_BRACKET = 'missing closing ]';
const TRAILING_BACKSLASH = 'trailing backslash at end of expression';
const UNEXPECTED_PAREN = 'unexpected )';

/** The errors whose text quotes the whole expression (Go quotes the pattern as written). */
export const WHOLE_PATTERN_ERRORS = ['missing closing )', UNEXPECTED_PAREN, 'expression nests too deeply', 'expression too large'];

// Go's perl_groups.go.
const PERL_GROUPS: Record<string, [sign: number, cls: Ranges]> = {
  '\\d': [+1, [0x30, 0x39]],
  '\\D': [-1, [0x30, 0x39]],
  '\\s': [+1, [0x9, 0xa, 0xc, 0xd, 0x20, 0x20]],
  '\\S': [-1, [0x9, 0xa, 0xc, 0xd, 0x20, 0x20]],
  '\\w': [+1, [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]],
  '\\W': [-1, [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]],
};
const POSIX_CLASSES: Record<string, Ranges> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x0, 0x7f],
  blank: [0x9, 0x9, 0x20, 0x20],
  cntrl: [0x0, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x9, 0xd, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (r: number): boolean => (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
const unhex = (c: string | undefined): number => (c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);

/** A code point as re2js reads it without any meaning: ASCII letters and digits as themselves. */
function rune(r: number): string {
  return isAlnum(r) ? String.fromCharCode(r) : `\\x{${r.toString(16)}}`;
}

function classText(cls: Ranges): string {
  if (cls.length === 0) return `[^\\x{0}-\\x{${MAX_RUNE.toString(16)}}]`;
  let out = '[';
  for (let i = 0; i < cls.length; i += 2) out += cls[i] === cls[i + 1] ? rune(cls[i]!) : `${rune(cls[i]!)}-${rune(cls[i + 1]!)}`;
  return `${out}]`;
}

/** Go's appendGroup: a Perl or POSIX group, case-folded under `(?i)` before a negation. */
function group(sign: number, cls: Ranges, fold: boolean): Ranges {
  const members = fold ? foldClosure(cls) : cls;
  return sign < 0 ? negate(members) : members;
}

// The classes of `\p{Name}`, `\P{Name}` and their (?i) forms, and their text, as computed: a few
// hundred names at most, and a table such as `\pL` has hundreds of ranges.
const unicodeClasses = new Map<string, Ranges>();
const classTexts = new WeakMap<Ranges, string>();

function cachedClassText(cls: Ranges): string {
  let text = classTexts.get(cls);
  if (text === undefined) {
    text = classText(cls);
    classTexts.set(cls, text);
  }
  return text;
}

class Translator {
  readonly #s: string;
  #out = '';
  #fold = false;
  /** The fold flag at each open group, restored at its `)`. */
  readonly #saved: boolean[] = [];
  #captures = 0;
  readonly #names = new Map<string, number[]>();

  constructor(pattern: string) {
    this.#s = pattern;
  }

  run(): Translation {
    const s = this.#s;
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      switch (c) {
        case '(':
          if (s[i + 1] === '?') {
            i = this.#perlFlags(i);
          } else {
            this.#captures++;
            this.#saved.push(this.#fold);
            this.#out += '(';
            i++;
          }
          break;
        case ')':
          if (this.#saved.length === 0) this.#fail(UNEXPECTED_PAREN, s);
          this.#fold = this.#saved.pop()!;
          this.#out += ')';
          i++;
          break;
        case '|':
        case '^':
        case '$':
        case '.':
        case '*':
        case '+':
        case '?':
          // Structure, anchors and `.`: re2js reads them as Go does (with the m, s and U flags).
          this.#out += c;
          i++;
          break;
        case '[':
          i = this.#class(i);
          break;
        case '{': {
          const end = repeatEnd(s, i);
          if (end < 0) {
            this.#out += rune(0x7b); // not a repetition: a literal `{`
            i++;
          } else {
            this.#out += s.slice(i, end); // re2js checks the counts as Go does
            i = end;
          }
          break;
        }
        case '\\':
          i = this.#escape(i);
          break;
        default: {
          const [r, width] = this.#rune(i);
          this.#literal(r);
          i += width;
        }
      }
    }
    return { source: this.#out, names: this.#names };
  }

  /** Go's nextRune: the code point at i and its width; a lone surrogate is not UTF-8. */
  #rune(i: number): [number, number] {
    const r = this.#s.codePointAt(i)!;
    if (r >= 0xd800 && r <= 0xdfff) this.#fail(INVALID_UTF8, this.#s.slice(i));
    return [r, r > 0xffff ? 2 : 1];
  }

  #literal(r: number): void {
    if (this.#fold) {
      const orbit = foldOrbit(r);
      if (orbit.length > 1) {
        this.#out += classText(clean(orbit.flatMap((x) => [x, x])));
        return;
      }
    }
    this.#out += rune(r);
  }

  /**
   * Throws Go's error for the atom at hand, unless the pattern before it already fails in a way
   * Go reports first (a repetition without an argument, `**`, a bad count): the structure is
   * re2js's to check, on what has been translated so far.
   */
  #fail(code: string, expr: string, hint = ''): never {
    try {
      RE2JS.compile(this.#out + ')'.repeat(this.#saved.length));
    } catch (err) {
      const reason = err instanceof RE2JSException ? err.message.replace(/^error parsing regexp: /, '') : '';
      if (reason !== '' && !WHOLE_PATTERN_ERRORS.some((w) => reason.startsWith(w))) throw new RegexSyntaxError(reason);
    }
    throw new RegexSyntaxError(`${code}: \`${expr}\`${hint}`);
  }

  /** `(?flags)`, `(?flags:re)`, `(?P<name>re)`, as Go 1.19's parsePerlFlags. Returns the next index. */
  #perlFlags(i: number): number {
    const s = this.#s;
    const t = s.slice(i);
    if (t.length > 4 && t[2] === 'P' && t[3] === '<') {
      const end = t.indexOf('>');
      if (end < 0) {
        this.#checkUTF8(i);
        this.#fail(INVALID_NAMED_CAPTURE, t);
      }
      const name = t.slice(4, end);
      this.#checkUTF8(i + 4, i + end);
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.#fail(INVALID_NAMED_CAPTURE, t.slice(0, end + 1));
      const number = ++this.#captures;
      this.#saved.push(this.#fold);
      const seen = this.#names.get(name);
      if (seen) {
        // Go allows a name twice; re2js does not, so the group goes unnamed and keeps its number.
        seen.push(number);
        this.#out += '(';
      } else {
        this.#names.set(name, [number]);
        this.#out += `(?P<${name}>`;
      }
      return i + end + 1;
    }

    let j = i + 2;
    let fold = this.#fold;
    let on = '';
    let off = '';
    let negated = false;
    let sawFlag = false;
    while (j < s.length) {
      const [c, width] = this.#rune(j);
      j += width;
      const ch = String.fromCodePoint(c);
      if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
        if (ch === 'i') fold = !negated;
        else if (negated) off += ch;
        else on += ch;
        sawFlag = true;
      } else if (ch === '-') {
        if (negated) break;
        negated = true;
        sawFlag = false;
      } else if (ch === ':' || ch === ')') {
        if (negated && !sawFlag) break;
        // `i` is spelled out in the literals and classes; the other flags re2js applies as Go does.
        this.#out += `(?${on}${off ? `-${off}` : ''}${ch}`;
        if (ch === ':') this.#saved.push(this.#fold);
        this.#fold = fold;
        return j;
      } else {
        break;
      }
    }
    const expr = s.slice(i, j);
    let hint = '';
    if (/^\(\?<?[=!]$/.test(expr) || (expr === '(?<' && /[=!]/.test(s[j] ?? ''))) hint = ' (lookahead and lookbehind are not supported in RE2)';
    else if (expr === '(?<') hint = ' (write a named group as (?P<name>re): Alertmanager 0.25 does not accept (?<name>re))';
    this.#fail(INVALID_PERL_OP, expr, hint);
  }

  #checkUTF8(from: number, to = this.#s.length): void {
    for (let k = from; k < to; ) k += this.#rune(k)[1];
  }

  /** A backslash outside a class, as Go's parse loop reads it. Returns the next index. */
  #escape(i: number): number {
    const s = this.#s;
    const next = s[i + 1];
    if (next === 'A' || next === 'b' || next === 'B' || next === 'z') {
      this.#out += s.slice(i, i + 2);
      return i + 2;
    }
    if (next === 'C') this.#fail(INVALID_ESCAPE, '\\C');
    if (next === 'Q') {
      // \Q...\E: literal text up to \E or the end.
      const end = s.indexOf('\\E', i + 2);
      const stop = end < 0 ? s.length : end;
      if (stop === i + 2) {
        this.#out += '(?)'; // pushes nothing, as in Go: `a*\Q\E*` is not `a**`
      } else {
        for (let k = i + 2; k < stop; ) {
          const [r, width] = this.#rune(k);
          this.#literal(r);
          k += width;
        }
      }
      return end < 0 ? s.length : end + 2;
    }
    if (next === 'p' || next === 'P') {
      const [cls, end] = this.#unicodeClass(i);
      this.#out += cachedClassText(cls);
      return end;
    }
    const perl = PERL_GROUPS[s.slice(i, i + 2)];
    if (perl) {
      this.#out += this.#fold ? classText(group(perl[0], perl[1], true)) : s.slice(i, i + 2);
      return i + 2;
    }
    const [r, end] = this.#parseEscape(i);
    this.#literal(r);
    return end;
  }

  /** Go's parseEscape: the code point of the escape at i (not a class escape) and the next index. */
  #parseEscape(i: number): [number, number] {
    const s = this.#s;
    if (i + 1 >= s.length) this.#fail(TRAILING_BACKSLASH, '');
    const [c, width] = this.#rune(i + 1);
    let t = i + 1 + width;
    const bad = (hint = ''): never => this.#fail(INVALID_ESCAPE, s.slice(i, t), hint);
    if (c < 0x80 && !isAlnum(c)) return [c, t]; // escaped punctuation is itself
    const ch = String.fromCodePoint(c);
    if (ch >= '1' && ch <= '7' && !(s[t] !== undefined && s[t]! >= '0' && s[t]! <= '7')) {
      bad(' (backreferences are not supported in RE2)'); // a single non-zero digit
    }
    if (ch >= '0' && ch <= '7') {
      let r = c - 0x30;
      for (let k = 1; k < 3 && s[t] !== undefined && s[t]! >= '0' && s[t]! <= '7'; k++) r = r * 8 + (s.charCodeAt(t++) - 0x30);
      return [r, t];
    }
    if (ch === '8' || ch === '9') bad(' (backreferences are not supported in RE2)');
    switch (ch) {
      case 'x': {
        if (t >= s.length) bad();
        const [c1, w1] = this.#rune(t);
        t += w1;
        if (c1 === 0x7b) {
          // \x{...}: at least one hex digit, at most U+10FFFF.
          let r = 0;
          let digits = 0;
          for (;;) {
            if (t >= s.length) bad();
            const [d, wd] = this.#rune(t);
            t += wd;
            if (d === 0x7d) break;
            const v = unhex(String.fromCodePoint(d));
            if (v < 0) bad();
            r = r * 16 + v;
            if (r > MAX_RUNE) bad();
            digits++;
          }
          if (digits === 0) bad();
          return [r, t];
        }
        // Two hex digits (Go reads the second even when the first is not one).
        const x = unhex(String.fromCodePoint(c1));
        let y = -1;
        if (t < s.length) {
          const [c2, w2] = this.#rune(t);
          t += w2;
          y = unhex(String.fromCodePoint(c2));
        }
        if (x < 0 || y < 0) bad();
        return [x * 16 + y, t];
      }
      case 'a':
        return [0x07, t];
      case 'f':
        return [0x0c, t];
      case 'n':
        return [0x0a, t];
      case 'r':
        return [0x0d, t];
      case 't':
        return [0x09, t];
      case 'v':
        return [0x0b, t];
    }
    return bad();
  }

  /** Go's parseUnicodeClass at i (`\p` or `\P`): the class, folded under `(?i)`, and the next index. */
  #unicodeClass(i: number): [Ranges, number] {
    const [sign, name, end] = this.#unicodeClassName(i);
    const key = `${this.#fold ? 'i' : ''}${sign < 0 ? '-' : '+'}${name}`;
    let cls = unicodeClasses.get(key);
    if (!cls) {
      const table = unicodeTable(name)!;
      // Under (?i) Go adds FoldCategory/FoldScript: the code points that fold to members.
      const members = this.#fold ? foldClosure(table) : table;
      cls = sign < 0 ? negate(members) : members;
      unicodeClasses.set(key, cls);
    }
    return [cls, end];
  }

  /** The sign and table name of `\p...` / `\P...` at i, and the next index; refuses an unknown name. */
  #unicodeClassName(i: number): [number, string, number] {
    const s = this.#s;
    let sign = s[i + 1] === 'P' ? -1 : +1;
    let seq: string;
    let name: string;
    let end: number;
    if (i + 2 >= s.length) {
      seq = s.slice(i, i + 2);
      name = '';
      end = i + 2;
    } else if (s[i + 2] !== '{') {
      const [, width] = this.#rune(i + 2);
      end = i + 2 + width;
      seq = s.slice(i, end);
      name = s.slice(i + 2, end);
    } else {
      const close = s.indexOf('}', i);
      if (close < 0) {
        this.#checkUTF8(i);
        this.#fail(INVALID_CHAR_RANGE, s.slice(i));
      }
      end = close + 1;
      seq = s.slice(i, end);
      name = s.slice(i + 3, close);
      this.#checkUTF8(i + 3, close);
    }
    if (name.startsWith('^')) {
      sign = -sign;
      name = name.slice(1);
    }
    if (!unicodeTable(name)) this.#fail(INVALID_CHAR_RANGE, seq);
    return [sign, name, end];
  }

  /** Go's parseClass at i (`[`): emits the class. Returns the next index. */
  #class(i: number): number {
    const s = this.#s;
    let t = i + 1;
    let sign = +1;
    if (s[t] === '^') {
      sign = -1;
      t++;
    }
    const pairs: Ranges = [];
    const add = (cls: Ranges) => pairs.push(...cls);
    let first = true; // `]` is a member when first
    while (t >= s.length || s[t] !== ']' || first) {
      first = false;
      // POSIX [:alnum:]: a `[:` with no `:]` after it is two literal characters.
      if (t + 2 < s.length && s[t] === '[' && s[t + 1] === ':') {
        const close = s.indexOf(':]', t + 2);
        if (close >= 0) {
          const name = s.slice(t, close + 2);
          const negated = name[2] === '^';
          const key = name.slice(negated ? 3 : 2, -2);
          if (!Object.hasOwn(POSIX_CLASSES, key)) this.#fail(INVALID_CHAR_RANGE, name);
          add(group(negated ? -1 : +1, POSIX_CLASSES[key]!, this.#fold));
          t = close + 2;
          continue;
        }
      }
      if (s[t] === '\\' && (s[t + 1] === 'p' || s[t + 1] === 'P')) {
        const [cls, end] = this.#unicodeClass(t);
        add(cls);
        t = end;
        continue;
      }
      const perl = PERL_GROUPS[s.slice(t, t + 2)];
      if (perl) {
        add(group(perl[0], perl[1], this.#fold));
        t += 2;
        continue;
      }
      // A character or a range lo-hi (`[a-]` is `a` and `-`).
      const start = t;
      let lo: number;
      [lo, t] = this.#classChar(t, i);
      let hi = lo;
      if (t + 1 < s.length && s[t] === '-' && s[t + 1] !== ']') {
        [hi, t] = this.#classChar(t + 1, i);
        if (hi < lo) this.#fail(INVALID_CHAR_RANGE, s.slice(start, t));
      }
      add(this.#fold ? foldClosure([lo, hi]) : [lo, hi]);
    }
    const cls = clean(pairs);
    this.#out += classText(sign < 0 ? negate(cls) : cls);
    return t + 1;
  }

  #classChar(t: number, classStart: number): [number, number] {
    if (t >= this.#s.length) this.#fail(MISSING_BRACKET, this.#s.slice(classStart));
    if (this.#s[t] === '\\') return this.#parseEscape(t);
    const [r, width] = this.#rune(t);
    return [r, t + width];
  }
}

/** Where Go's parseRepeat ends `{n}`, `{n,}` or `{n,m}` at i (no leading zeros), or -1: a literal `{`. */
function repeatEnd(s: string, i: number): number {
  let t = i + 1;
  const int = (): boolean => {
    if (!isDigit(s[t])) return false;
    if (s[t] === '0' && isDigit(s[t + 1])) return false;
    while (isDigit(s[t])) t++;
    return true;
  };
  if (!int()) return -1;
  if (s[t] === ',') {
    t++;
    if (s[t] !== '}' && !int()) return -1;
  }
  return s[t] === '}' ? t + 1 : -1;
}

/** Parses `pattern` as Go 1.19 does; throws RegexSyntaxError with Go's message where Go refuses it. */
export function translate(pattern: string): Translation {
  return new Translator(pattern).run();
}
