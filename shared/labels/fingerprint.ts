/**
 * Prometheus' `LabelSet.Fingerprint()` (prometheus/common model/signature.go): FNV-1a 64 over the
 * label names in byte order, each name and value followed by the separator byte 0xff. Identical
 * labels give Alertmanager's own fingerprint, so alerts from every source dedupe the same way.
 *
 * It runs once per alert on the ingest path, so it hashes the UTF-8 bytes of each string as it walks
 * its UTF-16 code units, without encoding the string into a buffer first (TextEncoder was a third
 * of ingest's CPU in a storm's profile).
 */

// FNV-1a 64 in four 16-bit limbs (h0 lowest): every product and carry stays a small integer, which
// V8 keeps unboxed; 32-bit halves needed a float division per byte and ran about 3x slower.
// The offset basis 0xcbf29ce484222325, limb by limb:
const OFFSET = [0x2325, 0x8422, 0x9ce4, 0xcbf2] as const;
// The prime 0x100000001b3 is 2^40 + 0x1b3: limb 0 is 0x1b3, limb 2 is 0x100 (2^40 = 2^8 * 2^32).
const PRIME_0 = 0x1b3;
const PRIME_2 = 0x100;
const SEPARATOR = 0xff;
/** What TextEncoder (and Go, for invalid UTF-8) writes for a lone surrogate: U+FFFD. */
const REPLACEMENT = 0xfffd;

/** The hash so far (module state: one fingerprint runs at a time). */
let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

function addByte(byte: number): void {
  h0 ^= byte;
  // (h * prime) mod 2^64, limb by limb: h * 0x1b3 plus h * 2^40 (h0 and h1 moved up two limbs, times 0x100).
  const t0 = h0 * PRIME_0;
  const t1 = h1 * PRIME_0 + (t0 >>> 16);
  const t2 = h2 * PRIME_0 + h0 * PRIME_2 + (t1 >>> 16);
  h3 = (h3 * PRIME_0 + h1 * PRIME_2 + (t2 >>> 16)) & 0xffff;
  h0 = t0 & 0xffff;
  h1 = t1 & 0xffff;
  h2 = t2 & 0xffff;
}

function addCodePoint(cp: number): void {
  if (cp < 0x80) {
    addByte(cp);
  } else if (cp < 0x800) {
    addByte(0xc0 | (cp >> 6));
    addByte(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    addByte(0xe0 | (cp >> 12));
    addByte(0x80 | ((cp >> 6) & 0x3f));
    addByte(0x80 | (cp & 0x3f));
  } else {
    addByte(0xf0 | (cp >> 18));
    addByte(0x80 | ((cp >> 12) & 0x3f));
    addByte(0x80 | ((cp >> 6) & 0x3f));
    addByte(0x80 | (cp & 0x3f));
  }
}

/** The string's UTF-8 bytes, then the separator. */
function addString(s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      addByte(c);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        addCodePoint(0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00));
        i++;
      } else {
        addCodePoint(REPLACEMENT);
      }
    } else {
      addCodePoint(c);
    }
  }
  addByte(SEPARATOR);
}

export function fingerprint(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  // Go sorts names as byte strings. JavaScript's default sort compares UTF-16 code units, which is
  // the same order unless a name holds a character from U+D800 up (surrogates sort below U+E000-U+FFFF
  // in UTF-16 and above them in UTF-8): only such names need the byte comparison.
  if (names.some((n) => HIGH_UNITS.test(n))) names.sort(compareUtf8);
  else names.sort();
  [h0, h1, h2, h3] = OFFSET;
  for (const name of names) {
    addString(name);
    addString(labels[name]!);
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

const hex4 = (limb: number) => limb.toString(16).padStart(4, '0');

const HIGH_UNITS = /[\ud800-\uffff]/;
const encoder = new TextEncoder();

function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/** True for a fingerprint in the form Alertmanager prints (16 lowercase hex digits). */
export function isFingerprint(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value);
}
