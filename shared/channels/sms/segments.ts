/**
 * SMS segment arithmetic (3GPP TS 23.038 / 23.040), as the carriers bill it.
 *
 * A message of GSM 03.38 characters only is sent in GSM-7: 160 septets in one part, or 153 per
 * part once it is split (the concatenation header takes the rest). Characters of the extension
 * table (`^{}\[~]|€` and form feed) take two septets, and a part never ends between the two. Any
 * other character switches the whole message to UCS-2: 70 UTF-16 units in one part, 67 per part
 * when split, and a part never ends inside a surrogate pair.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export const SMS_PART_LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return 'UCS-2';
  return 'GSM-7';
}

export interface SmsSize {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  parts: number;
}

export function smsSize(text: string): SmsSize {
  const encoding = smsEncoding(text);
  const cost = (ch: string): number => (encoding === 'GSM-7' ? (GSM_EXTENSION.has(ch) ? 2 : 1) : ch.length);
  let units = 0;
  for (const ch of text) units += cost(ch);
  const { single, multi } = SMS_PART_LIMITS[encoding];
  if (units <= single) return { encoding, units, parts: units === 0 ? 0 : 1 };
  // Split: fill parts greedily; a character that does not fit whole starts the next part.
  let parts = 1;
  let used = 0;
  for (const ch of text) {
    const c = cost(ch);
    if (used + c > multi) {
      parts++;
      used = 0;
    }
    used += c;
  }
  return { encoding, units, parts };
}

/**
 * Punctuation that word processors and templates produce but GSM 03.38 lacks, mapped to the
 * GSM characters a reader takes for the same thing. One curly quote would otherwise switch the
 * whole message to UCS-2 and more than halve what fits.
 */
const LOOKALIKES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2009': ' ',
  '\u202F': ' ',
  '\t': ' ',
  '\u2022': '*',
  '\u00B7': '.',
};

export function toGsmLookalikes(text: string): string {
  let out = '';
  for (const ch of text) out += LOOKALIKES[ch] ?? ch;
  return out;
}

/**
 * `prefix + text + suffix` in at most `maxParts` parts, cutting `text` (only) at a word boundary
 * and marking the cut with an ellipsis: "..." while the message is GSM-7 ("…" would switch it to
 * UCS-2), "…" when it is UCS-2 anyway. Returns undefined if even `prefix + suffix` does not fit.
 */
export function fitSms(prefix: string, text: string, suffix: string, maxParts: number): string | undefined {
  const fits = (s: string) => smsSize(s).parts <= maxParts;
  const whole = prefix + text + suffix;
  if (fits(whole)) return whole;
  if (!fits(prefix + suffix)) return undefined;

  // No more than the largest message could hold is worth considering.
  const chars = Array.from(text.slice(0, SMS_PART_LIMITS['GSM-7'].multi * maxParts + 2));
  let lo = 0;
  let hi = chars.length;
  const candidate = (count: number): string => {
    const cut = cutAtWord(chars, count);
    if (cut === '') return prefix + suffix.replace(/^\s+/, '');
    const base = prefix + cut + suffix;
    return prefix + cut + (smsEncoding(base) === 'UCS-2' ? '…' : '...') + suffix;
  };
  // Binary search the longest prefix of `text` (in code points) whose cut message fits.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(candidate(mid))) lo = mid;
    else hi = mid - 1;
  }
  return candidate(lo);
}

/**
 * The first `count` characters, backed off to the last word boundary when that does not lose
 * much (a long token such as a URL or an ID is cut mid-word instead), without trailing
 * punctuation that would read oddly before an ellipsis.
 */
function cutAtWord(chars: readonly string[], count: number): string {
  let head = chars.slice(0, count).join('');
  const next = chars[count];
  if (next !== undefined && !/\s/.test(next)) {
    const space = head.search(/\s\S*$/);
    if (space > 0 && space >= head.length - 20) head = head.slice(0, space);
  }
  return head.replace(/[\s,;:.\-–—]+$/u, '');
}
