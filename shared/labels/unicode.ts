/**
 * The Unicode data of Go 1.19's `regexp` (Unicode 13.0.0), which Alertmanager 0.25 matches with:
 * the tables behind `\pL`, `\p{Greek}` and the rest, and `unicode.SimpleFold`, behind `(?i)`.
 * re2js carries a later Unicode (17.0) with more names (`\p{Kawi}`, `\p{Cn}`, `\p{Emoji}`) and more
 * members and case pairs; ./syntax.ts spells every class out from these tables instead, so that a
 * pattern matches the code points it matches in Alertmanager. Decoded on first use.
 *
 * A class is a sorted list of disjoint, non-adjacent ranges, flattened: [lo0, hi0, lo1, hi1, ...].
 */
import { CATEGORY_NAMES, CATEGORY_RUNS, FOLD_ORBITS, SCRIPT_NAMES, SCRIPT_RUNS } from './unicode-tables';

export const MAX_RUNE = 0x10ffff;

export type Ranges = number[];

function decode(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let scale = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // 'A'-'Z' 0-25, 'a'-'z' 26-51, '0'-'9' 52-61, '-' 62, '_' 63
    const d = c === 95 ? 63 : c === 45 ? 62 : c >= 97 ? c - 71 : c >= 65 ? c - 65 : c + 4;
    if (d >= 32) {
      value += (d - 32) * scale;
      scale *= 32;
    } else {
      out.push(value + d * scale);
      value = 0;
      scale = 1;
    }
  }
  return out;
}

/** Per name, its ranges, from runs that cover U+0000..U+10FFFF (each length × base + index). */
function partition(runs: string, base: number, names: readonly string[]): Map<string, Ranges> {
  const byIndex: Ranges[] = names.map(() => []);
  let at = 0;
  for (const run of decode(runs)) {
    const index = run % base;
    const length = Math.floor(run / base);
    byIndex[index]?.push(at, at + length - 1);
    at += length;
  }
  if (at !== MAX_RUNE + 1) throw new Error('unicode-tables.ts: runs do not cover the code space');
  return new Map(names.map((n, i) => [n, byIndex[i]!]));
}

let categories: Map<string, Ranges> | undefined;
let scripts: Map<string, Ranges> | undefined;
const SCRIPTS = new Set(SCRIPT_NAMES);

/**
 * Go 1.19's `unicodeTable`: `Any`, a general category (one letter: the union of its two-letter
 * ones), or a script, by exact name; undefined for any other name (Go refuses the pattern).
 */
export function unicodeTable(name: string): Ranges | undefined {
  if (name === 'Any') return [0, MAX_RUNE];
  if (SCRIPTS.has(name)) {
    scripts ??= partition(SCRIPT_RUNS, 256, SCRIPT_NAMES);
    return scripts.get(name);
  }
  if (!categories) {
    categories = partition(CATEGORY_RUNS, 32, CATEGORY_NAMES);
    for (const letter of 'CLMNPSZ') {
      categories.set(letter, union(CATEGORY_NAMES.filter((n) => n[0] === letter).map((n) => categories!.get(n)!)));
    }
  }
  return categories.get(name);
}

let nextFold: Map<number, number> | undefined;
let orbitList: number[][] | undefined;

function loadOrbits(): void {
  const numbers = decode(FOLD_ORBITS);
  nextFold = new Map();
  orbitList = [];
  let min = 0;
  for (let i = 0; i < numbers.length; ) {
    min += numbers[i++]!;
    const size = numbers[i++]! + 2;
    const orbit = [min];
    for (let k = 1; k < size; k++) orbit.push(orbit[k - 1]! + numbers[i++]!);
    for (let k = 0; k < size; k++) nextFold.set(orbit[k]!, orbit[(k + 1) % size]!);
    orbitList.push(orbit);
  }
}

/** Go's `unicode.SimpleFold`: the next code point of r's case-folding orbit (r itself when none). */
export function simpleFold(r: number): number {
  if (!nextFold) loadOrbits();
  return nextFold!.get(r) ?? r;
}

/** The code points equal to r under simple case folding, r included, ascending. */
export function foldOrbit(r: number): number[] {
  const orbit = [r];
  for (let f = simpleFold(r); f !== r; f = simpleFold(f)) orbit.push(f);
  return orbit.sort((a, b) => a - b);
}

/** Whether r is in the class (binary search). */
export function inClass(r: number, cls: Ranges): boolean {
  let lo = 0;
  let hi = cls.length / 2;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (r < cls[2 * m]!) hi = m;
    else if (r > cls[2 * m + 1]!) lo = m + 1;
    else return true;
  }
  return false;
}

/** Sorted, merged ranges from any list of (lo, hi) pairs (Go's cleanClass). */
export function clean(pairs: Ranges): Ranges {
  const idx: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) idx.push(i);
  idx.sort((a, b) => pairs[a]! - pairs[b]! || pairs[b + 1]! - pairs[a + 1]!);
  const out: Ranges = [];
  for (const i of idx) {
    const lo = pairs[i]!;
    const hi = pairs[i + 1]!;
    if (out.length > 0 && lo <= out[out.length - 1]! + 1) {
      if (hi > out[out.length - 1]!) out[out.length - 1] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

export function union(classes: readonly Ranges[]): Ranges {
  return clean(classes.flat());
}

/** The complement over U+0000..U+10FFFF of a clean class. */
export function negate(cls: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < cls.length; i += 2) {
    if (next <= cls[i]! - 1) out.push(next, cls[i]! - 1);
    next = cls[i + 1]! + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

/**
 * A clean class with every code point fold-equivalent to a member added: what Go's
 * appendFoldedRange does to each range under `(?i)`, and what a table plus its FoldCategory or
 * FoldScript set is (unicode-tables.generate.ts checks that those are the same).
 */
export function foldClosure(cls: Ranges): Ranges {
  if (!orbitList) loadOrbits();
  const extra: Ranges = [];
  let size = 0;
  for (let i = 0; i < cls.length && size <= SMALL_CLASS; i += 2) size += cls[i + 1]! - cls[i]! + 1;
  if (size <= SMALL_CLASS) {
    // Few code points (a literal, [a-z]): their own orbits, as Go's appendFoldedRange walks them.
    for (let i = 0; i < cls.length; i += 2) {
      for (let c = cls[i]!; c <= cls[i + 1]!; c++) for (let f = simpleFold(c); f !== c; f = simpleFold(f)) extra.push(f, f);
    }
  } else {
    for (const orbit of orbitList!) {
      if (orbit.some((r) => inClass(r, cls))) for (const r of orbit) extra.push(r, r);
    }
  }
  return extra.length === 0 ? cls : clean([...cls, ...extra]);
}

/** Up to this many code points, foldClosure folds each one; above, it scans the orbits. */
const SMALL_CLASS = 256;

const weights = new Map<string, number>();

/**
 * What compiling `\p{name}` costs, in programSizeBound's units: the ranges of its class, negated
 * or case-folded (the most of those), plus one; one for a name Go does not know.
 */
export function unicodeClassWeight(name: string): number {
  let w = weights.get(name);
  if (w === undefined) {
    const table = unicodeTable(name);
    w = table ? Math.max(table.length, foldClosure(table).length) / 2 + 2 : 1;
    if (table) weights.set(name, w);
  }
  return w;
}
