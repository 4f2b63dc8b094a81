import { describe, expect, it } from 'vitest';
import { MAX_LINK_PARAMETER_BYTES, MAX_PATH_PARAMETER_BYTES } from '../http/request';
import { LinkError, linkUrl, signLink, verifyLink, type LinkClaims } from './links';

const NOW = new Date('2026-12-07T12:00:00Z');
const claims: LinkClaims = { a: 'ack', i: 'inc-1', t: 'tok', e: Math.floor(NOW.getTime() / 1000) + 60, r: 'oncall' };

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LinkError);
    return `${(err as LinkError).reason} ${(err as LinkError).status}`;
  }
  throw new Error('expected a LinkError');
}

describe('signed links', () => {
  it('verify with the key that signed them, or any other configured key (rotation)', () => {
    const link = signLink('old-key', claims);
    expect(verifyLink(['old-key'], link, NOW)).toEqual(claims);
    expect(verifyLink(['new-key', 'old-key'], link, NOW)).toEqual(claims);
    expect(reason(() => verifyLink(['new-key'], link, NOW))).toBe('forged 403');
  });

  it('refuse a changed claim, a changed signature, an expired link and what is not a link', () => {
    const link = signLink('k', claims);
    const [payload, sig] = link.split('.');
    const otherClaims = Buffer.from(JSON.stringify({ ...claims, a: 'resolve' })).toString('base64url');
    expect(reason(() => verifyLink(['k'], `${otherClaims}.${sig}`, NOW))).toBe('forged 403');
    expect(reason(() => verifyLink(['k'], `${payload}.${sig!.startsWith('A') ? 'B' : 'A'}${sig!.slice(1)}`, NOW))).toBe('forged 403');
    expect(reason(() => verifyLink(['k'], link, new Date((claims.e + 1) * 1000)))).toBe('expired 410');
    expect(reason(() => verifyLink(['k'], link.slice(0, -5), NOW))).toBe('malformed 400');
    expect(reason(() => verifyLink(['k'], 'nothing', NOW))).toBe('malformed 400');
    // Signed with our key, but not claims of ours: refused as unreadable.
    expect(reason(() => verifyLink(['k'], signLink('k', { a: 'delete-everything' } as unknown as LinkClaims), NOW))).toBe('malformed 400');
  });

  // The API takes a link of up to MAX_LINK_PARAMETER_BYTES (ids and names in paths, 256): a
  // receiver's name of 76 characters already made an escalate link longer than 256 bytes.
  it('fit in the API path parameter with the longest claims (a 200-character receiver name of 4-byte characters)', () => {
    const longest: LinkClaims = { a: 'escalate', i: 'i'.repeat(64), t: 't'.repeat(64), e: 9_999_999_999, r: '😀'.repeat(100) };
    const link = signLink('k', longest);
    expect(Buffer.byteLength(link)).toBeGreaterThan(MAX_PATH_PARAMETER_BYTES);
    expect(Buffer.byteLength(link)).toBeLessThanOrEqual(MAX_LINK_PARAMETER_BYTES);
    expect(verifyLink(['k'], link, NOW)).toEqual(longest);
  });

  it('live under /v1/links of the base URL', () => {
    expect(linkUrl('https://alerts.example.com/', 'x.y')).toBe('https://alerts.example.com/v1/links/x.y');
  });
});
