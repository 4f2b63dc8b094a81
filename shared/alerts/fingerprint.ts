/**
 * Prometheus' `LabelSet.Fingerprint()` (prometheus/common model/signature.go): FNV-1a 64 over the
 * label names in byte order, each name and value followed by the separator byte 0xff. Identical
 * labels give Alertmanager's own fingerprint, so alerts from every source dedupe the same way.
 */

// FNV-1a 64 offset basis 0xcbf29ce484222325, split into 32-bit halves: plain numbers are several
// times faster than BigInt on the ingest hot path and stay exact (every product is below 2^53).
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
// The prime 0x100000001b3 is 2^40 + 0x1b3, so h * prime = h * 0x1b3 + (h << 40) (mod 2^64).
const PRIME_LOW = 0x1b3;
const SEPARATOR = 0xff;

const encoder = new TextEncoder();

export function fingerprint(labels: Record<string, string>): string {
  // Go sorts names as byte strings; UTF-16 order differs from UTF-8 order outside the BMP.
  const names = Object.keys(labels).map((name) => [name, encoder.encode(name)] as const);
  names.sort((a, b) => compareBytes(a[1], b[1]));

  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  const add = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    const low = lo * PRIME_LOW;
    hi = (hi * PRIME_LOW + Math.floor(low / 0x1_0000_0000) + lo * 256) >>> 0;
    lo = low >>> 0;
  };
  for (const [name, nameBytes] of names) {
    for (const b of nameBytes) add(b);
    add(SEPARATOR);
    for (const b of encoder.encode(labels[name]!)) add(b);
    add(SEPARATOR);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** True for a fingerprint in the form Alertmanager prints (16 lowercase hex digits). */
export function isFingerprint(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
