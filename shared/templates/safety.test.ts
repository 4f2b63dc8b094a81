import { afterEach, describe, expect, it } from 'vitest';
import { templateData } from '../channels/template-data';
import { TemplateError } from './errors';
import { MAX_INPUT_LENGTH, escapeHtml } from './functions';
import { T } from './model';
import { DEFAULT_MAX_OUTPUT, compileTemplate, compileWith, type RenderOptions } from './template';
import { NOW, alert, notification, sampleData } from '../channels/template-testing';
import type { TemplateData } from './values';

const data = sampleData();
const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();

afterEach(() => {
  // Nothing a template does may reach a prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
  expect(Object.hasOwn(Array.prototype, 'polluted')).toBe(false);
});

/** '' when it renders empty, 'rejected' when compile refuses it; anything else is a leak. */
function attempt(src: string, typed = true): string {
  try {
    const t = typed ? compileTemplate(src, 'probe') : compileWith(src, 'probe', T.any);
    return t.render(data, { now: NOW, onError: (e) => expect.fail(String(e)) });
  } catch (e) {
    if (e instanceof TemplateError) return 'rejected';
    throw e;
  }
}

describe('prototype and host-object access', () => {
  const probes = [
    '{{ .constructor }}',
    '{{ .constructor.name }}',
    '{{ $.constructor.constructor }}',
    '{{ .__proto__ }}',
    '{{ .__proto__.polluted }}',
    '{{ .toString }}',
    '{{ .valueOf }}',
    '{{ .hasOwnProperty }}',
    '{{ index . "constructor" }}',
    '{{ index . "__proto__" }}',
    '{{ index .Alerts "length" }}',
    '{{ index .Alerts "constructor" }}',
    '{{ .Alerts.constructor }}',
    '{{ .Alerts.items }}',
    '{{ .Alerts.firing }}',
    '{{ (index .Alerts 0).constructor }}',
    '{{ (index .Alerts 0).StartsAt.ms }}',
    '{{ (index .Alerts 0).StartsAt.constructor }}',
    '{{ .Receiver.length }}',
    '{{ .Receiver.constructor }}',
    '{{ len .constructor }}',
    '{{ range .constructor }}x{{ end }}',
    '{{ printf "%v" .constructor }}',
    '{{ with .__proto__ }}{{ .polluted }}{{ end }}',
    '{{ .GroupLabels.SortedPairs.constructor }}',
    '{{ (index .GroupLabels.SortedPairs 0).constructor }}',
    '{{ define "__proto__" }}{{ .polluted }}{{ end }}{{ template "__proto__" .__proto__ }}',
    '{{ block "constructor" .constructor }}{{ .constructor }}{{ end }}',
  ];

  it.each(probes)('%s is rejected at compile time or renders empty (typed)', (src) => {
    expect(['', 'rejected']).toContain(attempt(src));
  });

  it.each(probes)('%s renders empty when compiled without type checks', (src) => {
    expect(attempt(src, false)).toBe('');
  });

  it.each(['{{ template "constructor" . }}', '{{ template "__proto__" . }}', '{{ template "toString" }}', '{{ template "hasOwnProperty" .constructor }}'])(
    '%s: a template name is looked up among the definitions only',
    (src) => {
      expect(attempt(src)).toBe('rejected');
      expect(attempt(src, false)).toBe('rejected');
    },
  );

  it('reads labels named like Object members as plain labels', () => {
    // A KV is a Map: `.Labels.hasOwnProperty` is the label "hasOwnProperty", missing, so "".
    expect(attempt('[{{ .CommonLabels.hasOwnProperty }}{{ .CommonLabels.constructor }}{{ .CommonLabels.__proto__ }}{{ index .CommonLabels "toString" }}]')).toBe('[]');
    const hostileLabels = JSON.parse('{"alertname":"X","__proto__":"p","constructor":"c"}') as Record<string, string>;
    const d = templateData(notification([alert({ labels: hostileLabels })]));
    const t = compileTemplate('{{ .CommonLabels.__proto__ }}{{ index .CommonLabels "constructor" }}{{ range $k, $v := .CommonLabels }};{{ $k }}={{ $v }}{{ end }}');
    expect(t.render(d)).toBe('pc;__proto__=p;alertname=X;constructor=c');
  });

  it('never calls getters or functions and never walks foreign objects found in data', () => {
    let called = 0;
    const hostile = {
      get trap() {
        called++;
        return 'x';
      },
      fn: () => {
        called++;
        return 'x';
      },
      date: new Date(0),
      map: new Map([['a', 'b']]),
      inst: new (class {
        a = 1;
      })(),
      arr: Object.assign(['a'], { extra: 'e' }),
      nested: Object.create({ inherited: 'i' }) as object,
      sym: Symbol('s'),
      big: 10n,
      sub: new (class extends Array<string> {
        static override get [Symbol.species](): ArrayConstructor {
          called++;
          return Array;
        }
      })(),
      getterArr: Object.defineProperty(['x'], 0, {
        get() {
          called++;
          return 'y';
        },
      }),
    };
    const t = compileWith(
      '{{ .trap }}{{ .fn }}{{ .date }}{{ .map.a }}{{ .inst.a }}{{ index .arr 0 }}{{ .arr.extra }}{{ .arr.length }}{{ .nested.inherited }}' +
        '{{ .sym }}{{ .big }}{{ len .arr }}{{ range .inst }}x{{ end }}{{ slice .sub 0 }}{{ len .sub }}{{ index .getterArr 0 }}{{ .getterArr }}',
      'hostile',
      T.any,
    );
    expect(t.render(hostile as unknown as TemplateData)).toBe('a1[<nil>]');
    expect(called).toBe(0);
  });

  it('cannot assign to data: variables are local and there is no assignment to fields', () => {
    expect(attempt('{{ $.Receiver = "x" }}')).toBe('rejected');
    expect(attempt('{{ $x := . }}{{ $x = "y" }}{{ .Receiver }}')).toBe('team-infra');
    expect(Object.isFrozen(data)).toBe(true);
  });

  it('survives data that is not TemplateData at all', () => {
    const t = compileTemplate('{{ .Status }}{{ range .Alerts }}{{ .Labels.x }}{{ end }}{{ .CommonLabels.SortedPairs }}');
    for (const d of [undefined, null, 42, 'str', [], {}, { Alerts: 'nope', CommonLabels: { a: 1 } }]) {
      expect(t.render(d as unknown as TemplateData, { onError: (e) => expect.fail(String(e)) })).toBe('');
    }
  });
});

describe('escape option', () => {
  const d = templateData(
    notification([alert({ labels: { alertname: '<script>alert(1)</script>' }, annotations: { summary: 'a & b "quoted"' } })]),
  );
  const html = (src: string, opts: RenderOptions = {}): string => compileTemplate(src, 'email').render(d, { escape: escapeHtml, ...opts });

  it('escapes interpolated values but not the template text', () => {
    expect(html('<b>{{ .CommonLabels.alertname }}</b> <i>{{ .CommonAnnotations.summary }}</i>')).toBe(
      '<b>&lt;script&gt;alert(1)&lt;/script&gt;</b> <i>a &amp; b &#34;quoted&#34;</i>',
    );
  });

  it('escapes the whole printed value, including what printf built from literals', () => {
    expect(html('{{ printf "<u>%s</u>" .CommonLabels.alertname }}')).toBe('&lt;u&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/u&gt;');
  });

  it('lets safeHtml and safeUrl through unescaped', () => {
    expect(html('{{ safeHtml "<hr>" }}{{ "<hr>" }}{{ safeUrl "https://x/?a=1&b=2" }}')).toBe('<hr>&lt;hr&gt;https://x/?a=1&b=2');
  });

  it('escapes nothing without the option', () => {
    expect(compileTemplate('{{ .CommonLabels.alertname }}').render(d)).toBe('<script>alert(1)</script>');
  });
});

describe('limits', () => {
  const big = (n: number): TemplateData =>
    templateData(notification(Array.from({ length: n }, (_, i) => alert({ labels: { alertname: 'A', i: String(i) } }))));

  it('caps output at 64 KB by default and reports it', () => {
    let hit: string | undefined;
    const out = compileTemplate('{{ range 1000000 }}0123456789{{ end }}').render(data, { onLimit: (l) => (hit = l) });
    expect(out.length).toBe(DEFAULT_MAX_OUTPUT);
    expect(hit).toBe('output');
  });

  it('honours maxOutput and never splits a surrogate pair', () => {
    expect(compileTemplate('{{ range 10 }}abc{{ end }}').render(data, { maxOutput: 7 })).toBe('abcabca');
    const out = compileTemplate('{{ range 10 }}a👍{{ end }}').render(data, { maxOutput: 5 });
    expect(out).toBe('a👍a');
  });

  it('caps strings built inside the template, so doubling cannot exhaust memory', () => {
    const t = compileTemplate('{{ $s := "ab" }}{{ range 64 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}');
    expect(Number(t.render(data))).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT);
    const joined = compileTemplate('{{ $s := "ab" }}{{ range 64 }}{{ $s = join $s (stringSlice $s $s $s) }}{{ end }}{{ len $s }}');
    expect(Number(joined.render(data))).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT);
    const replaced = compileTemplate('{{ $s := "ab" }}{{ range 64 }}{{ $s = reReplaceAll "" $s $s }}{{ end }}{{ len $s }}');
    expect(Number(replaced.render(data))).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT);
  });

  it('stops a nested range over 500 × 500 alerts at the step cap', () => {
    const d = big(500);
    let hit: string | undefined;
    const out = compileTemplate('{{ range .Alerts }}{{ range $.Alerts }}{{ if eq .Status "x" }}y{{ end }}{{ end }}{{ end }}done').render(d, {
      onLimit: (l) => (hit = l),
    });
    expect(hit).toBe('steps');
    expect(out).toBe('');
  });

  it('stops ranging over a huge number and honours maxSteps', () => {
    let hit: string | undefined;
    expect(compileTemplate('{{ range 1000000000000 }}{{ end }}end').render(data, { onLimit: (l) => (hit = l) })).toBe('');
    expect(hit).toBe('steps');
    expect(compileTemplate('{{ range 100 }}x{{ end }}').render(data, { maxSteps: 20 }).length).toBeLessThan(20);
  });

  it('renders a realistic 500-alert notification within the default limits', () => {
    let hit: string | undefined;
    const out = compileTemplate('{{ range .Alerts }}{{ .Labels.i }}:{{ .Status }} {{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }},{{ end }}\n{{ end }}').render(
      big(500),
      { onLimit: (l) => (hit = l) },
    );
    expect(hit).toBeUndefined();
    expect(out.split('\n')).toHaveLength(501);
  });

  it('bounds recursion through named templates in depth and steps, whatever the data', () => {
    const recursive = [
      '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}',
      '{{ define "r" }}{{ template "r" . }}{{ template "r" . }}{{ template "r" . }}{{ end }}{{ template "r" . }}',
      '{{ define "r" }}{{ range $.Alerts }}{{ template "r" $ }}{{ end }}{{ end }}{{ template "r" . }}',
      '{{ define "a" }}{{ template "b" . }}x{{ end }}{{ define "b" }}{{ range 1000 }}{{ template "a" $ }}{{ end }}{{ end }}{{ template "a" . }}',
    ];
    for (const src of recursive) {
      let hit: string | undefined;
      const out = compileTemplate(src).render(big(50), { onLimit: (l) => (hit = l), onError: (e) => expect.fail(String(e)) });
      expect(hit, src).toBe('steps');
      expect(out.length).toBeLessThanOrEqual(DEFAULT_MAX_OUTPUT);
    }
  });

  // Work a function call does beyond its step: compiling a pattern, evaluating many arguments,
  // scanning many variables, building a time zone's formatter. Each is charged, so the step cap
  // stops a render that repeats it (these ran for tens of seconds uncharged).
  describe('charges the work inside calls', () => {
    const render = (src: string) => {
      let hit: string | undefined;
      const out = compileTemplate(src).render(data, { onLimit: (l) => (hit = l), onError: (e) => expect.fail(String(e)) });
      return { out, hit };
    };

    it('charges each compile of a pattern built per iteration, and not a literal one compiled once', () => {
      const built = render('{{ $p := "[a-z]{100}" }}{{ range $i, $_ := 1000 }}{{ if match (printf "%s%d" $p $i) "a" }}y{{ end }}x{{ end }}done');
      expect(built.hit).toBe('steps');
      expect(built.out.length).toBeLessThan(400);
      const large = render('{{ $p := "(?:a{1000}){4}" }}{{ range $i, $_ := 1000 }}{{ if match (printf "%s%d" $p $i) "a" }}y{{ end }}x{{ end }}done');
      expect([large.hit, large.out]).toEqual(['steps', '']);
      const literal = render('{{ range 1000 }}{{ if match "^[a-z]{100}$" "a" }}y{{ end }}x{{ end }}done');
      expect([literal.hit, literal.out.length]).toEqual([undefined, 1000 + 'done'.length]);
    });

    it('charges each argument a call evaluates, and the variables a lookup scans', () => {
      const args = render(`{{ range 1000 }}{{ if eq 1 ${'$ '.repeat(1000)} }}y{{ end }}x{{ end }}done`);
      expect(args.hit).toBe('steps');
      expect(args.out.length).toBeLessThan(200);
      const vars = render(`${'{{ $a := 1 }}'.repeat(10_000)}{{ range 1000 }}{{ if eq 1 $ $ $ $ $ $ $ $ $ $ }}y{{ end }}x{{ end }}done`);
      expect(vars.hit).toBe('steps');
      expect(vars.out.length).toBeLessThan(200);
    });

    it('charges a time zone whose formatter is not cached (100 are kept)', () => {
      const zones = Intl.supportedValuesOf('timeZone').slice(0, 400);
      const tz = render(`{{ $t := (index .Alerts 0).StartsAt }}{{ $z := stringSlice ${zones.map((z) => JSON.stringify(z)).join(' ')} }}{{ range 1000 }}{{ range $z }}{{ $_ := tz . $t }}{{ end }}x{{ end }}done`);
      expect(tz.hit).toBe('steps');
      expect(tz.out.length).toBeLessThan(10);
    });
  });

  it('returns what it wrote when the escape function fails (and reports the error)', () => {
    let err: unknown;
    const out = compileTemplate('a{{ .Status }}b').render(data, {
      escape: () => {
        throw new Error('boom');
      },
      onError: (e) => (err = e),
    });
    expect(out).toBe('a');
    expect(err).toBeInstanceOf(Error);
  });
});

describe('regular expressions cannot backtrack catastrophically', () => {
  const evil: [string, string][] = [
    ['(a+)+$', `${'a'.repeat(5000)}!`],
    ['(a|a)*b', 'a'.repeat(5000)],
    ['(a|aa)+$', `${'a'.repeat(5000)}!`],
    ['(.*a){20}', 'a'.repeat(5000)],
    ['^(\\w+\\s?)*$', `${'word '.repeat(1000)}!`],
    ['(x+x+)+y', 'x'.repeat(5000)],
  ];

  // No clock here: a backtracking engine would take some 2^5000 steps on these inputs and never
  // return, so the run would hang (vitest cannot interrupt a synchronous render, so it is the run's
  // own time limit that stops it, not this test's); the linear engine takes milliseconds.
  it.each(evil)('%s on a long input finishes', (pattern, input) => {
    const t = compileTemplate('{{ match $.CommonLabels.p $.CommonLabels.s }}|{{ reReplaceAll $.CommonLabels.p "-" $.CommonLabels.s | len }}');
    const d = templateData(notification([alert({ labels: { alertname: 'A', p: pattern, s: input } })]));
    const out = t.render(d);
    expect(out).toMatch(/^(true|false)\|\d+$|^(true|false)\|?$/);
  });

  it('treats text longer than 10 KB as not matching and leaves it unchanged', () => {
    const long = 'a'.repeat(MAX_INPUT_LENGTH + 1);
    const d = templateData(notification([alert({ annotations: { long } })]));
    expect(compileTemplate('{{ match "a" .CommonAnnotations.long }}').render(d)).toBe('false');
    expect(compileTemplate('{{ reReplaceAll "a" "b" .CommonAnnotations.long | len }}').render(d)).toBe(String(MAX_INPUT_LENGTH + 1));
  });

  it('renders an invalid pattern that arrives at run time as no match / unchanged text', () => {
    const d = templateData(notification([alert({ labels: { alertname: 'A', p: '(' } })]));
    expect(compileTemplate('{{ match .CommonLabels.p "x" }}|{{ reReplaceAll .CommonLabels.p "y" "x" }}').render(d)).toBe('false|x');
  });
});
