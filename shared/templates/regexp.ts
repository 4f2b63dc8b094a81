/**
 * Regular expressions for the template functions `match` and `reReplaceAll`.
 *
 * Alertmanager evaluates these with Go's `regexp` (RE2 syntax, linear time). JavaScript's RegExp
 * backtracks, so a user's pattern such as `(a+)+$` against a 30-character label value can hang a
 * Lambda, and limiting the input length does not help (the blow-up is exponential in ~30 chars).
 * So this module implements the RE2 syntax Go accepts with a Pike VM: time is O(pattern × input)
 * whatever the pattern, and the VM reports its work to the caller's step budget.
 *
 * Supported: literals, `.`, `[...]` classes with ranges, negation, `[:alpha:]`-style POSIX classes,
 * `\d \s \w` (ASCII, as in Go) and their negations, `\pL` / `\p{Greek}` Unicode classes, anchors
 * `^ $ \A \z \b \B`, groups `(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`, flags
 * `(?imsU)` / `(?i:...)`, alternation, `* + ? {n} {n,} {n,m}` and their lazy forms, escapes
 * `\n \t \x41 \x{263a} \123 \Q...\E`. Like RE2 there are no backreferences and no lookaround.
 * Semantics are Go's: leftmost-first matching, `$` without `(?m)` matches only at the end of text,
 * `.` does not match `\n` without `(?s)`.
 */

export class RegexpError extends Error {}

/** Longest pattern accepted; keeps compiled programs small. */
export const MAX_PATTERN_LENGTH = 1000;
/**
 * Longest text `match` / `reReplaceAll` look at (10 KB). Longer text does not match, and is
 * returned unchanged by `reReplaceAll`, so the cost of one call stays predictable.
 */
export const MAX_INPUT_LENGTH = 10 * 1024;
const MAX_REPEAT = 1000;
const MAX_PROGRAM = 10_000;
const MAX_NESTING = 100;

type Matcher = (c: number) => boolean;
type ClassItem = readonly [number, number] | Matcher;
interface CharClass {
  readonly items: readonly ClassItem[];
  readonly neg: boolean;
  readonly fold: boolean;
}
type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb';
interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

type RNode =
  | { t: 'empty' }
  | { t: 'lit'; c: number; fold: boolean }
  | { t: 'class'; cls: CharClass }
  | { t: 'any'; nl: boolean }
  | { t: 'assert'; k: AssertKind }
  | { t: 'cat'; xs: RNode[] }
  | { t: 'alt'; xs: RNode[] }
  | { t: 'rep'; x: RNode; min: number; max: number; greedy: boolean }
  | { t: 'cap'; x: RNode; n: number };

interface SplitInst {
  op: 'split';
  x: number;
  y: number;
}
interface JmpInst {
  op: 'jmp';
  x: number;
}
type Inst =
  | { op: 'char'; c: number; fold: boolean }
  | { op: 'class'; cls: CharClass }
  | { op: 'any'; nl: boolean }
  | SplitInst
  | JmpInst
  | { op: 'save'; n: number }
  | { op: 'assert'; k: AssertKind }
  | { op: 'match' };

/** A compiled pattern. Immutable; safe to cache and share. */
export interface Regexp {
  readonly prog: readonly Inst[];
  readonly ncap: number;
  /** Capture group names by index (index 0 is the whole match). */
  readonly names: readonly (string | undefined)[];
}

const NL = 10;
const DIGIT: readonly ClassItem[] = [[48, 57]];
const SPACE: readonly ClassItem[] = [
  [9, 10],
  [12, 13],
  [32, 32],
];
const WORD: readonly ClassItem[] = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const POSIX: ReadonlyMap<string, readonly ClassItem[]> = new Map<string, readonly ClassItem[]>([
  ['alnum', [[48, 57], [65, 90], [97, 122]]],
  ['alpha', [[65, 90], [97, 122]]],
  ['ascii', [[0, 127]]],
  ['blank', [[9, 9], [32, 32]]],
  ['cntrl', [[0, 31], [127, 127]]],
  ['digit', DIGIT],
  ['graph', [[33, 126]]],
  ['lower', [[97, 122]]],
  ['print', [[32, 126]]],
  ['punct', [[33, 47], [58, 64], [91, 96], [123, 126]]],
  ['space', [[9, 13], [32, 32]]],
  ['upper', [[65, 90]]],
  ['word', WORD],
  ['xdigit', [[48, 57], [65, 70], [97, 102]]],
]);

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isOctal = (c: number): boolean => c >= 48 && c <= 55;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const hexVal = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function simpleCase(c: number, upper: boolean): number {
  if (c < 128) {
    if (upper) return c >= 97 && c <= 122 ? c - 32 : c;
    return c >= 65 && c <= 90 ? c + 32 : c;
  }
  const ch = String.fromCodePoint(c);
  const s = upper ? ch.toUpperCase() : ch.toLowerCase();
  const d = s.codePointAt(0)!;
  // Only one-to-one mappings: "ß".toUpperCase() is "SS", which no single character can match.
  return s.length === String.fromCodePoint(d).length ? d : c;
}
const lower = (c: number): number => simpleCase(c, false);
const upper = (c: number): number => simpleCase(c, true);

function inItems(items: readonly ClassItem[], c: number): boolean {
  for (const it of items) {
    if (typeof it === 'function' ? it(c) : c >= it[0] && c <= it[1]) return true;
  }
  return false;
}

function classMatches(cls: CharClass, c: number): boolean {
  let r = inItems(cls.items, c);
  if (!r && cls.fold) {
    const l = lower(c);
    const u = upper(c);
    r = (l !== c && inItems(cls.items, l)) || (u !== c && inItems(cls.items, u));
  }
  return cls.neg ? !r : r;
}

const unicodeCache = new Map<string, RegExp | null>();
/** A one-character test for a Unicode class name; the name is checked to be a bare word first. */
function unicodeClass(name: string): RegExp | null {
  const hit = unicodeCache.get(name);
  if (hit !== undefined) return hit;
  let re: RegExp | null = null;
  if (/^[A-Za-z_]{1,40}$/.test(name)) {
    for (const src of [`^\\p{${name}}$`, `^\\p{Script=${name}}$`]) {
      try {
        re = new RegExp(src, 'u');
        break;
      } catch {
        // Not a property of that form; try the next.
      }
    }
  }
  if (unicodeCache.size < 200) unicodeCache.set(name, re);
  return re;
}

class Parser {
  private p = 0;
  private depth = 0;
  ncap = 0;
  readonly names: (string | undefined)[] = [undefined];

  constructor(private readonly s: readonly number[]) {}

  private peek(o = 0): number {
    return this.s[this.p + o] ?? -1;
  }

  private err(msg: string): never {
    throw new RegexpError(msg);
  }

  parse(): RNode {
    const node = this.alt({ i: false, m: false, s: false, U: false });
    if (this.p < this.s.length) this.err('unexpected )');
    return node;
  }

  /** `f` is shared by the alternatives: a `(?i)` holds to the end of the enclosing group, as in RE2. */
  private alt(f: Flags): RNode {
    const xs = [this.concat(f)];
    while (this.peek() === 0x7c) {
      this.p++;
      xs.push(this.concat(f));
    }
    return xs.length === 1 ? xs[0]! : { t: 'alt', xs };
  }

  private concat(f: Flags): RNode {
    const xs: RNode[] = [];
    for (;;) {
      const c = this.peek();
      if (c === -1 || c === 0x7c || c === 0x29) break;
      const a = this.atom(f);
      if (a) xs.push(this.repeat(a, f));
    }
    if (xs.length === 0) return { t: 'empty' };
    return xs.length === 1 ? xs[0]! : { t: 'cat', xs };
  }

  private repeat(x: RNode, f: Flags): RNode {
    const r = this.repeatOp();
    if (!r) return x;
    let greedy = true;
    if (this.peek() === 0x3f) {
      this.p++;
      greedy = false;
    }
    if (f.U) greedy = !greedy;
    if (this.repeatOp()) this.err('invalid nested repetition operator');
    return { t: 'rep', x, min: r.min, max: r.max, greedy };
  }

  private repeatOp(): { min: number; max: number } | null {
    switch (this.peek()) {
      case 0x2a:
        this.p++;
        return { min: 0, max: -1 };
      case 0x2b:
        this.p++;
        return { min: 1, max: -1 };
      case 0x3f:
        this.p++;
        return { min: 0, max: 1 };
      case 0x7b:
        return this.braces();
      default:
        return null;
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` at the cursor; null (cursor unmoved) when it is a literal `{`. */
  private braces(): { min: number; max: number } | null {
    let q = this.p + 1;
    const num = (): number => {
      const start = q;
      let v = 0;
      while (isDigit(this.s[q] ?? -1)) v = Math.min(v * 10 + (this.s[q++]! - 48), 1e6);
      return q > start ? v : -1;
    };
    const min = num();
    if (min < 0) return null;
    let max = min;
    if (this.s[q] === 0x2c) {
      q++;
      max = num();
    }
    if (this.s[q] !== 0x7d) return null;
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) this.err('invalid repeat count');
    this.p = q + 1;
    return { min, max };
  }

  private lit(c: number, f: Flags): RNode {
    return { t: 'lit', c: f.i ? lower(c) : c, fold: f.i };
  }

  private atom(f: Flags): RNode | null {
    const c = this.peek();
    switch (c) {
      case 0x28:
        return this.group(f);
      case 0x5b:
        return this.charClass(f);
      case 0x2e:
        this.p++;
        return { t: 'any', nl: f.s };
      case 0x5e:
        this.p++;
        return { t: 'assert', k: f.m ? 'bol' : 'bot' };
      case 0x24:
        this.p++;
        return { t: 'assert', k: f.m ? 'eol' : 'eot' };
      case 0x5c:
        return this.escape(f);
      case 0x2a:
      case 0x2b:
      case 0x3f:
        return this.err(`missing argument to repetition operator: \`${String.fromCodePoint(c)}\``);
      case 0x7b: {
        const at = this.p;
        if (this.braces()) {
          this.p = at;
          return this.err('missing argument to repetition operator: `{`');
        }
        break;
      }
    }
    this.p++;
    return this.lit(c, f);
  }

  private group(f: Flags): RNode | null {
    this.p++;
    if (++this.depth > MAX_NESTING) this.err('expression nests too deeply');
    try {
      if (this.peek() === 0x3f) {
        this.p++;
        let c = this.peek();
        if (c === 0x50 && this.peek(1) === 0x3c) {
          this.p++;
          c = 0x3c;
        }
        if (c === 0x3c && this.peek(1) !== 0x3d && this.peek(1) !== 0x21) {
          this.p++;
          const start = this.p;
          while (this.peek() !== -1 && this.peek() !== 0x3e) this.p++;
          const name = String.fromCodePoint(...this.s.slice(start, this.p));
          if (this.peek() !== 0x3e || !/^[A-Za-z0-9_]+$/.test(name)) this.err(`invalid named capture: \`(?P<${name}\``);
          if (this.names.includes(name)) this.err(`duplicate capture group name: \`${name}\``);
          this.p++;
          const n = ++this.ncap;
          this.names[n] = name;
          const x = this.alt({ ...f });
          this.close();
          return { t: 'cap', x, n };
        }
        if (c === 0x3d || c === 0x21 || c === 0x3c) this.err('lookahead and lookbehind are not supported (RE2 syntax)');
        if (c === 0x50) this.err('backreferences are not supported (RE2 syntax)');
        return this.flagGroup(f);
      }
      const n = ++this.ncap;
      this.names[n] = undefined;
      const x = this.alt({ ...f });
      this.close();
      return { t: 'cap', x, n };
    } finally {
      this.depth--;
    }
  }

  /** `(?flags)` changes `f` for the rest of the group (returns null); `(?flags:re)` is a group. */
  private flagGroup(f: Flags): RNode | null {
    const nf = { ...f };
    let neg = false;
    let saw = false;
    for (;;) {
      const c = this.peek();
      this.p++;
      if (c === 0x69 || c === 0x6d || c === 0x73 || c === 0x55) {
        nf[c === 0x69 ? 'i' : c === 0x6d ? 'm' : c === 0x73 ? 's' : 'U'] = !neg;
        saw = true;
      } else if (c === 0x2d && !neg) {
        neg = true;
        saw = false;
      } else if (c === 0x29 && saw) {
        Object.assign(f, nf);
        return null;
      } else if (c === 0x3a && (saw || !neg)) {
        // `(?:re)` or `(?flags:re)`; `(?-:re)` is invalid, as in Go.
        const x = this.alt(nf);
        this.close();
        return x;
      } else {
        return this.err('invalid or unsupported Perl syntax: `(?`');
      }
    }
  }

  private close(): void {
    if (this.peek() !== 0x29) this.err('missing closing )');
    this.p++;
  }

  private perl(letter: number): { items: readonly ClassItem[]; neg: boolean } | null {
    switch (letter) {
      case 0x64:
        return { items: DIGIT, neg: false };
      case 0x44:
        return { items: DIGIT, neg: true };
      case 0x73:
        return { items: SPACE, neg: false };
      case 0x53:
        return { items: SPACE, neg: true };
      case 0x77:
        return { items: WORD, neg: false };
      case 0x57:
        return { items: WORD, neg: true };
      default:
        return null;
    }
  }

  private escape(f: Flags): RNode {
    const e = this.peek(1);
    const perl = this.perl(e);
    if (perl) {
      this.p += 2;
      return { t: 'class', cls: { items: perl.items, neg: perl.neg, fold: false } };
    }
    switch (e) {
      case -1:
        return this.err('trailing backslash at end of expression');
      case 0x41:
        this.p += 2;
        return { t: 'assert', k: 'bot' };
      case 0x7a:
        this.p += 2;
        return { t: 'assert', k: 'eot' };
      case 0x62:
        this.p += 2;
        return { t: 'assert', k: 'wb' };
      case 0x42:
        this.p += 2;
        return { t: 'assert', k: 'nwb' };
      case 0x70:
      case 0x50:
        this.p++;
        return { t: 'class', cls: { items: [this.unicode()], neg: false, fold: false } };
      case 0x51: {
        this.p += 2;
        const xs: RNode[] = [];
        while (this.p < this.s.length) {
          if (this.peek() === 0x5c && this.peek(1) === 0x45) {
            this.p += 2;
            break;
          }
          xs.push(this.lit(this.s[this.p++]!, f));
        }
        return { t: 'cat', xs };
      }
    }
    this.p++;
    return this.lit(this.escapeChar(), f);
  }

  /** The character of an escape; the cursor is just after the backslash. */
  private escapeChar(): number {
    const c = this.peek();
    if (c === -1) this.err('trailing backslash at end of expression');
    this.p++;
    if (c >= 0x31 && c <= 0x37 && !isOctal(this.peek())) {
      this.err(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\` (backreferences are not supported)`);
    }
    if (isOctal(c)) {
      let v = c - 48;
      for (let k = 0; k < 2 && isOctal(this.peek()); k++) v = v * 8 + (this.s[this.p++]! - 48);
      return v;
    }
    switch (c) {
      case 0x78: {
        if (this.peek() === 0x7b) {
          this.p++;
          let v = 0;
          let n = 0;
          while (hexVal(this.peek()) >= 0) {
            v = v * 16 + hexVal(this.s[this.p++]!);
            n++;
            if (v > 0x10ffff) this.err('invalid escape sequence: `\\x{`');
          }
          if (this.peek() !== 0x7d || n === 0) this.err('invalid escape sequence: `\\x{`');
          this.p++;
          return v;
        }
        const h1 = hexVal(this.peek());
        const h2 = hexVal(this.peek(1));
        if (h1 < 0 || h2 < 0) this.err('invalid escape sequence: `\\x`');
        this.p += 2;
        return h1 * 16 + h2;
      }
      case 0x61:
        return 7;
      case 0x66:
        return 12;
      case 0x6e:
        return 10;
      case 0x72:
        return 13;
      case 0x74:
        return 9;
      case 0x76:
        return 11;
    }
    if (c < 0x80 && !isAlnum(c)) return c;
    return this.err(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\``);
  }

  /** `\pL`, `\p{Greek}`, `\P{L}`, `\p{^L}`; the cursor is on the `p` or `P`. */
  private unicode(): ClassItem {
    let neg = this.peek() === 0x50;
    this.p++;
    let name: string;
    if (this.peek() === 0x7b) {
      const start = this.p + 1;
      let end = start;
      while (end < this.s.length && this.s[end] !== 0x7d) end++;
      if (end >= this.s.length) this.err('invalid character class range: missing }');
      name = String.fromCodePoint(...this.s.slice(start, end));
      this.p = end + 1;
    } else {
      const c = this.peek();
      if (c === -1) this.err('invalid character class range: `\\p`');
      name = String.fromCodePoint(c);
      this.p++;
    }
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const re = name === 'Any' ? /^[\s\S]$/u : unicodeClass(name);
    if (!re) return this.err(`invalid character class range: \`\\p{${name}}\``);
    return neg ? (c: number) => !re.test(String.fromCodePoint(c)) : (c: number) => re.test(String.fromCodePoint(c));
  }

  private charClass(f: Flags): RNode {
    this.p++;
    let neg = false;
    if (this.peek() === 0x5e) {
      neg = true;
      this.p++;
    }
    const items: ClassItem[] = [];
    for (let first = true; ; first = false) {
      const c = this.peek();
      if (c === -1) this.err('missing closing ]');
      if (c === 0x5d && !first) {
        this.p++;
        break;
      }
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const posix = this.posix();
        if (posix) {
          items.push(posix);
          continue;
        }
      }
      if (c === 0x5c) {
        const perl = this.perl(this.peek(1));
        if (perl) {
          this.p += 2;
          const set = perl.items;
          if (perl.neg) items.push((x: number) => !inItems(set, x));
          else items.push(...set);
          continue;
        }
        if (this.peek(1) === 0x70 || this.peek(1) === 0x50) {
          this.p++;
          items.push(this.unicode());
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) !== -1) {
        this.p++;
        hi = this.classChar();
        if (hi < lo) this.err('invalid character class range');
      }
      items.push([lo, hi]);
    }
    return { t: 'class', cls: { items, neg, fold: f.i } };
  }

  /** `[:alpha:]` / `[:^alpha:]` at the cursor, or null when it is not one (then `[` is literal). */
  private posix(): ClassItem | null {
    let end = this.p + 2;
    while (end + 1 < this.s.length && !(this.s[end] === 0x3a && this.s[end + 1] === 0x5d)) end++;
    if (end + 1 >= this.s.length) return null;
    let name = String.fromCodePoint(...this.s.slice(this.p + 2, end));
    const neg = name.startsWith('^');
    if (neg) name = name.slice(1);
    const set = POSIX.get(name);
    if (!set) return this.err(`invalid character class range: \`[:${name}:]\``);
    this.p = end + 2;
    return neg ? (x: number) => !inItems(set, x) : (x: number) => inItems(set, x);
  }

  private classChar(): number {
    const c = this.peek();
    if (c === -1) this.err('missing closing ]');
    this.p++;
    if (c !== 0x5c) return c;
    const e = this.peek();
    if (this.perl(e) || e === 0x70 || e === 0x50) this.err('invalid character class range');
    return this.escapeChar();
  }
}

class Compiler {
  readonly prog: Inst[] = [];

  inst(i: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new RegexpError('expression too large');
    this.prog.push(i);
    return this.prog.length - 1;
  }

  emit(n: RNode): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'lit':
        this.inst({ op: 'char', c: n.c, fold: n.fold });
        return;
      case 'class':
        this.inst({ op: 'class', cls: n.cls });
        return;
      case 'any':
        this.inst({ op: 'any', nl: n.nl });
        return;
      case 'assert':
        this.inst({ op: 'assert', k: n.k });
        return;
      case 'cat':
        for (const x of n.xs) this.emit(x);
        return;
      case 'alt': {
        const jmps: JmpInst[] = [];
        for (let k = 0; k < n.xs.length - 1; k++) {
          const split: SplitInst = { op: 'split', x: 0, y: 0 };
          split.x = this.inst(split) + 1;
          this.emit(n.xs[k]!);
          const j: JmpInst = { op: 'jmp', x: 0 };
          this.inst(j);
          jmps.push(j);
          split.y = this.prog.length;
        }
        this.emit(n.xs[n.xs.length - 1]!);
        for (const j of jmps) j.x = this.prog.length;
        return;
      }
      case 'cap':
        this.inst({ op: 'save', n: 2 * n.n });
        this.emit(n.x);
        this.inst({ op: 'save', n: 2 * n.n + 1 });
        return;
      case 'rep':
        this.rep(n.x, n.min, n.max, n.greedy);
        return;
    }
  }

  private rep(x: RNode, min: number, max: number, greedy: boolean): void {
    // A split lists the preferred branch first; a lazy operator prefers to stop.
    const order = (split: SplitInst, body: number, out: number): void => {
      split.x = greedy ? body : out;
      split.y = greedy ? out : body;
    };
    if (max === -1) {
      if (min === 0) {
        const split: SplitInst = { op: 'split', x: 0, y: 0 };
        const loop = this.inst(split);
        this.emit(x);
        this.inst({ op: 'jmp', x: loop });
        order(split, loop + 1, this.prog.length);
        return;
      }
      for (let k = 0; k < min - 1; k++) this.emit(x);
      const body = this.prog.length;
      this.emit(x);
      const split: SplitInst = { op: 'split', x: 0, y: 0 };
      this.inst(split);
      order(split, body, this.prog.length);
      return;
    }
    for (let k = 0; k < min; k++) this.emit(x);
    const optional: { split: SplitInst; body: number }[] = [];
    for (let k = min; k < max; k++) {
      const split: SplitInst = { op: 'split', x: 0, y: 0 };
      optional.push({ split, body: this.inst(split) + 1 });
      this.emit(x);
    }
    // Skipping one optional copy skips the rest: x{1,3} is x(x(x)?)?.
    for (const o of optional) order(o.split, o.body, this.prog.length);
  }
}

/** Compiled patterns, bounded by total program size (patterns may come from label values). */
const cache = new Map<string, Regexp | RegexpError>();
const CACHE_MAX_INSTRUCTIONS = 100_000;
let cachedInstructions = 0;

/** Compile a pattern (cached). Throws RegexpError with Go-like wording when it is invalid. */
export function compileRegexp(pattern: string): Regexp {
  const hit = cache.get(pattern);
  if (hit instanceof RegexpError) throw hit;
  if (hit) return hit;
  let result: Regexp | RegexpError;
  try {
    if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexpError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
    const parser = new Parser(Array.from(pattern, (ch) => ch.codePointAt(0)!));
    const root = parser.parse();
    const c = new Compiler();
    c.inst({ op: 'save', n: 0 });
    c.emit(root);
    c.inst({ op: 'save', n: 1 });
    c.inst({ op: 'match' });
    result = Object.freeze({ prog: c.prog, ncap: parser.ncap, names: parser.names });
  } catch (e) {
    if (!(e instanceof RegexpError)) throw e;
    result = e;
  }
  const size = result instanceof RegexpError ? 1 : result.prog.length;
  if (cache.size >= 500 || cachedInstructions + size > CACHE_MAX_INSTRUCTIONS) {
    cache.clear();
    cachedInstructions = 0;
  }
  cache.set(pattern, result);
  cachedInstructions += size;
  if (result instanceof RegexpError) throw result;
  return result;
}

/** Reports VM work (thread steps) to the caller, which may throw to stop. */
export type Charge = (work: number) => void;

interface Input {
  readonly text: string;
  readonly cps: readonly number[];
  /** UTF-16 offset of each code point, plus one for the end. */
  readonly offs: readonly number[];
}

function toInput(text: string): Input {
  const cps: number[] = [];
  const offs: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    offs.push(i);
    cps.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  offs.push(text.length);
  return { text, cps, offs };
}

interface Thread {
  pc: number;
  caps: number[];
}

/** Per-search scratch: a visited mark per instruction, reset by bumping the generation. */
class Machine {
  readonly marks: Uint32Array;
  gen = 0;
  constructor(
    readonly re: Regexp,
    readonly inp: Input,
    readonly charge: Charge,
  ) {
    this.marks = new Uint32Array(re.prog.length);
  }

  private assert(k: AssertKind, pos: number): boolean {
    const { cps } = this.inp;
    const n = cps.length;
    switch (k) {
      case 'bot':
        return pos === 0;
      case 'eot':
        return pos === n;
      case 'bol':
        return pos === 0 || cps[pos - 1] === NL;
      case 'eol':
        return pos === n || cps[pos] === NL;
      case 'wb':
      case 'nwb': {
        const before = pos > 0 && isWordChar(cps[pos - 1]!);
        const after = pos < n && isWordChar(cps[pos]!);
        return (before !== after) === (k === 'wb');
      }
    }
  }

  /** Follow empty transitions from `pc0`, in priority order, adding the threads that consume. */
  private add(list: Thread[], pc0: number, caps0: number[], pos: number, gen: number): number {
    const pcs = [pc0];
    const capss = [caps0];
    let work = 0;
    while (pcs.length > 0) {
      const pc = pcs.pop()!;
      const caps = capss.pop()!;
      if (this.marks[pc] === gen) continue;
      this.marks[pc] = gen;
      work++;
      const inst = this.re.prog[pc]!;
      switch (inst.op) {
        case 'jmp':
          pcs.push(inst.x);
          capss.push(caps);
          break;
        case 'split':
          pcs.push(inst.y, inst.x);
          capss.push(caps, caps);
          break;
        case 'save': {
          const next = caps.slice();
          next[inst.n] = pos;
          pcs.push(pc + 1);
          capss.push(next);
          break;
        }
        case 'assert':
          if (this.assert(inst.k, pos)) {
            pcs.push(pc + 1);
            capss.push(caps);
          }
          break;
        default:
          list.push({ pc, caps });
      }
    }
    return work;
  }

  /** The leftmost-first match starting at or after `start`, as code-point capture positions. */
  exec(start: number): number[] | null {
    const { prog } = this.re;
    const { cps } = this.inp;
    const n = cps.length;
    const init = new Array<number>(2 * (this.re.ncap + 1)).fill(-1);
    let clist: Thread[] = [];
    let nlist: Thread[] = [];
    let cgen = ++this.gen;
    let matched: number[] | null = null;
    let work = 0;
    for (let pos = start; ; pos++) {
      // A new attempt starts at each position until something matches, at the lowest priority.
      if (matched === null) work += this.add(clist, 0, init, pos, cgen);
      const c = pos < n ? cps[pos]! : -1;
      const ngen = ++this.gen;
      for (const t of clist) {
        const inst = prog[t.pc]!;
        if (inst.op === 'match') {
          matched = t.caps;
          break; // lower-priority threads lose to this match
        }
        let ok = false;
        if (c >= 0) {
          if (inst.op === 'char') ok = inst.fold ? lower(c) === inst.c : c === inst.c;
          else if (inst.op === 'class') ok = classMatches(inst.cls, c);
          else if (inst.op === 'any') ok = inst.nl || c !== NL;
        }
        if (ok) work += this.add(nlist, t.pc + 1, t.caps, pos + 1, ngen);
      }
      work += clist.length;
      if (work >= 4096) {
        this.charge(work);
        work = 0;
      }
      if (pos >= n) break;
      clist = nlist;
      nlist = [];
      cgen = ngen;
      if (clist.length === 0 && matched !== null) break;
    }
    this.charge(work);
    return matched;
  }

  slice(from: number, to: number): string {
    return this.inp.text.slice(this.inp.offs[from], this.inp.offs[to]);
  }
}

/** Go's `regexp.MatchString`: whether the pattern matches anywhere in `text`. */
export function matchString(re: Regexp, text: string, charge: Charge): boolean {
  if (text.length > MAX_INPUT_LENGTH) return false;
  return new Machine(re, toInput(text), charge).exec(0) !== null;
}

/**
 * Go's `Regexp.ReplaceAllString`: every match replaced by `repl`, in which `$1`, `${1}`, `$name`,
 * `${name}` stand for groups and `$$` for `$`. Stops growing the result past `limit` characters.
 */
export function replaceAllString(re: Regexp, text: string, repl: string, charge: Charge, limit: number): string {
  if (text.length > MAX_INPUT_LENGTH) return text;
  const m = new Machine(re, toInput(text), charge);
  const n = m.inp.cps.length;
  let out = '';
  let lastEnd = 0;
  for (let pos = 0; pos <= n; ) {
    const caps = m.exec(pos);
    if (!caps) break;
    const [a, b] = [caps[0]!, caps[1]!];
    out += m.slice(lastEnd, a);
    // No replacement for an empty match right after a match, as in Go.
    if (b > lastEnd || a === 0) out += expand(m, repl, caps);
    if (out.length > limit) return out.slice(0, limit);
    lastEnd = b;
    pos = pos + 1 > b ? pos + 1 : b;
  }
  return out + m.slice(lastEnd, n);
}

function expand(m: Machine, repl: string, caps: readonly number[]): string {
  let out = '';
  let i = 0;
  for (;;) {
    const d = repl.indexOf('$', i);
    if (d < 0) return out + repl.slice(i);
    out += repl.slice(i, d);
    i = d + 1;
    if (repl[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = repl[i] === '{';
    let j = brace ? i + 1 : i;
    const start = j;
    while (j < repl.length && /[A-Za-z0-9_]/.test(repl[j]!)) j++;
    const name = repl.slice(start, j);
    if (name === '' || (brace && repl[j] !== '}')) {
      out += '$'; // malformed: the `$` is literal text
      continue;
    }
    i = brace ? j + 1 : j;
    const k = /^\d+$/.test(name) ? (name.length > 8 ? -1 : Number(name)) : m.re.names.indexOf(name);
    if (k >= 0 && k <= m.re.ncap && caps[2 * k]! >= 0) out += m.slice(caps[2 * k]!, caps[2 * k + 1]!);
  }
}
