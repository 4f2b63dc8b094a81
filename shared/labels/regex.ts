/**
 * alertflow's one regular-expression engine: Go's RE2 syntax and semantics, in time linear in the
 * input whatever the pattern. Every regex goes through here: label matchers (routes, `match_re`,
 * inhibit rules, silences) and the template functions `match` and `reReplaceAll`. Label values and
 * silences come from outside, so no pattern/input pair may make matching super-linear; a
 * backtracking JS RegExp made `(a+)+$` over 36 characters stop the router (issue 10).
 *
 * The syntax is Go 1.19's, the Go Alertmanager 0.25 is built with: ./syntax.ts parses each
 * pattern as that parser does, refuses what it refuses with its messages, and spells every class
 * and case-insensitive literal out from Go 1.19's Unicode 13.0 tables (./unicode.ts). The engine
 * is re2js, a port of RE2/J (itself a port of Go's `regexp`), which matches the translated
 * pattern with Go's semantics (`.` excludes only `\n`, `$` is end of text without `(?m)`,
 * `\s \d \w \b` are ASCII, leftmost-first matching). docs/adr/0002 records why. Leaf module:
 * imports only npm packages.
 */
import { RE2JS, RE2JSException } from 're2js';
import { RegexSyntaxError, WHOLE_PATTERN_ERRORS, translate } from './syntax';
import { unicodeClassWeight } from './unicode';

export { RegexSyntaxError };

/** Reports engine work to the caller (the template step budget), which may throw to stop. */
export type Charge = (work: number) => void;

/**
 * A fixed allowance of engine work, in the units `Regex.cost` counts, shared by several matches.
 * The cost of a match is known before it runs, so a match that would not fit is not started:
 * what the caller does then (a silence treats it as not matching) is the caller's policy.
 */
export class Budget {
  readonly limit: number;
  #left: number;

  constructor(limit: number) {
    this.limit = limit;
    this.#left = limit;
  }

  get left(): number {
    return this.#left;
  }

  /** Takes `cost` and returns true when it fits in what is left; otherwise takes nothing. */
  take(cost: number): boolean {
    if (cost > this.#left) return false;
    this.#left -= cost;
    return true;
  }
}

/** A compiled pattern. Immutable; safe to cache and share. */
export class Regex {
  readonly source: string;
  readonly #re: RE2JS;
  /** RE2's own cost measure: an NFA pass does at most about this much work per character. */
  readonly #cost: number;
  readonly #names: ReadonlyMap<string, readonly number[]>;

  constructor(source: string, re: RE2JS, names: ReadonlyMap<string, readonly number[]>) {
    this.source = source;
    this.#re = re;
    this.#cost = Math.max(1, re.programSize());
    this.#names = names;
  }

  /** RE2's program size (instructions): the work of one NFA step over one character. */
  get programSize(): number {
    return this.#cost;
  }

  /** An upper bound on one search of `text`: (length + 1) × program size, in NFA steps. */
  cost(text: string): number {
    return (text.length + 1) * this.#cost;
  }

  /** Go's `MatchString`: whether the pattern matches anywhere in `text` (anchors are the pattern's). */
  test(text: string, charge?: Charge): boolean {
    charge?.(this.cost(text));
    return this.#re.test(text);
  }

  /**
   * `test`, run only when `cost(text)` fits in `budget` (which is charged it); undefined, with
   * nothing run or charged, when it does not. For patterns from outside: this runs RE2's one-pass,
   * bit-state and NFA engines (measured at up to about 35 ns per unit of `cost`, docs/adr/0002),
   * not the lazy DFA that `test` prefers: building DFA states for a pathological pattern costs
   * several times as much per unit (up to about 200 ns) and keeps up to 8 MB of states per
   * pattern. Same answer as `test`.
   */
  testWithin(text: string, budget: Budget): boolean | undefined {
    if (!budget.take(this.cost(text))) return undefined;
    // A Matcher's find() asks for the match position, which routes it past the DFA.
    return this.#re.matcher(text).find();
  }

  /**
   * Go's `ReplaceAllString`: every leftmost-first match replaced by `repl`, in which `$1`, `${1}`,
   * `$name`, `${name}` stand for groups and `$$` for `$` (Go's `Expand`, not JavaScript's rules);
   * an empty match right after a match is not replaced. Stops growing the result at `limit`
   * characters. Each search is charged the text it consumed times the program size.
   */
  replaceAll(text: string, repl: string, limit: number, charge?: Charge): string {
    const m = this.#re.matcher(text);
    const groups = this.#re.groupCount();
    let out = '';
    let lastEnd = 0;
    for (let pos = 0; pos <= text.length; ) {
      const found = m.find(pos);
      const a = found ? m.start() : text.length;
      const b = found ? m.end() : text.length;
      charge?.((b - pos + 1) * this.#cost);
      if (!found) break;
      out += text.slice(lastEnd, a);
      if (b > lastEnd || a === 0) {
        out += this.#expand(repl, (k) => (k <= groups && m.start(k) >= 0 ? text.slice(m.start(k), m.end(k)) : undefined));
      }
      if (out.length > limit) return out.slice(0, limit);
      lastEnd = b;
      // Advance past this match, and by at least one whole code point (as Go advances a rune).
      const width = pos < text.length ? (text.codePointAt(pos)! > 0xffff ? 2 : 1) : 1;
      pos = pos + width > b ? pos + width : b;
    }
    return out + text.slice(lastEnd);
  }

  #expand(repl: string, group: (k: number) => string | undefined): string {
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
        out += '$'; // malformed: the `$` is literal text, as in Go
        continue;
      }
      i = brace ? j + 1 : j;
      // A number names a group by index, anything else by name: the first group of that name
      // that took part in the match, as Go's Expand (a name may be used twice); else empty.
      if (/^\d+$/.test(name)) {
        if (name.length <= 8) out += group(Number(name)) ?? '';
      } else {
        for (const k of this.#names.get(name) ?? []) {
          const text = group(k);
          if (text !== undefined) {
            out += text;
            break;
          }
        }
      }
    }
  }
}

/**
 * An upper bound on the RE2 program size of `pattern`, from its text alone, without compiling,
 * and on the work of compiling it: compiling takes about 1 µs per instruction, and a 7 KB pattern
 * (`.{1000}` a thousand times) compiles to a million instructions, so a caller refusing large
 * programs from outside checks this first. Every atom counts one, every group, repeat and
 * alternative adds two, and `x{n,m}` counts x max(n, m) + 1 times. A Unicode class (`\pL`,
 * `\p{Greek}`, also inside brackets) is one instruction but is spelled out as its ranges, up to
 * about 650 (./syntax.ts), at about 0.5 µs a range to compile, so it counts its ranges. It
 * over-counts (alternatives of single characters compile to one class, `(?:a|b|c){1000}` about
 * 2,000 against 5,000 here), and is meant for a generous threshold.
 */
export function programSizeBound(pattern: string): number {
  // One frame per open group: the size of its finished alternatives, of the current one, and
  // of the last atom (what a repeat applies to).
  const stack: Array<{ done: number; branch: number; last: number }> = [{ done: 0, branch: 0, last: 0 }];
  let top = stack[0]!;
  const atom = (size: number) => {
    top.branch += size;
    top.last = size;
  };
  const repeat = (times: number) => {
    top.branch += (top.last + 2) * times - top.last;
    top.last = (top.last + 2) * times;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const text = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        for (let k = 0; k < text.length; k++) atom(1);
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if (e === 'p' || e === 'P') {
        const [name, end] = unicodeClassAt(pattern, i);
        i = end - 1;
        atom(unicodeClassWeight(name));
        continue;
      }
      // \x{10FFFF}: the braces are not a repeat.
      if (e === 'x' && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3);
        i = end < 0 ? pattern.length : end;
      } else {
        i++;
      }
      atom(1);
    } else if (c === '[') {
      // A class is one instruction; find its end: a leading `]` (after an optional `^`) is
      // literal, `[:alpha:]` nests, and escapes skip a character.
      let j = i + 1;
      let size = 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '\\' && (pattern[j + 1] === 'p' || pattern[j + 1] === 'P')) {
          const [name, end] = unicodeClassAt(pattern, j);
          size += unicodeClassWeight(name);
          j = end - 1;
        } else if (pattern[j] === '\\') j++;
        else if (pattern[j] === '[' && pattern[j + 1] === ':') {
          const end = pattern.indexOf(':]', j + 2);
          if (end > 0) j = end + 1;
        }
      }
      i = j;
      atom(size);
    } else if (c === '(') {
      // A flag group such as `(?i)` compiles to nothing, and a repeat after it repeats what came
      // before it (`a*(?i){5}` is `(?:a*){5}`).
      FLAG_GROUP.lastIndex = i;
      const flags = FLAG_GROUP.exec(pattern);
      if (flags) {
        i += flags[0].length - 1;
        continue;
      }
      top = { done: 0, branch: 0, last: 0 };
      stack.push(top);
    } else if (c === ')' && stack.length > 1) {
      const group = stack.pop()!;
      top = stack[stack.length - 1]!;
      atom(group.done + Math.max(group.branch, 1) + 2);
    } else if (c === '|') {
      // An empty alternative still compiles to an instruction (an empty match).
      top.done += Math.max(top.branch, 1) + 2;
      top.branch = 0;
      top.last = 0;
    } else if (c === '*' || c === '+' || c === '?') {
      repeat(1);
    } else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(pattern.slice(i, i + 16));
      if (!m) {
        atom(1);
        continue;
      }
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? min + 1 : Number(m[3]);
      repeat(Math.max(min, max, 1) + 1);
      i += m[0].length - 1;
    } else {
      atom(1);
    }
  }
  let total = 0;
  for (const frame of stack) total += frame.done + Math.max(frame.branch, 1) + 2;
  return total;
}

const FLAG_GROUP = /\(\?[imsU-]*\)/y;

/** The table name of `\p...` / `\P...` at i (`L` of `\pL`, `Greek` of `\p{^Greek}`) and where it ends. */
function unicodeClassAt(pattern: string, i: number): [string, number] {
  if (pattern[i + 2] === '{') {
    const end = pattern.indexOf('}', i + 3);
    return end < 0 ? ['', pattern.length] : [pattern.slice(i + 3, end).replace(/^\^/, ''), end + 1];
  }
  const width = (pattern.codePointAt(i + 2) ?? 0) > 0xffff ? 2 : 1;
  return [pattern.slice(i + 2, i + 2 + width), Math.min(pattern.length, i + 2 + width)];
}

// Compiling costs tens of microseconds and silences are compiled each time they are evaluated, so
// compiled patterns are kept, bounded by count and total pattern length (patterns come from outside).
const cache = new Map<string, Regex | RegexSyntaxError>();
const CACHE_MAX_ENTRIES = 1000;
const CACHE_MAX_CHARS = 1_000_000;
let cachedChars = 0;

/** Whether `compileRegex(pattern)` would answer from its cache (no compile to pay for). */
export function isRegexCached(pattern: string): boolean {
  return cache.has(pattern);
}

/** Compile an RE2 pattern (cached). Throws RegexSyntaxError with Go's wording when RE2 rejects it. */
export function compileRegex(pattern: string): Regex {
  const hit = cache.get(pattern);
  if (hit instanceof RegexSyntaxError) throw hit;
  if (hit) return hit;
  let result: Regex | RegexSyntaxError;
  try {
    const { source, names } = translate(pattern);
    result = new Regex(pattern, RE2JS.compile(source), names);
  } catch (err) {
    if (err instanceof RegexSyntaxError) {
      result = err;
    } else if (err instanceof RE2JSException) {
      // What re2js finds in the translation is structural (a repetition without an argument, a
      // bad count, a missing paren, the size limits); a message quoting the whole pattern quotes
      // it as written.
      const reason = err.message.replace(/^error parsing regexp: /, '');
      const whole = WHOLE_PATTERN_ERRORS.find((code) => reason.startsWith(code));
      result = new RegexSyntaxError(whole ? `${whole}: \`${pattern}\`` : reason);
    } else {
      throw err;
    }
  }
  if (cache.size >= CACHE_MAX_ENTRIES || cachedChars + pattern.length > CACHE_MAX_CHARS) {
    cache.clear();
    cachedChars = 0;
  }
  cache.set(pattern, result);
  cachedChars += pattern.length;
  if (result instanceof RegexSyntaxError) throw result;
  return result;
}
