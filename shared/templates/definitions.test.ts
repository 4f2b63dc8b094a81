import { describe, expect, it } from 'vitest';
import { ALERTMANAGER_DEFAULT_NAMES } from './alertmanager-defaults';
import { Source, TemplateError } from './errors';
import { Exec, MAX_EXEC_DEPTH } from './exec';
import { lex } from './lexer';
import { parse } from './parser';
import {
  MAX_SET_FILES,
  MAX_SET_SOURCE_LENGTH,
  compileCheckTemplate,
  compileTemplate,
  compileTemplateSet,
  defaultTemplateSet,
  type RenderOptions,
  type TemplateFile,
} from './template';
import { NOW, sampleData } from '../channels/template-testing';
import { KV, type Value } from './values';

const data = sampleData();
const opts = (over: RenderOptions = {}): RenderOptions => ({ now: NOW, onError: (e) => expect.fail(String(e)), ...over });
const render = (src: string): string => compileTemplate(src, 'field').render(data, opts());

function compileError(src: string, name = 'field'): TemplateError {
  try {
    compileTemplate(src, name);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error(`expected ${JSON.stringify(src)} not to compile`);
}

function setError(files: TemplateFile[]): TemplateError {
  try {
    compileTemplateSet(files);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error('expected the set not to compile');
}

describe('define and template', () => {
  it('calls a definition with the pipeline as dot', () => {
    expect(render('{{ define "x" }}<{{ .Status }}>{{ end }}[{{ template "x" . }}]')).toBe('[<firing>]');
    expect(render('{{ define "inst" }}{{ range . }}{{ .Labels.instance }}{{ end }}{{ end }}{{ template "inst" .Alerts.Firing }}')).toBe('ab');
    expect(render('{{ define "up" }}{{ toUpper . }}{{ end }}{{ range .Alerts }}{{ template "up" .Labels.instance }}{{ end }}')).toBe('ABC');
  });

  it('gives the body only its own $ (the dot it was called with), none of the caller\'s variables', () => {
    expect(render('{{ define "d" }}{{ $ }}/{{ . }}{{ end }}{{ template "d" .Status }}')).toBe('firing/firing');
    expect(compileError('{{ $x := 1 }}{{ define "d" }}{{ $x }}{{ end }}').problem).toBe('undefined variable "$x"');
    // A variable of the same name in the body is the body's own.
    expect(render('{{ $x := "outer" }}{{ define "d" }}{{ $x := "inner" }}{{ $x }}{{ end }}{{ template "d" }}{{ $x }}')).toBe('innerouter');
  });

  it('renders nothing for dot when called without a pipeline', () => {
    expect(render('{{ define "n" }}[{{ . }}]{{ end }}{{ template "n" }}')).toBe('[]');
  });

  it('keeps variables the call\'s pipeline declares in the caller\'s scope (as Go)', () => {
    expect(render('{{ define "d" }}{{ . }}{{ end }}{{ template "d" $s := .Receiver }}|{{ $s }}')).toBe('team-infra|team-infra');
  });

  it('calls definitions from definitions, in any order of definition', () => {
    expect(render('{{ template "a" . }}{{ define "a" }}a{{ template "b" .Alerts }}{{ end }}{{ define "b" }}({{ len . }}){{ end }}')).toBe('a(3)');
  });

  it('leaves the definitions out of the output, keeping the text around them', () => {
    expect(render('x\n{{ define "a" }}A{{ end }}\ny')).toBe('x\n\ny');
    expect(render('x\n{{- define "a" }}A{{ end -}}\ny')).toBe('xy');
  });

  it('escapes interpolated values in a called body too, never its text', () => {
    const t = compileTemplate('{{ define "b" }}<b>{{ . }}</b>{{ end }}{{ template "b" "<i>" }}');
    expect(t.render(data, opts({ escape: (s) => s.replace(/</g, '&lt;') }))).toBe('<b>&lt;i></b>');
  });

  it('defines a name once per text; an empty definition neither conflicts nor replaces', () => {
    expect(compileError('{{ define "x" }}a{{ end }}\n{{ define "x" }}b{{ end }}').message).toBe(
      'template field:2:4: template "x" is already defined at 1:4; only a later file can redefine it',
    );
    expect(render('{{ define "x" }}a{{ end }}{{ define "x" }} {{/* nothing */}} {{ end }}{{ template "x" }}')).toBe('a');
    expect(render('{{ define "x" }}  {{ end }}{{ define "x" }}b{{ end }}{{ template "x" }}')).toBe('b');
  });
});

describe('block', () => {
  it('defines the template and calls it in place with its pipeline', () => {
    expect(render('{{ block "b" .CommonLabels.team }}<{{ . }}>{{ end }}')).toBe('<infra>');
    expect(render('{{ block "b" . }}B{{ end }}{{ template "b" . }}')).toBe('BB');
  });

  it('may stand inside other blocks (unlike define), and its body is a template of its own', () => {
    expect(render('{{ range .Alerts }}{{ block "i" .Labels.instance }}{{ . }}{{ end }}{{ end }}')).toBe('abc');
    expect(compileError('{{ range .Alerts }}{{ block "i" . }}{{ break }}{{ end }}{{ end }}').problem).toBe('{{ break }} outside {{ range }}');
    expect(compileError('{{ $v := 1 }}{{ block "i" . }}{{ $v }}{{ end }}').problem).toBe('template "i", at field:1:34 (dot: Data): undefined variable "$v"');
  });

  it('is replaced by a later definition of its name in a set, as Go\'s base-template pattern', () => {
    const set = compileTemplateSet([
      { name: 'base.tmpl', text: '{{ define "page" }}[{{ block "body" . }}default{{ end }}]{{ end }}' },
      { name: 'override.tmpl', text: '{{ define "body" }}custom {{ .Status }}{{ end }}' },
    ]);
    expect(set.compile('{{ template "page" . }}').render(data)).toBe('[custom firing]');
    expect(compileTemplateSet([{ name: 'base.tmpl', text: '{{ define "page" }}[{{ block "body" . }}default{{ end }}]{{ end }}' }]).compile('{{ template "page" . }}').render(data)).toBe(
      '[default]',
    );
  });
});

describe('syntax errors', () => {
  it.each([
    ['{{ template }}', 'template field:1:13: {{ template }} needs a template name in quotes, e.g. {{ template "slack.custom.title" . }}, not "}}"'],
    ['{{ template x }}', 'template field:1:13: {{ template }} needs a template name in quotes, e.g. {{ template "slack.custom.title" . }}, not "x"'],
    ['{{ template .Status }}', 'template field:1:13: {{ template }} needs a template name in quotes, e.g. {{ template "slack.custom.title" . }}, not ".Status"'],
    ['{{ define "x" . }}{{ end }}', 'template field:1:15: unexpected "." in {{ define }}'],
    ['{{ define "x" }}abc', 'template field:1:20: unclosed {{ define "x" }} opened at 1:4'],
    ['{{ define "x" }}a{{ else }}b{{ end }}', 'template field:1:21: unexpected {{ else }} in {{ define "x" }} opened at 1:4'],
    ['{{ block "x" }}{{ end }}', 'template field:1:14: missing value for {{ block }}'],
    ['{{ block "x" . }}', 'template field:1:18: unclosed {{ block "x" }} opened at 1:4'],
    ['{{ if true }}{{ define "x" }}{{ end }}{{ end }}', 'template field:1:17: {{ define }} is allowed only at the top level, not inside another block or definition'],
    ['{{ define "a" }}{{ define "b" }}{{ end }}{{ end }}', 'template field:1:20: {{ define }} is allowed only at the top level, not inside another block or definition'],
    ['{{ block "a" . }}{{ define "b" }}{{ end }}{{ end }}', 'template field:1:21: {{ define }} is allowed only at the top level, not inside another block or definition'],
    ['{{ define "x" }}{{ end }}{{ end }}', 'template field:1:29: unexpected {{ end }}'],
  ])('%j', (src, message) => {
    expect(compileError(src).message).toBe(message);
  });
});

describe('compile-time checks of calls', () => {
  it('rejects a template name the set does not define, suggesting a close one', () => {
    expect(compileError('{{ template "nope" . }}').message).toBe('template field:1:4: template "nope" is not defined');
    expect(compileError('{{ template "slack.default.titel" . }}').problem).toBe('template "slack.default.titel" is not defined (did you mean "slack.default.title"?)');
  });

  it('checks a body against the dot each call passes, reporting at the call with the place in the body', () => {
    const src = '{{ define "x" }}\n  {{ .Labels.instance }}\n{{ end }}{{ range .Alerts }}{{ template "x" . }}{{ end }}{{ template "x" . }}';
    const e = compileError(src);
    // Fine with an Alert as dot (the call in the range); an error with the notification's Data.
    expect(e.message).toBe(
      'template field:3:61: template "x", at field:2:6 (dot: Data): unknown field ".Labels" on Data (fields: Receiver, Status, Alerts, GroupLabels, CommonLabels, CommonAnnotations, ExternalURL, GroupKey, TruncatedAlerts)',
    );
    expect(compileError('{{ define "p" }}{{ .Status }}{{ end }}{{ template "p" .Alerts }}').problem).toBe(
      'template "p", at field:1:20 (dot: list of Alert): can\'t read .Status of a list of Alert (methods: Firing, Resolved); use range or index to reach its elements',
    );
    expect(render('{{ define "p" }}{{ .Status }}{{ end }}{{ template "p" . }}{{ range .Alerts }}{{ template "p" . }}{{ end }}')).toBe('firingfiringfiringresolved');
  });

  it('names the chain of calls that leads to a problem', () => {
    const set = compileTemplateSet([
      { name: 'a.tmpl', text: '{{ define "a" }}{{ template "b" .Alerts }}{{ end }}' },
      { name: 'b.tmpl', text: '{{ define "b" }}\n{{ range . }}{{ .Labelz }}{{ end }}{{ end }}' },
    ]);
    expect(() => set.compile('x {{ template "a" . }}', 'receivers[0].slack_configs[0].title')).toThrow(
      'template receivers[0].slack_configs[0].title:1:6: template "a" → "b", at b.tmpl:2:17 (dot: list of Alert): unknown field ".Labelz" on Alert (fields:',
    );
  });

  it('rejects a call without a pipeline to a body that reads dot', () => {
    expect(compileError('{{ define "s" }}{{ .Status }}{{ end }}{{ template "s" }}').problem).toBe(
      'template "s", at field:1:20 (dot: nil): can\'t read .Status of a nil',
    );
  });

  it('checks a recursive template once per dot type, and accepts it', () => {
    expect(render('{{ define "r" }}{{ with . }}{{ (index . 0).Labels.instance }}{{ template "r" (slice . 1) }}{{ end }}{{ end }}{{ template "r" .Alerts }}')).toBe('abc');
    // Each call with another dot type is checked too: here the second level gets a list, which has no .Alerts.
    expect(compileError('{{ define "r" }}{{ template "r" . }}{{ template "r" .Alerts }}{{ end }}{{ template "r" . }}').problem).toBe(
      'template "r" → "r", at field:1:53 (dot: list of Alert): can\'t read .Alerts of a list of Alert (methods: Firing, Resolved); use range or index to reach its elements',
    );
    expect(() => compileTemplate('{{ define "a" }}{{ template "b" . }}{{ end }}{{ define "b" }}{{ template "a" . }}{{ end }}{{ template "a" . }}')).not.toThrow();
  });

  it('checks definitions nobody calls for what does not depend on dot', () => {
    expect(compileError('{{ define "u" }}{{ $nope }}{{ end }}').problem).toBe('undefined variable "$nope"');
    expect(compileError('{{ define "u" }}{{ join "," }}{{ end }}').problem).toBe('wrong number of arguments for join: want 2, got 1');
    expect(compileError('{{ define "u" }}{{ template "missing" . }}{{ end }}').problem).toBe('template "missing" is not defined');
    // ...but not fields: the dot is unknown until a call.
    expect(() => compileTemplate('{{ define "u" }}{{ .Anything.Goes }}{{ end }}')).not.toThrow();
  });

  it('gives check templates no named templates but their own', () => {
    expect(() => compileCheckTemplate('{{ template "__subject" . }}')).toThrow('template "__subject" is not defined');
    expect(compileCheckTemplate('{{ define "v" }}{{ .Value }}{{ end }}{{ template "v" . }}').render({ Name: 'c', Value: 3, Severity: 'x', Threshold: 1, Condition: '>', Labels: new KV() })).toBe('3');
  });
});

describe('limits', () => {
  it('stops unbounded recursion at the nesting limit, returning what was written', () => {
    let hit: string | undefined;
    const out = compileTemplate('{{ define "r" }}x{{ template "r" . }}{{ end }}{{ template "r" . }}').render(data, opts({ onLimit: (l) => (hit = l) }));
    expect(hit).toBe('steps');
    expect(out).toBe('x'.repeat(MAX_EXEC_DEPTH - 1));
  });

  it('stops exponential recursion at the step limit', () => {
    let hit: string | undefined;
    compileTemplate('{{ define "r" }}{{ template "r" . }}{{ template "r" . }}{{ end }}{{ template "r" . }}').render(data, opts({ onLimit: (l) => (hit = l) }));
    expect(hit).toBe('steps');
  });

  it('keeps the stack bounded when every call nests blocks as deep as the parser allows', () => {
    const body = `${'{{ if true }}'.repeat(99)}{{ template "r" . }}${'{{ end }}'.repeat(99)}`;
    let hit: string | undefined;
    compileTemplate(`{{ define "r" }}${body}{{ end }}{{ template "r" . }}`).render(data, opts({ onLimit: (l) => (hit = l), maxSteps: 10_000_000 }));
    expect(hit).toBe('steps');
  });

  it('counts a call against the output cap like any other text', () => {
    let hit: string | undefined;
    const out = compileTemplate('{{ define "w" }}0123456789{{ end }}{{ range 100 }}{{ template "w" }}{{ end }}').render(data, opts({ maxOutput: 25, onLimit: (l) => (hit = l) }));
    expect([out, hit]).toEqual(['0123456789012345678901234', 'output']);
  });

  it('renders an undefined name as "" and reports it, never throwing (unreachable after compile checks)', () => {
    const src = new Source('a{{ template "gone" . }}b', 'field');
    const errors: string[] = [];
    const exec = new Exec({ maxOutput: 100, maxSteps: 100, escape: undefined, now: NOW, templates: new Map(), onUndefined: (n) => errors.push(n) }, data as unknown as Value);
    exec.run(parse(src, lex(src)).root, data as unknown as Value);
    expect([exec.out, errors]).toEqual(['ab', ['gone']]);
  });
});

describe('template sets', () => {
  const files = (...texts: [string, string][]): TemplateFile[] => texts.map(([name, text]) => ({ name, text }));

  it('resolves field templates against the set, Alertmanager\'s default names included', () => {
    const set = compileTemplateSet(files(['/etc/alertmanager/slack.tmpl', '{{ define "slack.custom.title" }}{{ template "__subject" . }} ({{ .Receiver }}){{ end }}']));
    expect(set.has('slack.custom.title')).toBe(true);
    expect(set.compile('{{ template "slack.custom.title" . }}', 'title').render(data)).toBe('[FIRING:2] HighCPU (critical infra) (team-infra)');
    expect(set.compile('{{ template "slack.default.title" . }}').render(data)).toBe('[FIRING:2] HighCPU (critical infra)');
  });

  it('lets a later file replace an earlier definition, in the order given (Alertmanager: defaults, then each glob\'s files)', () => {
    const a: [string, string] = ['a.tmpl', '{{ define "x" }}from a{{ end }}'];
    const b: [string, string] = ['b.tmpl', '{{ define "x" }}from b{{ end }}'];
    expect(compileTemplateSet(files(a, b)).compile('{{ template "x" . }}').render(data)).toBe('from b');
    expect(compileTemplateSet(files(b, a)).compile('{{ template "x" . }}').render(data)).toBe('from a');
  });

  it('lets a file redefine a default name, which changes the defaults built on it', () => {
    const set = compileTemplateSet(files(['custom.tmpl', '{{ define "__subject" }}{{ .Status }}: {{ .CommonLabels.alertname }}{{ end }}']));
    expect(set.compile('{{ template "slack.default.title" . }}').render(data)).toBe('firing: HighCPU');
    expect(set.compile('{{ template "slack.default.fallback" . }}').render(data)).toBe('firing: HighCPU | https://alertflow.example.com/#/alerts?receiver=team-infra');
    // Other sets, and fields compiled without one, keep Alertmanager's.
    expect(compileTemplate('{{ template "slack.default.title" . }}').render(data)).toBe('[FIRING:2] HighCPU (critical infra)');
  });

  it('does not let an empty redefinition replace a definition; a non-empty one replaces an empty default', () => {
    const set = compileTemplateSet(files(['blank.tmpl', '{{ define "__subject" }}\n  {{/* blank */}}\n{{ end }}{{ define "slack.default.text" }}text!{{ end }}']));
    expect(set.compile('{{ template "__subject" . }}|{{ template "slack.default.text" . }}').render(data)).toBe('[FIRING:2] HighCPU (critical infra)|text!');
  });

  it('refuses a name defined twice in one file, naming the file', () => {
    expect(setError(files(['ok.tmpl', ''], ['dup.tmpl', '{{ define "x" }}1{{ end }}\n{{ define "x" }}2{{ end }}'])).message).toBe(
      'template dup.tmpl:2:4: template "x" is already defined at 1:4; only a later file can redefine it',
    );
  });

  it('reports syntax errors and undefined calls in a file at the file\'s line and column', () => {
    expect(setError(files(['bad.tmpl', '{{ define "x" }}\n{{ if }}{{ end }}'])).message).toBe('template bad.tmpl:2:7: missing value for {{ if }}');
    expect(setError(files(['bad.tmpl', '{{ define "x" }}{{ template "y" . }}{{ end }}'])).message).toBe('template bad.tmpl:1:20: template "y" is not defined (did you mean "x"?)');
  });

  it('leaves data-dependent checks to the fields that call a definition', () => {
    const set = compileTemplateSet(files(['labels.tmpl', '{{ define "instance" }}{{ .Labels.instance }}{{ end }}']));
    expect(set.compile('{{ range .Alerts }}{{ template "instance" . }},{{ end }}').render(data)).toBe('a,b,c,');
    expect(() => set.compile('{{ template "instance" . }}', 'text')).toThrow('template text:1:4: template "instance", at labels.tmpl:1:27 (dot: Data): unknown field ".Labels" on Data');
  });

  it('lets a field define its own templates, overriding the set for that field only', () => {
    const set = compileTemplateSet(files(['x.tmpl', '{{ define "x" }}set{{ end }}']));
    expect(set.compile('{{ define "x" }}field{{ end }}{{ template "x" . }}').render(data)).toBe('field');
    expect(set.compile('{{ template "x" . }}').render(data)).toBe('set');
  });

  it('names a file\'s text outside definitions after the file, as Go\'s ParseGlob does', () => {
    const set = compileTemplateSet(files(['/etc/alertmanager/extra.tmpl', 'Hello {{ .Status }}{{ define "y" }}y{{ end }}']));
    expect(set.compile('{{ template "extra.tmpl" . }}').render(data)).toBe('Hello firing');
    expect(set.names).toContain('extra.tmpl');
  });

  it('lists its names (sorted), Alertmanager\'s default ones unless defaults: false', () => {
    expect(defaultTemplateSet().names).toEqual([...defaultTemplateSet().names].sort());
    for (const n of ALERTMANAGER_DEFAULT_NAMES) expect(defaultTemplateSet().has(n), n).toBe(true);
    const bare = compileTemplateSet(files(['x.tmpl', '{{ define "x" }}x{{ end }}']), { defaults: false });
    expect(bare.names).toEqual(['x', 'x.tmpl']);
    expect(() => bare.compile('{{ template "__subject" . }}')).toThrow('template "__subject" is not defined');
  });

  it('is immutable', () => {
    const set = compileTemplateSet([]);
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.names)).toBe(true);
  });

  it('caps the number and total size of files', () => {
    expect(setError(Array.from({ length: MAX_SET_FILES + 1 }, (_, i) => ({ name: `f${i}.tmpl`, text: '' }))).problem).toBe(`more than ${MAX_SET_FILES} template files`);
    const big = 'x'.repeat(200 * 1024);
    expect(setError(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.tmpl`, text: big }))).problem).toBe(
      `template files longer than ${MAX_SET_SOURCE_LENGTH} characters together`,
    );
  });
});
