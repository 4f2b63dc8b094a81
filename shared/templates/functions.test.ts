import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from './functions';
import { compileTemplate } from './template';
import { NOW, sampleData } from '../channels/template-testing';

const data = sampleData();
const covered = new Set<string>();

/** Render `src` and record which functions it exercised. */
function r(src: string): string {
  for (const m of src.matchAll(/[A-Za-z]+/g)) if (Object.hasOwn(FUNCTIONS, m[0])) covered.add(m[0]);
  return compileTemplate(src, 'fn').render(data, { now: NOW });
}

afterAll(() => {
  // Every whitelisted function has a test here.
  expect([...covered].sort()).toEqual(Object.keys(FUNCTIONS).sort());
});

describe('comparison and logic (Go builtins)', () => {
  it('eq / ne compare basic values; eq takes several candidates', () => {
    expect(r('{{ eq .Status "firing" }} {{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ eq 1 "1" }} {{ ne .Status "resolved" }} {{ ne 2 2 }}')).toBe(
      'true true true false true false',
    );
    expect(r('{{ eq (index .Alerts 0).StartsAt (index .Alerts 0).StartsAt }} {{ eq .CommonLabels .CommonLabels }}')).toBe('true false');
  });

  it('lt / le / gt / ge order numbers with numbers and strings with strings', () => {
    expect(r('{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }} {{ lt 1 "2" }}')).toBe('true true true false false');
  });

  it('and / or return an argument; not negates truth', () => {
    expect(r('{{ and "a" "b" }} {{ and "" "b" }}|{{ or "" "b" }} {{ or "a" "b" }} {{ not "" }} {{ not .Alerts }}')).toBe('b |b a true false');
  });
});

describe('len, index, slice', () => {
  it('len counts list items, map keys and string bytes (Go semantics)', () => {
    expect(r('{{ len .Alerts }} {{ len .CommonLabels }} {{ len "héllo" }} {{ len .GroupLabels.Names }}')).toBe('3 3 6 1');
  });

  it('index reads list elements, label values and string bytes', () => {
    expect(r('{{ (index .Alerts 2).Status }} {{ index .CommonLabels "team" }} {{ index "A" 0 }} [{{ index .Alerts 5 }}]')).toBe('resolved infra 65 []');
    expect(r('{{ index .Alerts 0 "Labels" }}')).toBe('');
  });

  it('slice cuts lists and strings', () => {
    expect(r('{{ slice "abcdef" 1 3 }} {{ slice "abc" 1 }} {{ len (slice .Alerts 1) }} {{ (slice .Alerts 1 2).Firing | len }} [{{ slice "abc" 2 1 }}]')).toBe('bc bc 2 1 []');
  });
});

describe('printing', () => {
  it('print / println follow fmt.Sprint spacing', () => {
    expect(r('{{ print "a" "b" 1 2 }}|{{ println "a" 1 }}|')).toBe('ab1 2|a 1\n|');
  });

  it('printf supports %s %d %v %q %% and reports misuse as Go does', () => {
    expect(r('{{ printf "%s has %d alerts (%v) %q 100%%" .Receiver (len .Alerts) .TruncatedAlerts "x\\"y" }}')).toBe(
      'team-infra has 3 alerts (0) "x\\"y" 100%',
    );
    expect(r('{{ printf "%d %s" "x" }}')).toBe('%!d(string=x) %!s(MISSING)');
    expect(r('{{ printf "%s" "a" "b" }}')).toBe('a%!(EXTRA string=b)');
    expect(r('{{ $f := "%x" }}{{ printf $f 1 }}')).toBe('%!x(int=1)');
  });

  it('html and urlquery escape as Go does', () => {
    expect(r(`{{ html "<a href='x'>&\\"</a>" }}`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;');
    expect(r('{{ urlquery "a b&c=d/é~" }}')).toBe('a+b%26c%3Dd%2F%C3%A9~');
  });
});

describe('Alertmanager string functions', () => {
  it('toUpper / toLower / title / trimSpace', () => {
    expect(r('{{ toUpper "aBc" }} {{ toLower "AbC" }} {{ title "hello wORLD it\'s foo-bar" }} [{{ trimSpace "  x \\n" }}]')).toBe(
      'ABC abc Hello World It\'s Foo-Bar [x]',
    );
  });

  it('join joins a list of strings (separator first, for pipelines)', () => {
    expect(r('{{ .CommonLabels.Values | join ", " }}')).toBe('HighCPU, critical, infra');
    expect(r('{{ join "-" (stringSlice "a" "b" "c") }}')).toBe('a-b-c');
  });

  it('match is an unanchored RE2 match', () => {
    expect(r('{{ match "^High" .GroupLabels.alertname }} {{ match "cpu" .GroupLabels.alertname }} {{ match "(?i)cpu" .GroupLabels.alertname }}')).toBe(
      'true false true',
    );
  });

  it('reReplaceAll expands $1, ${name} and $$ as Go does', () => {
    expect(r('{{ reReplaceAll "(\\\\w+)-(?P<n>\\\\d+)" "${n}:$1$$" "web-1 db-22" }}')).toBe('1:web$ 22:db$');
    expect(r('{{ reReplaceAll ":[0-9]+$" "" "host:9100" }}')).toBe('host');
    expect(r('{{ reReplaceAll "a*" "-" "baaac" }}')).toBe('-b-c-');
    expect(r('{{ reReplaceAll "(x)?y" "[$1]" "y xy" }}')).toBe('[] [x]');
  });

  it('safeHtml and safeUrl return their text (and bypass escape)', () => {
    expect(r('{{ safeHtml "<b>" }}{{ safeUrl "http://x" }}')).toBe('<b>http://x');
  });

  it('urlUnescape decodes query escapes', () => {
    expect(r('{{ urlUnescape "a%20b+c%C3%A9" }}|{{ urlUnescape "bad%zz" }}|')).toBe('a b cé||');
  });

  it('stringSlice makes a list of strings', () => {
    expect(r('{{ range stringSlice "x" "y" }}{{ . }};{{ end }}{{ len (stringSlice) }}')).toBe('x;y;0');
  });
});

describe('time functions', () => {
  it('date formats with Go layouts', () => {
    expect(r('{{ date "2006-01-02T15:04:05Z07:00" (index .Alerts 0).StartsAt }}')).toBe('2024-05-01T11:00:00Z');
    expect(r('{{ date "Jan _2 3:04PM .000" (index .Alerts 1).StartsAt }}')).toBe('May  1 11:30AM .250');
    expect(r('{{ (index .Alerts 0).StartsAt | date "Monday 02/01/06" }}')).toBe('Wednesday 01/05/24');
  });

  it('tz moves a time into an IANA zone', () => {
    expect(r('{{ date "15:04 MST -07:00" (tz "Asia/Kolkata" (index .Alerts 0).StartsAt) }}')).toBe('16:30 +0530 +05:30');
    expect(r('{{ (index .Alerts 0).StartsAt | tz "America/New_York" | date "2006-01-02 15:04 MST" }}')).toBe('2024-05-01 07:00 EDT');
    expect(r('{{ date "15:04 MST" (tz "UTC" (index .Alerts 0).StartsAt) }}')).toBe('11:00 UTC');
  });

  it('since gives the time elapsed until the render clock; humanizeDuration writes it for people', () => {
    expect(r('{{ since (index .Alerts 0).StartsAt }} {{ since (index .Alerts 1).StartsAt }}')).toBe('1h0m0s 29m59.75s');
    expect(r('{{ humanizeDuration (since (index .Alerts 0).StartsAt) }}')).toBe('1h 0m 0s');
    expect(r('{{ humanizeDuration 90061 }} {{ humanizeDuration 1.5 }} {{ humanizeDuration 0.0123 }} {{ humanizeDuration "62" }} {{ humanizeDuration 0 }}')).toBe(
      '1d 1h 1m 1s 1.5s 12.3ms 1m 2s 0s',
    );
  });
});

describe('alertflow extras', () => {
  it('default returns the value unless it is empty', () => {
    expect(r('{{ .CommonLabels.team | default "none" }} {{ .CommonLabels.owner | default "none" }} {{ default 5 0 }}')).toBe('infra none 5');
  });

  it('trunc keeps the first N characters (last N when negative), as Sprig', () => {
    expect(r('{{ trunc 4 "abcdef" }} {{ trunc -2 "abcdef" }} {{ trunc 10 "abc" }} {{ "héllo👍x" | trunc 6 }}')).toBe('abcd ef abc héllo👍');
  });
});

describe('the whitelist', () => {
  it('is frozen with no prototype', () => {
    expect(Object.isFrozen(FUNCTIONS)).toBe(true);
    expect(Object.getPrototypeOf(FUNCTIONS)).toBeNull();
    expect('constructor' in FUNCTIONS).toBe(false);
  });
});
