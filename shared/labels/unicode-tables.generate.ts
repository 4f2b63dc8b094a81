/**
 * Writes ./unicode-tables.ts: the Unicode 13.0.0 data that Go 1.19's `regexp` uses (the Go that
 * Alertmanager 0.25 is built with), in the shape ./unicode.ts reads. Run it with the npm package
 * `@unicode/unicode-13.0.0` (the Unicode Character Database 13.0.0 as JavaScript), which the
 * project does not depend on:
 *
 *   npm install --no-save @unicode/unicode-13.0.0@2.0.7
 *   npx tsx shared/labels/unicode-tables.generate.ts node_modules/@unicode/unicode-13.0.0
 *
 * It derives what Go's table generator (golang.org/x/text/internal/export/unicode) derives from the
 * same files: the general categories (a one-letter category is the union of its two-letter ones,
 * so `C` lacks the unassigned `Cn`, which has no table in Go 1.19), the scripts of Scripts.txt, and
 * `unicode.SimpleFold`: the orbits of simple case folding (CaseFolding.txt C and S), a one-element
 * orbit for a character whose upper or lower case mapping is not fold-equivalent (U+0130 `İ`), and
 * upper/lower pairs otherwise. It checks that every orbit is a cycle in code point order, and that
 * the closure of each table under those orbits adds exactly Go's FoldCategory / FoldScript sets.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAX_RUNE = 0x10ffff;

/** Two-letter general categories as Go names them, with the UCD's long names. Cn comes last. */
const CATEGORIES: Array<[string, string]> = [
  ['Cc', 'Control'], ['Cf', 'Format'], ['Co', 'Private_Use'], ['Cs', 'Surrogate'],
  ['Ll', 'Lowercase_Letter'], ['Lm', 'Modifier_Letter'], ['Lo', 'Other_Letter'], ['Lt', 'Titlecase_Letter'], ['Lu', 'Uppercase_Letter'],
  ['Mc', 'Spacing_Mark'], ['Me', 'Enclosing_Mark'], ['Mn', 'Nonspacing_Mark'],
  ['Nd', 'Decimal_Number'], ['Nl', 'Letter_Number'], ['No', 'Other_Number'],
  ['Pc', 'Connector_Punctuation'], ['Pd', 'Dash_Punctuation'], ['Pe', 'Close_Punctuation'], ['Pf', 'Final_Punctuation'],
  ['Pi', 'Initial_Punctuation'], ['Po', 'Other_Punctuation'], ['Ps', 'Open_Punctuation'],
  ['Sc', 'Currency_Symbol'], ['Sk', 'Modifier_Symbol'], ['Sm', 'Math_Symbol'], ['So', 'Other_Symbol'],
  ['Zl', 'Line_Separator'], ['Zp', 'Paragraph_Separator'], ['Zs', 'Space_Separator'],
];

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx shared/labels/unicode-tables.generate.ts <path of @unicode/unicode-13.0.0>\n');
  process.exit(2);
}
const pkg = resolve(dir);

async function load<T>(...path: string[]): Promise<T> {
  return ((await import(pathToFileURL(join(pkg, ...path)).href)) as { default: T }).default;
}
type UcdRanges = Array<{ begin: number; end: number }>; // end exclusive

const { name: pkgName } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { name: string };
const version = /unicode-(\d+\.\d+\.\d+)$/.exec(pkgName)?.[1];
if (!version) throw new Error(`${pkg} is not an @unicode/unicode-<version> package`);
const scriptNames = readdirSync(join(pkg, 'Script')).filter((n) => n !== 'Unknown').sort();

// Per code point: category index (CATEGORIES.length for Cn) and script index (scriptNames.length for none).
const cat = new Uint8Array(MAX_RUNE + 1).fill(CATEGORIES.length);
for (const [i, [, long]] of CATEGORIES.entries()) {
  for (const r of await load<UcdRanges>('General_Category', long, 'ranges.mjs')) cat.fill(i, r.begin, r.end);
}
const script = new Uint16Array(MAX_RUNE + 1).fill(scriptNames.length);
for (const [i, name] of scriptNames.entries()) {
  for (const r of await load<UcdRanges>('Script', name, 'ranges.mjs')) script.fill(i, r.begin, r.end);
}

// Go's Char fields: simple case mappings (0 = none) and simple case folding (C and S).
const upper = new Int32Array(MAX_RUNE + 1);
const lower = new Int32Array(MAX_RUNE + 1);
const foldCase = new Int32Array(MAX_RUNE + 1);
for (const [from, to] of await load<Map<number, number>>('Simple_Case_Mapping', 'Uppercase', 'code-points.mjs')) upper[from] = to;
for (const [from, to] of await load<Map<number, number>>('Simple_Case_Mapping', 'Lowercase', 'code-points.mjs')) lower[from] = to;
for (const kind of ['C', 'S']) {
  for (const [from, to] of await load<Map<number, number>>('Case_Folding', kind, 'code-points.mjs')) foldCase[from] = to;
}
// Go sets a letter's own case to itself (Lu: upper, Ll: lower); only inequality tests read these.
const catName = (r: number) => CATEGORIES[cat[r]!]?.[0] ?? 'Cn';
for (let r = 0; r <= MAX_RUNE; r++) {
  if (catName(r) === 'Lu') upper[r] = r;
  if (catName(r) === 'Ll') lower[r] = r;
}

// printCasefold: orbits of folding, explicit 1-element orbits where [upper, lower] would be wrong,
// and no orbit where [upper, lower] is right.
const orbitOf = new Map<number, number[]>();
for (let r = 0; r <= MAX_RUNE; r++) {
  const f = foldCase[r]!;
  if (f === 0) continue;
  const orb = orbitOf.get(f) ?? [f];
  orb.push(r);
  orbitOf.set(f, orb);
}
for (let r = 0; r <= MAX_RUNE; r++) {
  const f = foldCase[r] || r;
  if (!orbitOf.has(f) && ((upper[r] !== 0 && upper[r] !== r) || (lower[r] !== 0 && lower[r] !== r))) orbitOf.set(r, [r]);
}
for (const [k, orb] of orbitOf) {
  if (orb.length !== 2) continue;
  const [a, b] = orb as [number, number];
  if ((upper[a] === b && lower[b] === a) || (upper[b] === a && lower[a] === b)) orbitOf.delete(k);
}
const caseOrbit = new Int32Array(MAX_RUNE + 1);
for (const orb of orbitOf.values()) {
  orb.sort((x, y) => x - y);
  let c = orb[orb.length - 1]!;
  for (const d of orb) {
    caseOrbit[c] = d;
    c = d;
  }
}

/** unicode.SimpleFold (asciiFold, caseOrbit, then ToLower, then ToUpper). */
function simpleFold(r: number): number {
  if (caseOrbit[r] !== 0) return caseOrbit[r]!;
  if (lower[r] !== 0 && lower[r] !== r) return lower[r]!;
  if (upper[r] !== 0 && upper[r] !== r) return upper[r]!;
  return r;
}

// The orbits, each a cycle in code point order (what SimpleFold documents).
const orbits: number[][] = [];
const seen = new Uint8Array(MAX_RUNE + 1);
for (let r = 0; r <= MAX_RUNE; r++) {
  if (seen[r] || simpleFold(r) === r) continue;
  const orb = [r];
  seen[r] = 1;
  for (let f = simpleFold(r); f !== r; f = simpleFold(f)) {
    if (seen[f] || orb.length > 8) throw new Error(`SimpleFold is not a cycle at U+${r.toString(16)}`);
    orb.push(f);
    seen[f] = 1;
  }
  const sorted = [...orb].sort((x, y) => x - y);
  if (sorted[0] !== r || sorted.some((x, i) => x !== orb[i])) throw new Error(`orbit of U+${r.toString(16)} is not in code point order`);
  orbits.push(orb);
}

// foldExceptions, Go's way, against the closure under the orbits.
function foldExceptions(members: (r: number) => boolean): Set<number> {
  const m = new Set<number>();
  for (let r = 0; r <= MAX_RUNE; r++) {
    if (!members(r)) continue;
    if (caseOrbit[r] === 0) {
      if (upper[r] !== 0) m.add(upper[r]!);
      if (lower[r] !== 0) m.add(lower[r]!);
      m.add(r);
      continue;
    }
    for (let c = r, first = true; first || c !== r; first = false, c = caseOrbit[c]!) m.add(c);
  }
  for (const r of [...m]) if (members(r)) m.delete(r);
  return m;
}
function closureExtra(members: (r: number) => boolean): Set<number> {
  const m = new Set<number>();
  for (const orb of orbits) if (orb.some(members)) for (const r of orb) if (!members(r)) m.add(r);
  return m;
}
const tables: Array<[string, (r: number) => boolean]> = [
  ...CATEGORIES.map(([name], i): [string, (r: number) => boolean] => [name, (r) => cat[r] === i]),
  ...['C', 'L', 'M', 'N', 'P', 'S', 'Z'].map((l): [string, (r: number) => boolean] => [l, (r) => cat[r]! < CATEGORIES.length && CATEGORIES[cat[r]!]![0][0] === l]),
  ...scriptNames.map((name, i): [string, (r: number) => boolean] => [name, (r) => script[r] === i]),
];
const folded: string[] = [];
for (const [name, members] of tables) {
  const go = foldExceptions(members);
  const ours = closureExtra(members);
  if (go.size !== ours.size || [...go].some((r) => !ours.has(r))) throw new Error(`fold closure of ${name} differs from Go's FoldCategory/FoldScript`);
  if (go.size > 0) folded.push(name);
}

// Encoding: unsigned integers, 5 bits per character, least significant first; the characters
// after the first 32 of the alphabet say that more follow.
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function encode(values: number[]): string {
  let out = '';
  for (let v of values) {
    while (v >= 32) {
      out += DIGITS[32 + (v % 32)];
      v = Math.floor(v / 32);
    }
    out += DIGITS[v];
  }
  return out;
}
function runs(of: ArrayLike<number>, base: number): number[] {
  const out: number[] = [];
  for (let start = 0; start <= MAX_RUNE; ) {
    let end = start;
    while (end + 1 <= MAX_RUNE && of[end + 1] === of[start]) end++;
    out.push((end - start + 1) * base + of[start]!);
    start = end + 1;
  }
  return out;
}
const orbitNumbers: number[] = [];
let prev = 0;
for (const orb of orbits) {
  orbitNumbers.push(orb[0]! - prev, orb.length - 2);
  for (let i = 1; i < orb.length; i++) orbitNumbers.push(orb[i]! - orb[i - 1]!);
  prev = orb[0]!;
}

const chunk = (s: string) => s.match(/.{1,100}/g)!.map((l) => `  '${l}'`).join(' +\n');
const text = `// Generated by unicode-tables.generate.ts from the Unicode Character Database ${version}: do not edit.
// The Unicode data of Go 1.19's regexp (Alertmanager 0.25); ./unicode.ts reads it.
// Encoding: unsigned integers, 5 bits per character, least significant first (the last 32
// characters of ${JSON.stringify(DIGITS)} say that more follow).

export const UNICODE_VERSION = ${JSON.stringify(version)};

/** Two-letter general categories; index ${CATEGORIES.length} is unassigned (Cn, which Go 1.19 has no table for). */
export const CATEGORY_NAMES = ${JSON.stringify(CATEGORIES.map(([n]) => n))};

/** Runs over U+0000..U+10FFFF, each length × 32 + category index. */
export const CATEGORY_RUNS =
${chunk(encode(runs(cat, 32)))};

/** Scripts (Scripts.txt); index ${scriptNames.length} is none (Unknown, which Go 1.19 has no table for). */
export const SCRIPT_NAMES = ${JSON.stringify(scriptNames)};

/** Runs over U+0000..U+10FFFF, each length × 256 + script index. */
export const SCRIPT_RUNS =
${chunk(encode(runs(script, 256)))};

/**
 * SimpleFold's orbits of two or more code points, by smallest member: the distance from the
 * previous orbit's smallest member, the orbit's size - 2, then the distance of each next member.
 */
export const FOLD_ORBITS =
${chunk(encode(orbitNumbers))};
`;
const out = join(import.meta.dirname, 'unicode-tables.ts');
writeFileSync(out, text);
process.stdout.write(
  `${out}: Unicode ${version}, ${CATEGORIES.length} categories, ${scriptNames.length} scripts, ${orbits.length} fold orbits; ` +
    `tables that folding extends: ${folded.join(' ')}; ${text.length} characters\n`,
);
