import { describe, expect, it } from 'vitest';
import { TemplateError } from './errors';
import { FUNCTIONS } from './functions';
import { T } from './model';
import { compileTemplate, compileTemplateSet, compileWith, type Template, type TemplateSet } from './template';
import { NOW, sampleData } from '../channels/template-testing';
import type { TemplateData } from './values';
import { mulberry32 } from '../../test/support/prng';

/**
 * Property tests over generated templates, seeded so a failure reproduces: compile either
 * succeeds or throws TemplateError with a location; render never throws, never reports an
 * internal error, and stays within its output cap.
 */

const data = sampleData();
const MAX_OUTPUT = 4096;
const hostile = {
  Status: 'firing',
  get trap(): string {
    throw new Error('getter called');
  },
  fn: (): never => {
    throw new Error('function called');
  },
  Alerts: [{ Labels: { a: '1' } }, null, 5, 'x'],
  nested: { deeper: { value: '<v>' } },
} as unknown as TemplateData;

function compileOrError(src: string, typed: boolean, set?: TemplateSet): Template | undefined {
  try {
    if (set) return typed ? set.compile(src, 'fuzz') : compileWith(src, 'fuzz', T.any, set);
    return typed ? compileTemplate(src, 'fuzz') : compileWith(src, 'fuzz', T.any);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw new Error(`compile threw ${String(e)} for ${JSON.stringify(src)}`, { cause: e });
    expect(e.message, src).toMatch(/^template fuzz:\d+:\d+: ./);
    return undefined;
  }
}

function renderAll(t: Template, src: string): void {
  for (const d of [data, hostile]) {
    const out = t.render(d, {
      now: NOW,
      maxOutput: MAX_OUTPUT,
      maxSteps: 20_000,
      escape: (s) => s.replace(/</g, '&lt;'),
      onError: (e) => {
        throw new Error(`internal error ${String(e)} rendering ${JSON.stringify(src)}`);
      },
    });
    expect(typeof out).toBe('string');
    expect(out.length).toBeLessThanOrEqual(MAX_OUTPUT);
  }
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const FRAGMENTS = [
  '{{', '}}', '{{- ', ' -}}', '{{/*', '*/}}', ' ', ' ', '\n', 'text', '.', '.Alerts', '.Labels', '.Status', '.Firing',
  '.SortedPairs', '.Values', '.constructor', '.__proto__', '$', '$x', '$i', ':=', '=', ',', '|', '(', ')', '"s"', '"%s %d %q %v"',
  '`raw`', '"unterminated', "'c'", '1', '-1', '1.5', '0x1f', '1e3', 'if', 'else', 'end', 'range', 'with', 'break', 'continue',
  'nil', 'true', 'false', 'define', 'template', 'block', '"__subject"', '"(a+)+$"', '"[a-"', '"UTC"', '"2006-01-02"', '\\', '"\\u00e9"', '@', '}', '{',
  ...Object.keys(FUNCTIONS),
];

/** Random concatenations of template fragments: mostly invalid, hitting the lexer and parser. */
function soup(r: () => number): string {
  return Array.from({ length: 1 + Math.floor(r() * 24) }, () => pick(r, FRAGMENTS)).join(r() < 0.5 ? ' ' : '');
}

const FIELDS = ['.Status', '.Receiver', '.Alerts', '.Alerts.Firing', '.Alerts.Resolved', '.CommonLabels', '.CommonLabels.team', '.GroupLabels.SortedPairs', '.CommonLabels.Values', '.CommonAnnotations.summary', '.ExternalURL', '.TruncatedAlerts', '.Labels', '.Labels.instance', '.StartsAt', '.Name', '.Value', '$', '.', '$x'];
const LITERALS = ['"a"', '"firing"', '1', '0', '3', '"%s-%v"', '" "', '"(\\\\w+)"', '"$1"', '"UTC"', '"15:04"', 'true', '"<b>"'];

/** Grammar-shaped templates: many compile (typed or untyped) and exercise render. */
function term(r: () => number, depth: number): string {
  const x = r();
  if (x < 0.35) return pick(r, FIELDS);
  if (x < 0.6 || depth > 2) return pick(r, LITERALS);
  return `(${pipeline(r, depth + 1)})`;
}

/** A call with the function's arity (one fewer argument when a value is piped in). */
function call(r: () => number, depth: number, piped: boolean): string {
  const name = pick(r, Object.keys(FUNCTIONS));
  const def = FUNCTIONS[name]!;
  const n = Math.max(0, def.params.length - (piped ? 1 : 0) + (def.rest && r() < 0.3 ? 1 : 0));
  return [name, ...Array.from({ length: n }, () => term(r, depth))].join(' ');
}

function pipeline(r: () => number, depth = 0): string {
  let p = r() < 0.5 ? term(r, depth) : call(r, depth, false);
  while (r() < 0.3) p += ` | ${call(r, depth, true)}`;
  return p;
}

function body(r: () => number, depth = 0): string {
  let out = '';
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.3) out += pick(r, ['a', ' ', '\n', '<p>', 'x y']);
    else if (x < 0.55 || depth > 3) out += `{{${r() < 0.2 ? '-' : ''} ${r() < 0.15 ? '$x := ' : ''}${pipeline(r)} ${r() < 0.2 ? '-' : ''}}}`;
    else {
      const kw = pick(r, ['if', 'with', 'range', 'range $i, $x :=']);
      const els = r() < 0.3 ? `{{ else }}${body(r, depth + 1)}` : '';
      const brk = kw.startsWith('range') && r() < 0.2 ? pick(r, ['{{ break }}', '{{ continue }}']) : '';
      out += `{{ ${kw} ${pipeline(r)} }}${body(r, depth + 1)}${brk}${els}{{ end }}`;
    }
  }
  return out;
}

/** Delete, duplicate or insert a character: near-valid templates, the parser's hardest inputs. */
function mutate(r: () => number, src: string): string {
  const i = Math.floor(r() * (src.length + 1));
  switch (Math.floor(r() * 3)) {
    case 0:
      return src.slice(0, i) + src.slice(i + 1);
    case 1:
      return src.slice(0, i) + src.slice(i, i + 3) + src.slice(i);
    default:
      return src.slice(0, i) + pick(r, ['{', '}', '"', '(', ')', '|', '$', '.', '-', ' ', '`', '\n']) + src.slice(i);
  }
}

describe('fuzz', () => {
  it('random fragment soup: compile throws only TemplateError; render never throws', () => {
    const r = mulberry32(1);
    for (let i = 0; i < 3000; i++) {
      const src = soup(r);
      for (const typed of [true, false]) {
        const t = compileOrError(src, typed);
        if (t) renderAll(t, src);
      }
    }
  });

  it('grammar-shaped templates and their mutations', () => {
    const r = mulberry32(2);
    let compiled = 0;
    for (let i = 0; i < 1500; i++) {
      const src = body(r);
      for (const candidate of [src, mutate(r, src), mutate(r, mutate(r, src))]) {
        for (const typed of [true, false]) {
          const t = compileOrError(candidate, typed);
          if (t) {
            compiled++;
            renderAll(t, candidate);
          }
        }
      }
    }
    // The generator must reach render often enough for this to mean something.
    expect(compiled).toBeGreaterThan(1000);
  });

  it('random bytes, including lone surrogates and control characters', () => {
    const r = mulberry32(3);
    for (let i = 0; i < 1000; i++) {
      const src = Array.from({ length: Math.floor(r() * 40) }, () =>
        r() < 0.3 ? pick(r, ['{{', '}}', ' ', '"', '.']) : String.fromCharCode(Math.floor(r() * 0xffff)),
      ).join('');
      const t = compileOrError(src, false);
      if (t) renderAll(t, src);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('named templates: definitions calling each other (recursion too), blocks, sets of files', () => {
    const r = mulberry32(4);
    const OWN = ['a', 'b', 'c'];
    const DEFAULTS = ['__subject', 'slack.default.fallback', '__text_alert_list', 'pagerduty.default.instances'];
    const DOTS = ['.', '$', '.Alerts', '.Alerts.Firing', '.CommonLabels', '.Status', '(index .Alerts 0)', '.Labels', ''];
    let names: string[] = [];
    let blocks = 0;
    const call = (): string =>
      r() < 0.15
        ? `{{ block "block${blocks++}" ${pick(r, DOTS) || '.'} }}${text()}{{ end }}`
        : `{{ template "${r() < 0.03 ? 'missing' : pick(r, names)}" ${pick(r, DOTS)} }}`;
    const simple = (): string =>
      pick(r, ['x', '\n', '{{ . }}', '{{ .Status }}', '{{ .Labels.instance }}', '{{ $ }}', '{{ len . }}', '{{ range . }}[{{ . }}]{{ end }}', '{{ with .Alerts }}{{ len . }}{{ end }}']);
    const text = (): string =>
      Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
        const x = r();
        return x < 0.35 ? call() : x < 0.45 ? body(r, 3) : simple();
      }).join('');
    let rendered = 0;
    for (let i = 0; i < 600; i++) {
      const own = OWN.filter(() => r() < 0.7);
      names = [...own, ...DEFAULTS];
      // Each file defines some of the names (a repeat within a file is an error, across files an override).
      const files = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, f) => {
        const src = own
          .filter(() => f === 0 || r() < 0.4)
          .map((name) => `{{ define "${name}" }}${text()}{{ end }}`)
          .join('\n');
        return { name: `f${f}.tmpl`, text: r() < 0.15 ? mutate(r, src) : src };
      });
      let set: TemplateSet;
      try {
        set = compileTemplateSet(files);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw new Error(`set compile threw ${String(e)} for ${JSON.stringify(files)}`, { cause: e });
        expect(e.message).toMatch(/^template f\d\.tmpl:\d+:\d+: ./);
        continue;
      }
      const field = text();
      for (const typed of [true, false]) {
        const t = compileOrError(field, typed, set);
        if (t) {
          rendered++;
          renderAll(t, `${JSON.stringify(files)} ${field}`);
        }
      }
    }
    // The generator must reach render often enough for this to mean something.
    expect(rendered).toBeGreaterThan(150);
  });
});
