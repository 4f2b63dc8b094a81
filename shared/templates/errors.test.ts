import { describe, expect, it } from 'vitest';
import { AlertflowError } from '../errors';
import { TemplateError } from './errors';
import { compileTemplate } from './template';

function compileError(src: string, name = 'subject'): TemplateError {
  try {
    compileTemplate(src, name);
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return e as TemplateError;
  }
  throw new Error(`expected ${JSON.stringify(src)} not to compile`);
}

describe('TemplateError', () => {
  it('is an AlertflowError (invalid_template, 400) naming template, line and column', () => {
    const e = compileError('{{ .Status | toUpperr }}');
    expect(e).toBeInstanceOf(AlertflowError);
    expect(e.code).toBe('invalid_template');
    expect(e.status).toBe(400);
    expect(e.message).toBe('template subject:1:14: unknown function "toUpperr" (did you mean "toUpper"?)');
    expect([e.template, e.line, e.column]).toEqual(['subject', 1, 14]);
    expect(e.details).toEqual({ template: 'subject', line: 1, column: 14, problem: 'unknown function "toUpperr" (did you mean "toUpper"?)' });
  });

  it('counts lines and columns from 1', () => {
    expect(compileError('line one\n  {{ if }}').message).toBe('template subject:2:9: missing value for {{ if }}');
  });
});

describe('syntax errors', () => {
  const cases: [string, string][] = [
    ['{{range .Alerts}}x', 'template subject:1:19: unclosed {{ range }} opened at 1:3'],
    ['a\n{{ if .Status }}{{ with .Receiver }}x{{ end }}', 'template subject:2:47: unclosed {{ if }} opened at 2:4'],
    ['{{ end }}', 'template subject:1:4: unexpected {{ end }}'],
    ['x {{ else }}', 'template subject:1:6: unexpected {{ else }}'],
    ['{{ if 1 }}{{ else }}{{ else }}{{ end }}', 'template subject:1:24: expected {{ end }} but found a second {{ else }} in the {{ if }} opened at 1:4'],
    ['{{ range .Alerts }}{{ else if 1 }}{{ end }}', 'template subject:1:28: {{ else if }} is not allowed in {{ range }}'],
    ['{{ .Status', 'template subject:1:1: unclosed action'],
    ['{{ "abc }}', 'template subject:1:4: unterminated quoted string'],
    ['{{ `abc }}', 'template subject:1:4: unterminated raw quoted string'],
    ['{{ }}', 'template subject:1:4: missing value for command'],
    ['{{ 1x }}', 'template subject:1:4: bad number syntax: "1x"'],
    ['{{ 2i }}', 'template subject:1:4: complex numbers are not supported'],
    ['{{ .Status @ }}', 'template subject:1:12: unrecognized character in action: U+0040 "@"'],
    ['{{ (.Status }}', 'template subject:1:13: unclosed left parenthesis'],
    ['{{ .Status) }}', 'template subject:1:11: unexpected ")"'],
    ['{{ .Status | }}', 'template subject:1:14: missing command after |'],
    ['{{ .Status | "x" }}', 'template subject:1:14: can\'t pipe into a string: only a function or method can take a piped value'],
    ['{{ nil }}', 'template subject:1:4: nil is not a command'],
    ['{{ .Status"x" }}', 'template subject:1:11: bad character "\\"" after .Status'],
    ['{{ (.Status)"x" }}', 'template subject:1:13: unexpected a string in operand; separate arguments with spaces'],
    ['{{ break }}', 'template subject:1:4: {{ break }} outside {{ range }}'],
    ['{{ $a, $b := .Alerts }}', 'template subject:1:6: too many declarations in {{ command }}'],
    ['{{/* open', 'template subject:1:1: unclosed comment'],
    ['{{/* c */ x }}', 'template subject:1:10: comment ends before closing delimiter'],
    ['{{ "\\q" }}', 'template subject:1:4: invalid escape in string "\\q"'],
    ['{{ .CommonLabels.foo-bar }}', 'template subject:1:21: bad character "-" after .foo; a name with "-" needs index, e.g. index .CommonLabels "foo-bar"'],
  ];
  it.each(cases)('%j', (src, message) => {
    expect(compileError(src).message).toBe(message);
  });

  it('bounds nesting depth', () => {
    expect(compileError(`{{ ${'('.repeat(200)}1${')'.repeat(200)} }}`).problem).toMatch(/nests deeper than 100 levels/);
    expect(compileError('{{ if 1 }}'.repeat(150)).problem).toMatch(/nests deeper than 100 levels/);
  });
});

describe('unsupported features are rejected with a reason', () => {
  it.each([
    ['{{ call .Receiver }}', /function "call" is not supported: templates cannot call functions held in data/],
    ['{{ js "x" }}', /function "js" is not supported/],
  ])('%s', (src, problem) => {
    expect(compileError(src).problem).toMatch(problem);
  });
});

describe('checks against the data model', () => {
  it('rejects unknown fields, listing the known ones', () => {
    expect(compileError('{{ .Labelz }}').message).toBe(
      'template subject:1:4: unknown field ".Labelz" on Data (fields: Receiver, Status, Alerts, GroupLabels, CommonLabels, CommonAnnotations, ExternalURL, GroupKey, TruncatedAlerts)',
    );
    expect(compileError('{{ range .Alerts }}{{ .Labelz.x }}{{ end }}').problem).toBe(
      'unknown field ".Labelz" on Alert (fields: Status, Labels, Annotations, StartsAt, EndsAt, GeneratorURL, Fingerprint) (did you mean .Labels?)',
    );
    expect(compileError('{{ range .Alerts.Firing }}{{ range .Labels.SortedPairs }}{{ .Key }}{{ end }}{{ end }}').problem).toBe(
      'unknown field ".Key" on Pair (fields: Name, Value)',
    );
  });

  it('rejects fields on values that have none', () => {
    expect(compileError('{{ .Alerts.Labels }}').problem).toBe(
      "can't read .Labels of a list of Alert (methods: Firing, Resolved); use range or index to reach its elements",
    );
    expect(compileError('{{ .Status.Foo }}').problem).toBe("can't read .Foo of a string");
    expect(compileError('{{ (index .Alerts 0).StartsAt.Year }}').problem).toBe(
      "can't read .Year of a time (methods: Format, Unix, UnixMilli, IsZero, UTC)",
    );
  });

  it('rejects undefined variables and wrong argument counts', () => {
    expect(compileError('{{ $x }}').problem).toBe('undefined variable "$x"');
    expect(compileError('{{ $alert := 1 }}{{ $alerts }}').problem).toBe('undefined variable "$alerts" (did you mean $alert?)');
    expect(compileError('{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}').problem).toBe('undefined variable "$x"');
    expect(compileError('{{ join "," }}').problem).toBe('wrong number of arguments for join: want 2, got 1');
    expect(compileError('{{ eq 1 }}').problem).toBe('wrong number of arguments for eq: want at least 2, got 1');
    expect(compileError('{{ .CommonLabels.Remove }}').problem).toBe('wrong number of arguments for .Remove: want 1, got 0');
    expect(compileError('{{ .Status "x" }}').problem).toBe('.Status is a field, not a method: it takes no arguments');
    expect(compileError('{{ $ 1 }}').problem).toBe("can't give an argument to variable $: only functions and methods take arguments");
  });

  it('rejects arguments of the wrong kind', () => {
    expect(compileError('{{ join ", " .CommonLabels }}').problem).toBe('join: argument 2 must be a list of strings, not a label map (KV)');
    expect(compileError('{{ .Alerts | toUpper }}').problem).toBe('toUpper: the piped value must be a string, not a list of Alert');
    expect(compileError('{{ date "15:04" .Status }}').problem).toBe('date: argument 2 must be a time (such as .StartsAt), not a string');
    expect(compileError('{{ index .Alerts.Firing 0 | len }}').problem).toBe('len: the piped value must be a string, list or map, not a Alert');
    expect(compileError('{{ range .Status }}{{ end }}').problem).toBe("range can't iterate over a string");
    expect(compileError('{{ index .Receiver.x 1 }}').problem).toBe("can't read .x of a string");
  });

  it('checks literal regexes, printf formats, zones and lengths', () => {
    expect(compileError('{{ match "(a" .Status }}').message).toBe('template subject:1:10: match: invalid regexp "(a": missing closing ): `(a`');
    expect(compileError('{{ reReplaceAll "a**" "" .Status }}').problem).toBe('reReplaceAll: invalid regexp "a**": invalid nested repetition operator: `**`');
    expect(compileError('{{ match "(?=x)" .Status }}').problem).toMatch(/lookahead and lookbehind are not supported/);
    expect(compileError('{{ match "(a)\\\\1" .Status }}').problem).toMatch(/backreferences are not supported/);
    expect(compileError('{{ printf "%5.2f" 1 }}').problem).toBe(
      'printf supports only %s %d %v %q and %% (found %5; flags, widths and precisions are not supported)',
    );
    expect(compileError('{{ tz "Mars/Olympus" (index .Alerts 0).StartsAt }}').problem).toBe('tz: unknown time zone "Mars/Olympus"');
    expect(compileError('{{ trunc 1.5 .Status }}').problem).toBe('trunc: the length must be a whole number');
  });

  it('rejects oversized sources', () => {
    expect(compileError('x'.repeat(300 * 1024)).problem).toMatch(/template longer than/);
  });
});
