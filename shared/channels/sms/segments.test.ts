import { describe, expect, it } from 'vitest';
import { fitSms, smsEncoding, smsSize, toGsmLookalikes } from './segments';

describe('smsSize', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    // The GSM basic table includes these; they stay GSM-7.
    ['@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà', 'GSM-7', 41, 1],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['ж'.repeat(70), 'UCS-2', 70, 1],
    ['ж'.repeat(71), 'UCS-2', 71, 2],
    ['ж'.repeat(134), 'UCS-2', 134, 2],
    ['ж'.repeat(135), 'UCS-2', 135, 3],
    // An emoji is a surrogate pair: two UTF-16 units.
    ['🔥'.repeat(35), 'UCS-2', 70, 1],
    // One non-GSM character switches everything: 100 ASCII + "ç" no longer fits one part.
    [`${'a'.repeat(100)}ç`, 'UCS-2', 101, 2],
  ] as const)('%#: %s', (text, encoding, units, parts) => {
    expect(smsSize(text)).toEqual({ encoding, units, parts });
  });

  it('never splits an extension character across parts', () => {
    // 152 septets then "€" (2): part one holds 152, "€" opens part two. So 306 septets, which
    // would fill exactly two parts, need three here.
    expect(smsSize(`${'a'.repeat(152)}€${'a'.repeat(151)}`).parts).toBe(2);
    expect(smsSize(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toEqual({ encoding: 'GSM-7', units: 306, parts: 3 });
  });

  it('never splits a surrogate pair across parts', () => {
    // 66 units then an emoji (2): part one holds 66, the emoji opens part two (2 + 65 = 67).
    expect(smsSize(`${'ж'.repeat(66)}🔥${'ж'.repeat(65)}`).parts).toBe(2);
    expect(smsSize(`${'ж'.repeat(66)}🔥${'ж'.repeat(66)}`)).toEqual({ encoding: 'UCS-2', units: 134, parts: 3 });
  });
});

describe('smsEncoding and look-alikes', () => {
  it('maps typographic punctuation to GSM characters, so the message stays GSM-7', () => {
    const text = '“Disk” is 95% full – ‘/var’… on host\u00a0a';
    expect(smsEncoding(text)).toBe('UCS-2');
    expect(toGsmLookalikes(text)).toBe('"Disk" is 95% full - \'/var\'... on host a');
    expect(smsEncoding(toGsmLookalikes(text))).toBe('GSM-7');
  });

  it('leaves real non-GSM text alone', () => {
    expect(toGsmLookalikes('Ошибка 🔥')).toBe('Ошибка 🔥');
  });
});

describe('fitSms', () => {
  const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');

  it('returns the whole message when it fits', () => {
    expect(fitSms('[CRITICAL] X: ', 'short', ' http://a', 2)).toBe('[CRITICAL] X: short http://a');
  });

  it('cuts the middle text at a word boundary with "..." in GSM-7, keeping prefix and suffix whole', () => {
    const out = fitSms('[CRITICAL] X: ', words, ' https://alertflow.example.com', 2)!;
    expect(smsSize(out)).toMatchObject({ encoding: 'GSM-7', parts: 2 });
    expect(out.startsWith('[CRITICAL] X: word0 word1')).toBe(true);
    expect(out.endsWith('... https://alertflow.example.com')).toBe(true);
    // The cut falls after a whole word: what precedes "..." is a complete wordN.
    expect(out).toMatch(/ word\d+\.\.\. https/);
    const lastWord = /(word\d+)\.\.\./.exec(out)![1]!;
    expect(words.split(' ')).toContain(lastWord);
    // And it uses the room: one more word would not fit.
    expect(smsSize(out).units).toBeGreaterThan(306 - 'word79 '.length);
  });

  it('uses "…" when the message is UCS-2 anyway, and fits two 67-unit parts', () => {
    const ru = Array.from({ length: 60 }, () => 'ошибка').join(' ');
    const out = fitSms('[CRITICAL] X: ', ru, '', 2)!;
    expect(smsSize(out)).toMatchObject({ encoding: 'UCS-2', parts: 2 });
    expect(out.endsWith('ошибка…')).toBe(true);
    expect(out.length).toBeGreaterThan(134 - 'ошибка '.length - 1);
  });

  it('cuts a long token mid-word rather than dropping it whole', () => {
    const out = fitSms('id: ', 'x'.repeat(1000), '', 1)!;
    expect(out).toBe(`id: ${'x'.repeat(160 - 4 - 3)}...`);
  });

  it('gives up (undefined) only when prefix and suffix alone do not fit', () => {
    expect(fitSms('a'.repeat(300), 'more', 'b'.repeat(10), 2)).toBeUndefined();
  });
});
