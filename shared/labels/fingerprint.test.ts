import { describe, expect, it } from 'vitest';
import { fingerprint, isFingerprint } from './fingerprint';

/** Straightforward reference: FNV-1a 64 with BigInt over UTF-8 bytes, names sorted as bytes. */
function reference(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let h = 0xcbf29ce484222325n;
  for (const name of names) {
    for (const b of [...Buffer.from(name), 0xff, ...Buffer.from(labels[name]!), 0xff]) {
      h ^= BigInt(b);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, '0');
}

const hex = (n: bigint) => n.toString(16).padStart(16, '0');

describe('fingerprint', () => {
  // Vectors from prometheus/common model/signature_test.go.
  it.each([
    [{}, 14695981039346656037n],
    [{ name: 'garland, briggs', fear: 'love is not enough' }, 5799056148416392346n],
    [{ 'first-label': 'first-label-value' }, 5146282821936882169n],
    [{ 'first-label': 'first-label-value', 'second-label': 'second-label-value' }, 3195800080984914717n],
    [
      { 'first-label': 'first-label-value', 'second-label': 'second-label-value', 'third-label': 'third-label-value' },
      13843036195897128121n,
    ],
  ])('matches Prometheus test vector %#', (labels, expected) => {
    expect(fingerprint(labels)).toBe(hex(expected));
  });

  it('does not depend on key order', () => {
    expect(fingerprint({ b: '2', a: '1', c: '3' })).toBe(fingerprint({ a: '1', c: '3', b: '2' }));
  });

  it('separates names from values', () => {
    expect(fingerprint({ a: 'bc' })).not.toBe(fingerprint({ ab: 'c' }));
    expect(fingerprint({ a: '', b: 'x' })).not.toBe(fingerprint({ b: 'x' }));
  });

  it('is zero padded to 16 lowercase hex digits', () => {
    for (let i = 0; i < 2000; i++) {
      const fp = fingerprint({ alertname: `A${i}` });
      expect(isFingerprint(fp)).toBe(true);
    }
  });

  it('agrees with a BigInt reference, including non-ASCII and astral names sorted as UTF-8 bytes', () => {
    // Lone surrogates (and halves that pair up by chance) hash as the UTF-8 encoder writes them.
    const alphabet = ['a', 'Z', '_', '0', 'é', '日', '\u{1F600}', '\uFF21', ' ', '"', '\u00ff', '\u07ff', '\u0800', '\uE000', '\uFFFF', '\uD800', '\uDC00'];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = () => Array.from({ length: 1 + rand(6) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const labels: Record<string, string> = {};
      for (let j = rand(6); j > 0; j--) labels[word()] = word();
      expect(fingerprint(labels)).toBe(reference(labels));
    }
    // U+FF21 sorts before U+1F600 in UTF-16 but after it in UTF-8: the byte order must win.
    const tricky = { '\uFF21': 'x', '\u{1F600}': 'y' };
    expect(fingerprint(tricky)).toBe(reference(tricky));
  });
});

describe('isFingerprint', () => {
  it.each([
    ['25464961f2df65e8', true],
    ['25464961F2DF65E8', false],
    ['25464961f2df65e', false],
    ['25464961f2df65e8a', false],
    ['zz464961f2df65e8', false],
  ])('%s -> %s', (value, ok) => {
    expect(isFingerprint(value)).toBe(ok);
  });
});
