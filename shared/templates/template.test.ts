import { describe, expect, it } from 'vitest';
import { compileTemplate } from './template';
import { NOW, sampleData } from '../channels/template-testing';

const data = sampleData();
const render = (src: string): string => compileTemplate(src, 't').render(data, { now: NOW });

describe('Alertmanager default templates', () => {
  it('renders the default subject/title as Alertmanager does', () => {
    const subject =
      '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ' +
      '{{ .GroupLabels.SortedPairs.Values | join " " }} ' +
      '{{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}';
    expect(render(subject)).toBe('[FIRING:2] HighCPU (critical infra)');
  });

  it('renders the text alert list (opsgenie.default.description with __text_alert_list inlined)', () => {
    const list = [
      '{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}',
      '{{ end }}Annotations:',
      '{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}',
      '{{ end }}Source: {{ .GeneratorURL }}',
      '{{ end }}',
    ].join('\n');
    const tpl = [
      '{{ .CommonAnnotations.SortedPairs.Values | join " " }}',
      '{{ if gt (len .Alerts.Firing) 0 -}}',
      'Alerts Firing:',
      `{{ range .Alerts.Firing }}Labels:\n${list}`,
      '{{- end }}',
      '{{ if gt (len .Alerts.Resolved) 0 -}}',
      'Alerts Resolved:',
      `{{ range .Alerts.Resolved }}Labels:\n${list}`,
      '{{- end }}',
    ].join('\n');
    const block = (instance: string, annotations: string, source: string): string =>
      `Labels:\n - alertname = HighCPU\n - instance = ${instance}\n - severity = critical\n - team = infra\nAnnotations:\n${annotations}Source: ${source}\n`;
    expect(render(tpl)).toBe(
      'CPU high\nAlerts Firing:\n' +
        block('a', ' - runbook = https://runbooks/cpu\n - summary = CPU high\n', 'http://prometheus/graph?g0.expr=cpu') +
        block('b', ' - summary = CPU high\n', '') +
        '\nAlerts Resolved:\n' +
        block('c', ' - summary = CPU high\n', ''),
    );
  });

  it('puts alertname first in SortedPairs, Names and Values, like Alertmanager', () => {
    expect(render('{{ (index .Alerts 0).Labels.Names }}')).toBe('[alertname instance severity team]');
    expect(render('{{ range (index .Alerts 0).Labels.SortedPairs }}{{ .Name }},{{ end }}')).toBe('alertname,instance,severity,team,');
    // Ranging over the map itself is in plain key order, as Go ranges over maps.
    expect(render('{{ range $k, $v := .CommonLabels }}{{ $k }}={{ $v }};{{ end }}')).toBe('alertname=HighCPU;severity=critical;team=infra;');
  });
});

describe('values and fields', () => {
  it('reads top-level fields', () => {
    expect(render('{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}|{{ .GroupKey }}|{{ .TruncatedAlerts }}')).toBe(
      'team-infra|firing|https://alertflow.example.com|{}:{alertname="HighCPU"}|0',
    );
  });

  it('prints maps, lists, pairs, times and structs as Go does', () => {
    expect(render('{{ .CommonLabels }}')).toBe('alertname=HighCPU, severity=critical, team=infra');
    expect(render('{{ .CommonLabels.SortedPairs }}')).toBe('alertname=HighCPU, severity=critical, team=infra');
    expect(render('{{ .GroupLabels.Values }}')).toBe('[HighCPU]');
    expect(render('{{ (index .Alerts 0).StartsAt }}')).toBe('2024-05-01 11:00:00 +0000 UTC');
    expect(render('{{ (index .Alerts 1).StartsAt }}')).toBe('2024-05-01 11:30:00.25 +0000 UTC');
    expect(render('{{ (index .Alerts 0).EndsAt }}')).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(render('{{ index .GroupLabels.SortedPairs 0 }}')).toBe('{alertname HighCPU}');
    expect(render('{{ stringSlice "a" "b" }}')).toBe('[a b]');
  });

  it('renders a missing label as "" (missingkey=zero) and nothing as ""', () => {
    expect(render('[{{ .CommonLabels.nope }}]')).toBe('[]');
    expect(render('[{{ index .CommonLabels "nope" }}]')).toBe('[]');
    expect(render('[{{ index .Alerts 99 }}]')).toBe('[]');
  });

  it('supports literals: strings, raw strings, numbers, chars, bools', () => {
    expect(render('{{ "a\\tb\\u00e9\\x41" }}|{{ `raw\\n` }}|{{ 42 }}|{{ -1.5 }}|{{ 0x1F }}|{{ 0o17 }}|{{ 017 }}|{{ 1_000 }}|{{ 1e3 }}|{{ \'a\' }}|{{ true }}')).toBe(
      'a\tbéA|raw\\n|42|-1.5|31|15|15|1000|1000|97|true',
    );
  });

  it('chains fields through variables and parenthesized pipelines', () => {
    expect(render('{{ $a := index .Alerts 0 }}{{ $a.Labels.instance }}')).toBe('a');
    expect(render('{{ (index .Alerts 1).Labels.instance }}')).toBe('b');
    expect(render('{{ $.Alerts.Firing | len }}')).toBe('2');
  });

  it('calls the data model methods, with arguments where they take one', () => {
    expect(render('{{ len .Alerts.Resolved }}')).toBe('1');
    expect(render('{{ .CommonLabels.Remove (stringSlice "team" "severity") }}')).toBe('alertname=HighCPU');
    expect(render('{{ (index .Alerts 0).StartsAt.Format "15:04" }}|{{ (index .Alerts 0).StartsAt.Unix }}')).toBe('11:00|1714561200');
    expect(render('{{ (index .Alerts 0).EndsAt.IsZero }}|{{ (index .Alerts 2).EndsAt.IsZero }}')).toBe('true|false');
    expect(render('{{ (since (index .Alerts 0).StartsAt).Minutes }}')).toBe('60');
  });
});

describe('control structures', () => {
  it('if / else if / else', () => {
    const tpl = (sev: string): string =>
      render(`{{ $s := "${sev}" }}{{ if eq $s "critical" }}C{{ else if eq $s "warning" }}W{{ else }}I{{ end }}`);
    expect([tpl('critical'), tpl('warning'), tpl('info')]).toEqual(['C', 'W', 'I']);
  });

  it('uses Go truth: empty strings, lists, maps and zero are false', () => {
    expect(render('{{ if "" }}y{{ else }}n{{ end }}{{ if 0 }}y{{ else }}n{{ end }}{{ if .Alerts }}y{{ end }}{{ if .CommonLabels.nope }}y{{ else }}n{{ end }}')).toBe('nnyn');
    expect(render('{{ if .Alerts.Resolved }}r{{ end }}{{ if (index .Alerts 0).StartsAt }}t{{ end }}')).toBe('rt');
  });

  it('range with index and element variables, and else for empty lists', () => {
    expect(render('{{ range $i, $a := .Alerts }}{{ $i }}{{ $a.Labels.instance }}{{ end }}')).toBe('0a1b2c');
    expect(render('{{ range $a := .Alerts.Resolved }}{{ $a.Labels.instance }}{{ end }}')).toBe('c');
    expect(render('{{ range stringSlice }}x{{ else }}none{{ end }}')).toBe('none');
    expect(render('{{ range 3 }}{{ . }}{{ end }}')).toBe('012');
  });

  it('break and continue', () => {
    expect(render('{{ range .Alerts }}{{ if eq .Status "resolved" }}{{ break }}{{ end }}{{ .Labels.instance }}{{ end }}')).toBe('ab');
    expect(render('{{ range .Alerts }}{{ if eq .Labels.instance "b" }}{{ continue }}{{ end }}{{ .Labels.instance }}{{ end }}')).toBe('ac');
    // A break in an inner range's else leaves the outer range.
    expect(render('{{ range .Alerts }}{{ .Labels.instance }}{{ range stringSlice }}{{ else }}{{ break }}{{ end }}{{ end }}')).toBe('a');
  });

  it('with sets dot, else and else with run when it is empty', () => {
    expect(render('{{ with .CommonAnnotations.summary }}<{{ . }}>{{ end }}')).toBe('<CPU high>');
    expect(render('{{ with .CommonAnnotations.nope }}x{{ else with .CommonLabels.team }}{{ . }}{{ else }}z{{ end }}')).toBe('infra');
    expect(render('{{ with .CommonAnnotations.nope }}x{{ else }}{{ .Status }}{{ end }}')).toBe('firing');
  });

  it('variables: declaration, assignment, scope to the end of the block', () => {
    expect(render('{{ $n := 0 }}{{ range .Alerts }}{{ $n = .Labels.instance }}{{ end }}{{ $n }}')).toBe('c');
    expect(render('{{ $x := "outer" }}{{ if true }}{{ $x := "inner" }}{{ $x }}{{ end }}{{ $x }}')).toBe('innerouter');
    expect(render('{{ with $s := .Status }}{{ $s }}{{ end }}')).toBe('firing');
    expect(render('{{ range .Alerts }}{{ $.Receiver }}{{ break }}{{ end }}')).toBe('team-infra');
  });
});

describe('text and whitespace', () => {
  it('trims with {{- and -}}', () => {
    expect(render('a  \n {{- "b" -}} \n  c')).toBe('abc');
    expect(render('a {{- /* comment */ -}} b')).toBe('ab');
    expect(render('x{{/* a comment */}}y')).toBe('xy');
    expect(render('{{ 3 }} {{- 4 }}')).toBe('34');
    // "{{-3}}" is the number -3, not a trim marker, as in Go.
    expect(render('a {{-3}}')).toBe('a -3');
  });

  it('allows newlines inside actions', () => {
    expect(render('{{ printf "%s-%s"\n  .Status\n  .Receiver }}')).toBe('firing-team-infra');
  });

  it('passes text without actions through', () => {
    expect(render('plain } text { with braces }')).toBe('plain } text { with braces }');
    expect(render('')).toBe('');
  });
});

describe('pipelines', () => {
  it('passes the previous value as the last argument', () => {
    expect(render('{{ .Status | printf "%s!" | toUpper }}')).toBe('FIRING!');
    expect(render('{{ .CommonLabels.team | printf "%s/%s" "x" }}')).toBe('x/infra');
  });

  it('short-circuits and / or', () => {
    expect(render('{{ and 1 0 (index .Alerts 99).Labels.x }}|{{ or "" "b" }}|{{ or 0 "" }}|{{ and 1 "x" }}')).toBe('0|b||x');
  });
});
