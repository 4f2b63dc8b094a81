import { RegexSyntaxError, compileRegex, isRegexCached, programSizeBound, type Regex } from '../labels/regex';
import { Duration, TemplateTime, formatTime, humanizeDuration, inZone, isZone, isZoneCached } from './gotime';
import { STRINGS, T, indexType, indexValue, sameType, type ParamKind, type SType } from './model';
import {
  AlertList,
  KV,
  Pairs,
  SafeString,
  element,
  formatValue,
  goTypeName,
  listItems,
  toText,
  truth,
  type Value,
} from './values';

/** What a function may use while running: the string size cap, the clock, the step budget. */
export interface FuncCtx {
  /** Longest string a function may build (the render's maxOutput). */
  readonly limit: number;
  /** Epoch milliseconds for `since`. */
  readonly now: number;
  /** Spend template steps; throws when the budget is gone. */
  readonly charge: (steps: number) => void;
}

/** A literal argument's value, or undefined when the argument is not a literal. */
export type Literal = string | number | boolean | undefined;

export interface FuncDef {
  /** Required parameters, in order (a piped value is the last argument). */
  readonly params: readonly ParamKind[];
  /** Further arguments allowed, all of this kind. */
  readonly rest?: ParamKind;
  /** Most arguments in all, when `rest` is set. */
  readonly max?: number;
  readonly result: SType | ((args: readonly SType[]) => SType);
  /** Compile-time check of argument types beyond `params`; returns a problem. */
  readonly checkTypes?: (args: readonly SType[]) => string | undefined;
  /** Compile-time check of literal arguments (a regex, a printf format); returns a problem. */
  readonly checkLiterals?: (lits: readonly Literal[]) => string | undefined;
  readonly call: (ctx: FuncCtx, args: readonly Value[]) => Value;
}

/**
 * Regex engine work (characters scanned × program size, an upper bound on an NFA pass) per
 * template step: `match` on a 1 KB label with a short pattern costs a few dozen steps.
 */
const REGEX_OPS_PER_STEP = 100;
/** Longest pattern `match` / `reReplaceAll` accept; keeps compiled programs small. */
export const MAX_PATTERN_LENGTH = 1000;
/**
 * Longest text `match` / `reReplaceAll` look at (10 KB). Longer text does not match, and is
 * returned unchanged by `reReplaceAll`, so the cost of one call stays predictable.
 */
export const MAX_INPUT_LENGTH = 10 * 1024;

const text = (v: Value, ctx: FuncCtx): string => toText(v, ctx.limit);

/**
 * Steps charged per RE2 instruction (by `programSizeBound`, an over-estimate) of a pattern that
 * is compiled: about 1 µs an instruction, a step about 0.1 µs. A thousand characters of `.{1000}`
 * repeats bound 142,000 instructions, tens of milliseconds, more than a render's steps: such a
 * pattern built anew per iteration used to compile over and over, uncharged.
 */
const COMPILE_STEPS_PER_INSTRUCTION = 10;
/** Steps charged for a time zone whose formatter is not cached (about 200 µs). */
const ZONE_MISS_STEPS = 2_000;

/** The pattern compiled by the one RE2 engine (shared/labels/regex.ts), or the reason it is refused. */
function compilePattern(pattern: string, ctx?: FuncCtx): Regex | string {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern longer than ${MAX_PATTERN_LENGTH} characters`;
  // A compile is paid for, before it runs; a pattern already compiled (a literal, used for every
  // alert) is not.
  if (ctx && !isRegexCached(pattern)) ctx.charge(programSizeBound(pattern) * COMPILE_STEPS_PER_INSTRUCTION);
  try {
    return compileRegex(pattern);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return e.message;
    throw e;
  }
}

function regexp(pattern: Value, ctx: FuncCtx): Regex | undefined {
  const re = compilePattern(text(pattern, ctx), ctx);
  return typeof re === 'string' ? undefined : re;
}

function checkRegexp(pattern: Literal, fn: string): string | undefined {
  if (typeof pattern !== 'string') return undefined;
  const re = compilePattern(pattern);
  return typeof re === 'string' ? `${fn}: invalid regexp ${JSON.stringify(pattern)}: ${re}` : undefined;
}

const regexCharge = (ctx: FuncCtx) => (work: number) => ctx.charge(work / REGEX_OPS_PER_STEP);

/** Go's `==` on template values; values Go cannot compare are unequal (Go would fail the render). */
function equal(a: Value, b: Value): boolean {
  const x = a instanceof SafeString ? a.value : a;
  const y = b instanceof SafeString ? b.value : b;
  if (x === undefined || x === null) return y === undefined || y === null;
  if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x === y;
  if (x instanceof TemplateTime) return y instanceof TemplateTime && x.ms === y.ms;
  if (x instanceof Duration) return y instanceof Duration && x.ms === y.ms;
  return false;
}

/** Go's ordering: numbers with numbers, strings with strings; anything else is "not less". */
function compare(a: Value, b: Value): number | undefined {
  const x = a instanceof SafeString ? a.value : a instanceof Duration ? a.ms : a;
  const y = b instanceof SafeString ? b.value : b instanceof Duration ? b.ms : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  return undefined;
}

function ordered(test: (c: number) => boolean): FuncDef {
  return {
    params: ['any', 'any'],
    result: T.bool,
    call: (_ctx, [a, b]) => {
      const c = compare(a, b);
      return c !== undefined && test(c);
    },
  };
}

/** Go's fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: readonly Value[], limit: number, line = false): string {
  let out = '';
  args.forEach((a, i) => {
    const isStr = (v: Value): boolean => typeof v === 'string' || v instanceof SafeString;
    if (i > 0 && (line || (!isStr(a) && !isStr(args[i - 1])))) out += ' ';
    if (out.length <= limit) out += toText(a, limit);
  });
  if (line) out += '\n';
  return out.length > limit ? out.slice(0, limit) : out;
}

/** strconv.Quote, closely enough: escapes quotes, backslashes and control characters. */
function goQuote(s: string): string {
  const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (Object.hasOwn(named, ch)) out += named[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) {
      out += `\\u${(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

const VERBS = 'sdvq';

function checkFormat(f: Literal): string | undefined {
  if (typeof f !== 'string') return undefined;
  for (let i = f.indexOf('%'); i >= 0; i = f.indexOf('%', i + 2)) {
    const v = f[i + 1];
    if (v === undefined) return 'printf: the format ends with a lone %';
    if (v !== '%' && !VERBS.includes(v)) {
      const why = /[0-9.+\- #*[]/.test(v) ? '; flags, widths and precisions are not supported' : '';
      return `printf supports only %s %d %v %q and %% (found %${v}${why})`;
    }
  }
  return undefined;
}

/** Go's fmt.Sprintf for the verbs %s %v %d %q %%, with Go's `%!d(string=x)` for misuse. */
function sprintf(format: string, args: readonly Value[], limit: number): string {
  let out = '';
  let ai = 0;
  for (let i = 0; i < format.length && out.length <= limit; ) {
    const p = format.indexOf('%', i);
    if (p < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, p);
    const verb = format[p + 1];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i = p + 2;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (ai >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[ai++];
    const bad = (): string => `%!${verb}(${goTypeName(a)}=${formatValue(a, limit)})`;
    if (verb === 's' || verb === 'v') out += formatValue(a, limit);
    else if (verb === 'd') out += typeof a === 'number' && Number.isInteger(a) ? String(a) : bad();
    else if (verb === 'q') out += goQuote(toText(a, limit));
    else out += bad();
  }
  if (ai < args.length && out.length <= limit) {
    out += `%!(EXTRA ${args
      .slice(ai)
      .map((a) => `${goTypeName(a)}=${formatValue(a, limit)}`)
      .join(', ')})`;
  }
  return out.length > limit ? out.slice(0, limit) : out;
}

/** Go's template.HTMLEscapeString. */
export function escapeHtml(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => HTML_ESCAPES[c] ?? '\uFFFD');
}
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;' };

/** Go's url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.QueryUnescape; undefined for a malformed escape (Go returns an error). */
function queryUnescape(s: string): string | undefined {
  const bytes: number[] = [];
  for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25) {
      const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(b === 0x2b ? 0x20 : b);
  }
  return Buffer.from(out).toString('utf8');
}

/**
 * Title case as Alertmanager's `title` (x/text cases.Title): the first letter of each word upper,
 * the rest lower. A word is letters, digits and `_`; an apostrophe or period inside a word
 * ("it's", "example.com") does not start a new one.
 */
function title(s: string): string {
  let out = '';
  let inWord = false;
  for (const ch of s) {
    const word: boolean = /[\p{L}\p{N}\p{M}_]/u.test(ch);
    const joiner: boolean = inWord && /['’.]/u.test(ch);
    if (word) out += inWord ? ch.toLowerCase() : ch.toUpperCase();
    else out += ch;
    inWord = word || joiner;
  }
  return out;
}

function toNumber(v: Value): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Duration) return v.ms / 1000;
  const s = typeof v === 'string' ? v : v instanceof SafeString ? v.value : undefined;
  if (s === undefined) return undefined;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return /^nan$/i.test(s) ? NaN : undefined;
}

function slice(v: Value, idx: readonly Value[]): Value {
  if (!idx.every((i) => typeof i === 'number' && Number.isInteger(i))) return undefined;
  const [i = 0, j, k] = idx as readonly number[];
  if (typeof v === 'string' || v instanceof SafeString) {
    const bytes = Buffer.from(toText(v), 'utf8');
    const end = j ?? bytes.length;
    if (k !== undefined || i < 0 || i > end || end > bytes.length) return undefined;
    return bytes.subarray(i, end).toString('utf8');
  }
  const items = listItems(v);
  if (!items) return undefined;
  const end = j ?? items.length;
  if (i < 0 || i > end || end > (k ?? items.length) || (k ?? 0) > items.length) return undefined;
  if (v instanceof AlertList) return new AlertList(v.items.slice(i, end));
  if (v instanceof Pairs) return new Pairs(v.items.slice(i, end));
  const part: Value[] = [];
  for (let n = i; n < end; n++) part.push(element(items, n));
  return Object.freeze(part);
}

function truncate(n: Value, s: string): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return s;
  const c = Math.trunc(n);
  const chars = Array.from(s);
  if (c >= 0) return chars.length > c ? chars.slice(0, c).join('') : s;
  return chars.length + c > 0 ? chars.slice(chars.length + c).join('') : s;
}

function join(sep: string, list: Value, ctx: FuncCtx): string | undefined {
  const items = listItems(list);
  if (!items) return undefined;
  ctx.charge(items.length / 16);
  let out = '';
  for (let i = 0; i < items.length && out.length <= ctx.limit; i++) out += (i > 0 ? sep : '') + toText(element(items, i), ctx.limit);
  return out.length > ctx.limit ? out.slice(0, ctx.limit) : out;
}

const sameOrAny = (args: readonly SType[]): SType =>
  args.length > 0 && args.every((a) => sameType(a, args[0]!)) ? args[0]! : T.any;

const stringFn = (f: (s: string) => string): FuncDef => ({
  params: ['string'],
  result: T.string,
  call: (ctx, [s]) => {
    const out = f(text(s, ctx));
    return out.length > ctx.limit ? out.slice(0, ctx.limit) : out;
  },
});

const defs: Record<string, FuncDef> = {
  // Go's text/template builtins (not `call`, `js`).
  and: {
    params: ['any'],
    rest: 'any',
    result: sameOrAny,
    call: (_ctx, args) => args.find((a) => !truth(a)) ?? args[args.length - 1],
  },
  or: {
    params: ['any'],
    rest: 'any',
    result: sameOrAny,
    call: (_ctx, args) => args.find((a) => truth(a)) ?? args[args.length - 1],
  },
  not: { params: ['any'], result: T.bool, call: (_ctx, [a]) => !truth(a) },
  eq: {
    params: ['any', 'any'],
    rest: 'any',
    result: T.bool,
    call: (_ctx, [a, ...bs]) => bs.some((b) => equal(a, b)),
  },
  ne: { params: ['any', 'any'], result: T.bool, call: (_ctx, [a, b]) => !equal(a, b) },
  lt: ordered((c) => c < 0),
  le: ordered((c) => c <= 0),
  gt: ordered((c) => c > 0),
  ge: ordered((c) => c >= 0),
  len: {
    params: ['collection'],
    result: T.number,
    call: (_ctx, [v]) => {
      if (typeof v === 'string' || v instanceof SafeString) return Buffer.byteLength(toText(v), 'utf8');
      if (v instanceof KV) return v.size;
      return listItems(v)?.length;
    },
  },
  index: {
    params: ['any'],
    rest: 'any',
    result: (args) => args.slice(1).reduce<SType>((t) => indexType(t) ?? T.any, args[0] ?? T.any),
    checkTypes: (args) => {
      if (args.length < 2) return undefined;
      const t = args[0]!;
      return indexType(t) ? undefined : `index: can't index a ${t.k === 'struct' ? t.name : t.k} (index works on lists, label maps and strings)`;
    },
    call: (_ctx, [v, ...keys]) => keys.reduce<Value>((x, k) => indexValue(x, k), v),
  },
  slice: {
    params: ['any'],
    rest: 'number',
    max: 4,
    result: (args) => (args[0]?.k === 'alerts' ? T.alerts : (args[0] ?? T.any)),
    call: (_ctx, [v, ...idx]) => slice(v, idx),
  },
  print: { params: [], rest: 'any', result: T.string, call: (ctx, args) => sprint(args, ctx.limit) },
  println: { params: [], rest: 'any', result: T.string, call: (ctx, args) => sprint(args, ctx.limit, true) },
  printf: {
    params: ['string'],
    rest: 'any',
    result: T.string,
    checkLiterals: ([f]) => checkFormat(f),
    call: (ctx, [f, ...args]) => sprintf(text(f, ctx), args, ctx.limit),
  },
  html: { params: [], rest: 'any', result: T.string, call: (ctx, args) => escapeHtml(sprint(args, ctx.limit)) },
  urlquery: { params: [], rest: 'any', result: T.string, call: (ctx, args) => queryEscape(sprint(args, ctx.limit)) },

  // Alertmanager's template functions.
  toUpper: stringFn((s) => s.toUpperCase()),
  toLower: stringFn((s) => s.toLowerCase()),
  title: stringFn(title),
  trimSpace: stringFn((s) => s.trim()),
  join: {
    params: ['string', 'strings'],
    result: T.string,
    call: (ctx, [sep, list]) => join(text(sep, ctx), list, ctx),
  },
  match: {
    params: ['string', 'string'],
    result: T.bool,
    checkLiterals: ([p]) => checkRegexp(p, 'match'),
    call: (ctx, [p, s]) => {
      const input = text(s, ctx);
      // The input's length first: a text too long to look at costs no compile.
      if (input.length > MAX_INPUT_LENGTH) return false;
      const re = regexp(p, ctx);
      return re ? re.test(input, regexCharge(ctx)) : false;
    },
  },
  reReplaceAll: {
    params: ['string', 'string', 'string'],
    result: T.string,
    checkLiterals: ([p]) => checkRegexp(p, 'reReplaceAll'),
    call: (ctx, [p, repl, s]) => {
      const input = text(s, ctx);
      if (input.length > MAX_INPUT_LENGTH) return input;
      const re = regexp(p, ctx);
      return re ? re.replaceAll(input, text(repl, ctx), ctx.limit, regexCharge(ctx)) : input;
    },
  },
  safeHtml: { params: ['string'], result: T.string, call: (ctx, [s]) => new SafeString(text(s, ctx)) },
  safeUrl: { params: ['string'], result: T.string, call: (ctx, [s]) => new SafeString(text(s, ctx)) },
  urlUnescape: { params: ['string'], result: T.string, call: (ctx, [s]) => queryUnescape(text(s, ctx)) },
  stringSlice: { params: [], rest: 'string', result: STRINGS, call: (ctx, args) => Object.freeze(args.map((a) => text(a, ctx))) },
  date: {
    params: ['string', 'time'],
    result: T.string,
    call: (ctx, [layout, t]) => (t instanceof TemplateTime ? formatTime(t, text(layout, ctx).slice(0, 1000)) : undefined),
  },
  tz: {
    params: ['string', 'time'],
    result: T.time,
    checkLiterals: ([zone]) => (typeof zone === 'string' && !isZone(zone) ? `tz: unknown time zone ${JSON.stringify(zone)}` : undefined),
    call: (ctx, [zone, t]) => {
      if (!(t instanceof TemplateTime)) return undefined;
      const name = text(zone, ctx);
      // A zone's formatter takes about 200 µs to build, and only 100 are kept: a miss is paid for.
      if (!isZoneCached(name)) ctx.charge(ZONE_MISS_STEPS);
      return inZone(t, name);
    },
  },
  since: { params: ['time'], result: T.duration, call: (ctx, [t]) => (t instanceof TemplateTime ? new Duration(ctx.now - t.ms) : undefined) },
  humanizeDuration: {
    params: ['numeric'],
    result: T.string,
    call: (_ctx, [v]) => {
      const n = toNumber(v);
      return n === undefined ? undefined : humanizeDuration(n);
    },
  },

  // alertflow extras, as in Sprig.
  default: { params: ['any', 'any'], result: sameOrAny, call: (_ctx, [def, v]) => (truth(v) ? v : def) },
  trunc: {
    params: ['number', 'string'],
    result: T.string,
    checkLiterals: ([n]) => (typeof n === 'number' && !Number.isInteger(n) ? 'trunc: the length must be a whole number' : undefined),
    call: (ctx, [n, s]) => truncate(n, text(s, ctx)),
  },
};

/**
 * The whitelist. Frozen, with no prototype: `FUNCTIONS.constructor` is undefined, and nothing can
 * add a function at run time.
 */
export const FUNCTIONS: Readonly<Record<string, FuncDef>> = Object.freeze(Object.assign(Object.create(null) as Record<string, FuncDef>, defs));

export function lookupFunction(name: string): FuncDef | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

/** Functions Go or Alertmanager have that alertflow rejects, with the reason. */
export const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['call', 'function "call" is not supported: templates cannot call functions held in data'],
  ['js', 'function "js" is not supported'],
  ['toJson', 'function "toJson" is not supported'],
]);
