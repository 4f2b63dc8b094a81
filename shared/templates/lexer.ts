import type { Source } from './errors';

/**
 * Go text/template's lexer, for the `{{ }}` delimiters: text, actions with `{{- ` / ` -}}`
 * trimming (applied here, to the neighbouring text), comment actions (dropped here), and
 * the tokens inside actions. Each token records whether whitespace preceded it, which is how the
 * parser tells `.A.B` (a chain) from `.A .B` (two arguments).
 */
export type TokKind =
  | 'text'
  | 'open'
  | 'close'
  | 'ident'
  | 'keyword'
  | 'field'
  | 'var'
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'eof';

export interface Token {
  readonly kind: TokKind;
  readonly pos: number;
  /** The lexeme (a field's name without the dot; a string's decoded value; text after trimming). */
  readonly val: string;
  /** Whether whitespace came before this token inside the action. */
  readonly space: boolean;
  /** A number literal's value. */
  readonly num?: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const IDENT = /[\p{L}\p{N}_]+/uy;

function trimLeft(s: string): string {
  let i = 0;
  while (isSpace(s[i])) i++;
  return s.slice(i);
}

function trimRight(s: string): string {
  let i = s.length;
  while (i > 0 && isSpace(s[i - 1])) i--;
  return s.slice(0, i);
}

/** Go's strconv.Unquote for "..." strings; undefined when an escape is invalid. */
function unquote(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e !== undefined && Object.hasOwn(simple, e)) {
      out += simple[e];
      continue;
    }
    const hex = (len: number): number | undefined => {
      const h = body.slice(i + 1, i + 1 + len);
      if (h.length !== len || !/^[0-9A-Fa-f]+$/.test(h)) return undefined;
      i += len;
      return parseInt(h, 16);
    };
    let cp: number | undefined;
    if (e === 'x') cp = hex(2);
    else if (e === 'u') cp = hex(4);
    else if (e === 'U') cp = hex(8);
    else if (e !== undefined && e >= '0' && e <= '7') {
      const o = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o)) return undefined;
      i += 2;
      cp = parseInt(o, 8);
    }
    if (cp === undefined || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff && e !== 'x')) return undefined;
    // \x and octal escapes are bytes in Go; as characters they are right for ASCII.
    out += String.fromCodePoint(cp);
  }
  return out;
}

/** A Go number literal's value, or undefined when it is not valid Go syntax. */
function numberValue(lexeme: string): number | undefined {
  if (lexeme.endsWith('i')) return undefined;
  const sign = lexeme.startsWith('-') ? -1 : 1;
  const s = lexeme.replace(/^[+-]/, '');
  if (/_$|^_|__|\._|_\./.test(s)) return undefined;
  const t = s.replace(/_/g, '');
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(t))) return sign * parseInt(m[1]!, 16);
  if ((m = /^0[oO]([0-7]+)$/.exec(t)) || (m = /^0([0-7]+)$/.exec(t))) return sign * parseInt(m[1]!, 8);
  if ((m = /^0[bB]([01]+)$/.exec(t))) return sign * parseInt(m[1]!, 2);
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return sign * Number(t);
  return undefined;
}

export function lex(src: Source): Token[] {
  const s = src.text;
  const toks: Token[] = [];
  let pos = 0;
  let trimNext = false;
  const push = (kind: TokKind, at: number, val: string, space = false, num?: number): void => {
    toks.push(num === undefined ? { kind, pos: at, val, space } : { kind, pos: at, val, space, num });
  };

  while (pos <= s.length) {
    const open = s.indexOf('{{', pos);
    let text = s.slice(pos, open === -1 ? s.length : open);
    if (trimNext) text = trimLeft(text);
    const trimBefore = open !== -1 && s[open + 2] === '-' && isSpace(s[open + 3]);
    if (trimBefore) text = trimRight(text);
    if (text) push('text', pos, text);
    if (open === -1) break;
    pos = action(open, trimBefore);
  }
  push('eof', s.length, '');
  return toks;

  /** Lex one action starting at `open`; returns the position after its `}}`. */
  function action(open: number, trimBefore: boolean): number {
    let p = open + 2 + (trimBefore ? 2 : 0);
    if (s.startsWith('/*', p)) {
      const end = s.indexOf('*/', p + 2);
      if (end === -1) throw src.error(open, 'unclosed comment');
      p = end + 2;
      if (s.startsWith('}}', p)) {
        trimNext = false;
        return p + 2;
      }
      if (isSpace(s[p]) && s.startsWith('-}}', p + 1)) {
        trimNext = true;
        return p + 4;
      }
      throw src.error(p, 'comment ends before closing delimiter');
    }
    push('open', open, '{{');
    let space = trimBefore;
    for (;;) {
      if (p >= s.length) throw src.error(open, 'unclosed action');
      const c = s[p]!;
      if (isSpace(c)) {
        if (s.startsWith('-}}', p + 1)) {
          push('close', p, '}}', true);
          trimNext = true;
          return p + 4;
        }
        p++;
        space = true;
        continue;
      }
      if (s.startsWith('}}', p)) {
        push('close', p, '}}', space);
        trimNext = false;
        return p + 2;
      }
      const start = p;
      switch (c) {
        case '|':
          push('pipe', p++, '|', space);
          break;
        case '(':
          push('lparen', p++, '(', space);
          break;
        case ')':
          push('rparen', p++, ')', space);
          break;
        case ',':
          push('comma', p++, ',', space);
          break;
        case '=':
          push('assign', p++, '=', space);
          break;
        case ':':
          if (s[p + 1] !== '=') throw src.error(p, 'expected :=');
          push('declare', p, ':=', space);
          p += 2;
          break;
        case '"': {
          let q = p + 1;
          for (;;) {
            const ch = s[q];
            if (ch === undefined || ch === '\n') throw src.error(p, 'unterminated quoted string');
            if (ch === '\\') {
              if (s[q + 1] === undefined || s[q + 1] === '\n') throw src.error(p, 'unterminated quoted string');
              q += 2;
              continue;
            }
            if (ch === '"') break;
            q++;
          }
          const val = unquote(s.slice(p + 1, q));
          if (val === undefined) throw src.error(p, `invalid escape in string ${s.slice(p, q + 1)}`);
          push('string', p, val, space);
          p = q + 1;
          break;
        }
        case '`': {
          const q = s.indexOf('`', p + 1);
          if (q === -1) throw src.error(p, 'unterminated raw quoted string');
          push('string', p, s.slice(p + 1, q).replace(/\r/g, ''), space);
          p = q + 1;
          break;
        }
        case "'": {
          const m = /'(\\.[^']*|[^'\\\n])'/uy;
          m.lastIndex = p;
          const r = m.exec(s);
          const body = r?.[1];
          const val = body === undefined ? undefined : body.startsWith('\\') ? unquote(body) : body;
          if (val === undefined || [...val].length !== 1) throw src.error(p, 'invalid character constant');
          push('number', p, r![0], space, val.codePointAt(0)!);
          p += r![0].length;
          break;
        }
        case '$': {
          IDENT.lastIndex = p + 1;
          const name = IDENT.exec(s)?.[0] ?? '';
          push('var', p, `$${name}`, space);
          p += 1 + name.length;
          terminator(p, `$${name}`);
          break;
        }
        case '.': {
          const next = s[p + 1];
          if (next !== undefined && next >= '0' && next <= '9') {
            p = number(p, space);
            break;
          }
          IDENT.lastIndex = p + 1;
          const name = IDENT.exec(s)?.[0];
          if (name) {
            push('field', p, name, space);
            p += 1 + name.length;
            terminator(p, `.${name}`);
          } else push('dot', p++, '.', space);
          break;
        }
        default: {
          if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
            p = number(p, space);
            break;
          }
          IDENT.lastIndex = p;
          const word = IDENT.exec(s)?.[0];
          if (!word) {
            const cp = s.codePointAt(p)!;
            throw src.error(p, `unrecognized character in action: U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(String.fromCodePoint(cp))}`);
          }
          if (word === 'true' || word === 'false') push('bool', p, word, space);
          else if (word === 'nil') push('nil', p, word, space);
          else push(KEYWORDS.has(word) ? 'keyword' : 'ident', p, word, space);
          p += word.length;
          terminator(p, word);
        }
      }
      if (p === start) throw src.error(p, 'internal lexer error');
      space = false;
    }
  }

  /** After a word, Go requires a space, `.`, `,`, `|`, `:`, `(`, `)` or the closing `}}`. */
  function terminator(p: number, word: string): void {
    const c = s[p];
    if (c === undefined || isSpace(c) || '.,|:()'.includes(c) || s.startsWith('}}', p) || c === '=') return;
    let hint = '';
    if (c === '-' && word.startsWith('.')) {
      // Point at the map the name belongs to: `.CommonLabels.foo-bar` -> index .CommonLabels "foo-bar".
      let b = p - word.length;
      while (b > 0 && /[\p{L}\p{N}_.$]/u.test(s[b - 1]!)) b--;
      const receiver = s.slice(b, p - word.length) || '.';
      const name = word.slice(1) + (/^-[\p{L}\p{N}_-]*/u.exec(s.slice(p))?.[0] ?? '-');
      hint = `; a name with "-" needs index, e.g. index ${receiver} "${name}"`;
    }
    throw src.error(p, `bad character ${JSON.stringify(String.fromCodePoint(s.codePointAt(p)!))} after ${word}${hint}`);
  }

  function number(p: number, space: boolean): number {
    // Go's scanNumber: the digit set follows the base prefix; exponents only for decimal and hex.
    let q = p;
    const run = (set: RegExp): void => {
      while (q < s.length && set.test(s[q]!)) q++;
    };
    if (s[q] === '+' || s[q] === '-') q++;
    let digits = /[0-9_]/;
    let exp = /[eE]/;
    if (s[q] === '0' && /[xXoObB]/.test(s[q + 1] ?? '')) {
      const base = s[q + 1]!.toLowerCase();
      digits = base === 'x' ? /[0-9a-fA-F_]/ : base === 'o' ? /[0-7_]/ : /[01_]/;
      exp = base === 'x' ? /[pP]/ : /^$/;
      q += 2;
    }
    run(digits);
    if (s[q] === '.') {
      q++;
      run(digits);
    }
    if (exp.test(s[q] ?? '')) {
      q++;
      if (s[q] === '+' || s[q] === '-') q++;
      run(/[0-9_]/);
    }
    if (s[q] === 'i') q++;
    // A letter or digit straight after is part of a bad number, as in Go ("1x").
    IDENT.lastIndex = q;
    const lexeme = s.slice(p, q) + (IDENT.exec(s)?.[0] ?? '');
    const v = numberValue(lexeme);
    if (v === undefined) {
      throw src.error(p, /^[^a-zA-Z]*[0-9]i$/.test(lexeme) ? 'complex numbers are not supported' : `bad number syntax: ${JSON.stringify(lexeme)}`);
    }
    push('number', p, lexeme, space, v);
    return p + lexeme.length;
  }
}
