import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '../errors';
import {
  TimeInterval,
  TimeIntervalConfig,
  TimeIntervalConfigs,
  activeIntervalNames,
  compileTimeIntervals,
  isActive,
  type CompiledInterval,
} from './intervals';

/** Compile one named interval made of these entries. */
function compile(...entries: TimeInterval[]): CompiledInterval[] {
  const got = compileTimeIntervals([{ name: 't', time_intervals: entries }]).get('t');
  if (!got) throw new Error('interval "t" not compiled');
  return got;
}

/** Parse a YAML list of interval entries (Alertmanager's test input form) and compile it. */
function fromYaml(text: string): CompiledInterval[] {
  return compile(...z.array(TimeInterval).parse(parseYaml(text)));
}

/** The validation messages for a YAML list of interval entries. */
function yamlIssues(text: string): string[] {
  const r = z.array(TimeInterval).safeParse(parseYaml(text));
  return r.success ? [] : r.error.issues.map((i) => i.message);
}

/** Every minute of [fromIso, toIso) at which the intervals are active, counted. */
function activeMinutes(intervals: CompiledInterval[], fromIso: string, toIso: string): number {
  let n = 0;
  for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += 60_000) if (isActive(intervals, new Date(t))) n++;
  return n;
}

type Probe = [at: string, active: boolean];

describe('isActive: the cases of Alertmanager TestContainsTime', () => {
  const cases: [name: string, intervals: CompiledInterval[], probes: Probe[]][] = [
    [
      'an empty interval contains every instant',
      compile({}),
      [
        ['2006-01-02T15:04:00Z', true],
        ['2007-01-03T10:04:00Z', true],
        ['2006-01-04T09:04:00Z', true],
      ],
    ],
    [
      '09:00-17:00, monday to friday',
      compile({ times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'] }),
      [
        ['2020-05-04T15:04:00Z', true],
        ['2020-05-05T10:04:00Z', true],
        ['2020-06-09T09:04:00Z', true],
        ['2020-05-03T15:04:00Z', false], // Sunday
        ['2020-05-04T08:59:00Z', false],
        ['2020-05-05T05:00:00Z', false],
      ],
    ],
    [
      'Easter 2020',
      compile({ days_of_month: ['4:6'], months: ['april'], years: ['2020'] }),
      [
        ['2020-04-04T15:04:00Z', true],
        ['2020-04-05T00:00:00Z', true],
        ['2020-04-06T23:05:00Z', true],
        ['2018-05-03T15:04:00Z', false],
        ['2020-04-03T23:59:00Z', false],
        ['2020-06-04T23:59:00Z', false],
        ['2019-04-06T23:59:00Z', false],
        ['2020-04-07T00:00:00Z', false],
      ],
    ],
    [
      'the last 3 days of each month',
      compile({ days_of_month: ['-3:-1'] }),
      [
        ['2020-01-31T15:04:00Z', true],
        ['2020-01-30T15:04:00Z', true],
        ['2020-01-29T15:04:00Z', true],
        ['2020-06-30T00:00:00Z', true],
        ['2020-02-29T23:05:00Z', true],
        ['2018-05-03T15:04:00Z', false],
        ['2020-01-27T15:04:00Z', false],
        ['2020-04-03T23:59:00Z', false],
        ['2020-06-04T23:59:00Z', false],
        ['2019-04-06T23:59:00Z', false],
        ['2020-04-07T00:00:00Z', false],
        ['2020-03-01T00:00:00Z', false],
      ],
    ],
    [
      // Built directly, as Alertmanager's test does: the parser refuses "-31:31" (see below).
      'out-of-bound days are clamped to the month: -31:31 in June',
      [{ months: [{ begin: 6, end: 6 }], daysOfMonth: [{ begin: -31, end: 31 }], location: 'UTC' }],
      [
        ['2020-06-30T00:00:00Z', true],
        ['2020-06-01T00:00:00Z', true],
        ['2020-05-31T00:00:00Z', false],
        ['2020-07-01T00:00:00Z', false],
      ],
    ],
    [
      'Australia/Sydney 09:00-17:00, monday to friday',
      compile({ times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'], location: 'Australia/Sydney' }),
      [
        ['2021-04-06T13:00:00+10:00', true],
        ['2021-04-06T13:00:00+00:00', false], // 23:00 in Sydney
      ],
    ],
    [
      'Australia/Sydney during daylight saving time, November',
      compile({
        times: [{ start_time: '09:00', end_time: '17:00' }],
        weekdays: ['monday:friday'],
        months: ['11'],
        location: 'Australia/Sydney',
      }),
      [
        ['2021-11-01T09:00:00+11:00', true],
        ['2021-10-31T22:00:00Z', true], // Monday 1 November 09:00 AEDT
        ['2021-10-31T21:00:00Z', false], // 08:00 AEDT
      ],
    ],
  ];

  describe.each(cases)('%s', (_name, intervals, probes) => {
    it.each(probes)('%s → %s', (at, want) => {
      // Prepare: the compiled interval above.
      // Act
      const got = isActive(intervals, new Date(at));
      // Assess
      expect(got).toBe(want);
    });
  });

  it('the parser refuses the "-31:31" of the clamping case, as Alertmanager does', () => {
    // Prepare
    const entry = { days_of_month: ['-31:31'] };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/end must be negative when the start is negative/);
  });
});

describe('times: the cases of Alertmanager TestParseTimeString', () => {
  it.each([
    ['00:00', '24:00', { begin: 0, end: 1440 }],
    ['01:35', '17:39', { begin: 95, end: 1059 }],
    ['09:35', '09:39', { begin: 575, end: 579 }],
  ])('%s-%s → minutes %o', (start, end, want) => {
    // Prepare
    const entry = { times: [{ start_time: start, end_time: end }] };
    // Act
    const [compiled] = compile(entry);
    // Assess
    expect(compiled?.times).toEqual([want]);
  });

  it.each([
    ['17:31', '17:31', 'start_time 17:31 must be before end_time 17:31'],
    ['12:30', '24:01', 'end_time 24:01 is out of range (00:00 to 24:00)'],
    ['09:30', '07:41', 'start_time 09:30 must be before end_time 07:41'],
    ['24:00', '17:41', 'start_time 24:00 must be before end_time 17:41'],
  ])('%s-%s is refused: %s', (start, end, message) => {
    // Prepare
    const entry = { times: [{ start_time: start, end_time: end }] };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining(message)]);
  });

  it('a range without end_time is refused', () => {
    // Prepare
    const entry = { times: [{ start_time: '14:03' }] };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['times.0.end_time', 'end_time is required (HH:MM)']]);
  });
});

describe('YAML input: the cases of Alertmanager TestYamlUnmarshal', () => {
  it('business hours', () => {
    // Prepare
    const yaml = `
- weekdays: ['monday:friday']
  times:
    - start_time: '09:00'
      end_time: '17:00'
`;
    // Act
    const intervals = fromYaml(yaml);
    // Assess
    expect(intervals).toEqual([{ weekdays: [{ begin: 1, end: 5 }], times: [{ begin: 540, end: 1020 }], location: 'UTC' }]);
    expect(isActive(intervals, new Date('2020-07-08T09:00:00Z'))).toBe(true);
    expect(isActive(intervals, new Date('2020-07-08T16:59:00Z'))).toBe(true);
    expect(isActive(intervals, new Date('2020-07-08T05:00:00Z'))).toBe(false);
    expect(isActive(intervals, new Date('2020-07-08T08:59:00Z'))).toBe(false);
    expect(isActive(intervals, new Date('2021-04-01T13:00:00Z'))).toBe(true);
  });

  it('last week of the first quarter, without Saturday, business hours, 2020-2025 and 2030-2035', () => {
    // Prepare
    const yaml = `
- weekdays: ['monday:friday', 'sunday']
  months: ['january:march']
  days_of_month: ['-7:-1']
  years: ['2020:2025', '2030:2035']
  times:
    - start_time: '09:00'
      end_time: '17:00'
`;
    // Act
    const intervals = fromYaml(yaml);
    // Assess
    expect(intervals).toEqual([
      {
        weekdays: [
          { begin: 1, end: 5 },
          { begin: 0, end: 0 },
        ],
        times: [{ begin: 540, end: 1020 }],
        months: [{ begin: 1, end: 3 }],
        daysOfMonth: [{ begin: -7, end: -1 }],
        years: [
          { begin: 2020, end: 2025 },
          { begin: 2030, end: 2035 },
        ],
        location: 'UTC',
      },
    ]);
    for (const at of ['2021-01-27T09:00:00Z', '2021-01-28T16:59:00Z', '2021-01-29T13:00:00Z', '2025-03-31T13:00:00Z', '2035-01-31T13:00:00Z']) {
      expect(isActive(intervals, new Date(at)), at).toBe(true);
    }
    for (const at of [
      '2021-01-30T13:00:00Z', // Saturday
      '2021-04-01T13:00:00Z', // April
      '2026-01-30T13:00:00Z', // 2026
      '2035-01-31T17:01:00Z', // after 17:00
    ]) {
      expect(isActive(intervals, new Date(at)), at).toBe(false);
    }
  });

  it.each([
    ['days_of_month 1:-1', `- days_of_month: ['1:-1']`, [{ daysOfMonth: [{ begin: 1, end: -1 }], location: 'UTC' }]],
    ['months in any case', `- months: ['January:december']`, [{ months: [{ begin: 1, end: 12 }], location: 'UTC' }]],
    [
      'a location',
      `- years: ['2020:2022']\n  location: 'Australia/Sydney'`,
      [{ years: [{ begin: 2020, end: 2022 }], location: 'Australia/Sydney' }],
    ],
  ])('accepts %s', (_name, yaml, want) => {
    // Prepare: the YAML above.
    // Act
    const got = fromYaml(yaml);
    // Assess
    expect(got).toEqual(want);
  });

  it.each([
    ['an invalid start time', `- times: [{start_time: '01:99', end_time: '23:59'}]`, 'start_time 01:99 is out of range (00:00 to 24:00)'],
    ['an invalid end time', `- times: [{start_time: '00:00', end_time: '99:99'}]`, 'end_time 99:99 is out of range (00:00 to 24:00)'],
    [
      'a weekday range that wraps',
      `- weekdays: ['friday:monday']`,
      'weekday range "friday:monday" ends before it starts; ranges do not wrap around the week, use "friday:saturday" and "sunday:monday"',
    ],
    ['invalid weekdays', `- weekdays: ['blurgsday:flurgsday']`, 'weekday "blurgsday" is not a weekday (sunday … saturday)'],
    ['numeric weekdays', `- weekdays: ['1:3']`, 'weekday "1" is not a weekday (sunday … saturday)'],
    ['negative numeric weekdays', `- weekdays: ['-2:-1']`, 'weekday "-2" is not a weekday (sunday … saturday)'],
    ['day of month 0', `- days_of_month: ['0']`, 'day of month 0 is out of range (1 to 31, or -31 to -1 counting back from the last day)'],
    ['a start day below -31', `- days_of_month: ['-50:-20']`, 'day of month -50 is out of range (1 to 31, or -31 to -1 counting back from the last day)'],
    ['an end day above 31', `- days_of_month: ['1:50']`, 'day of month 50 is out of range (1 to 31, or -31 to -1 counting back from the last day)'],
    ['a negative start with a positive end', `- days_of_month: ['-15:5']`, 'day of month range "-15:5": the end must be negative when the start is negative'],
    ['a negative end always before the start', `- days_of_month: ['10:-25']`, 'day of month range "10:-25": end day -25 is always before start day 10'],
    ['an invalid start month', `- months: ['martius:june']`, 'month "martius" is not a month (january … december or 1 … 12)'],
    ['an invalid end month', `- months: ['march:junius']`, 'month "junius" is not a month (january … december or 1 … 12)'],
    [
      'a start month after the end month',
      `- months: ['december:january']`,
      'month range "december:january" ends before it starts; ranges do not wrap around the year, use "december" and "january"',
    ],
    ['a start year after the end year', `- years: ['2022:2020']`, 'year range "2022:2020": end year 2020 is before start year 2022'],
  ])('refuses %s', (_name, yaml, message) => {
    // Prepare: the YAML above.
    // Act
    const got = yamlIssues(yaml);
    // Assess
    expect(got).toEqual([message]);
  });
});

describe('complete flow: the cases of Alertmanager TestTimeIntervalComplete', () => {
  it('weekdays, times, days of month, years and months together', () => {
    // Prepare
    const intervals = fromYaml(`
- weekdays: ['monday:wednesday', 'saturday', 'sunday']
  times:
    - start_time: '13:00'
      end_time: '15:00'
  days_of_month: ['1', '10', '20:-1']
  years: ['2020:2023']
  months: ['january:march']
`);
    // Act
    const got = ['2021-01-10T13:00:00Z', '2021-01-30T14:24:00Z', '2021-01-09T13:00:00Z', '2021-01-20T12:59:00Z', '2021-02-02T13:00:00Z'].map(
      (at) => isActive(intervals, new Date(at)),
    );
    // Assess
    expect(got).toEqual([true, true, false, false, false]);
  });

  it('a start day after the end of the month is not clamped into it (30:31 in February)', () => {
    // Prepare
    const intervals = fromYaml(`- {days_of_month: ['30:31'], years: ['2020:2023'], months: ['february']}`);
    // Act
    const got = isActive(intervals, new Date('2021-02-28T13:00:00Z'));
    // Assess
    expect(got).toBe(false);
  });
});

describe('activeIntervalNames: the cases of Alertmanager TestIntervener_Mutes', () => {
  const compiled = compileTimeIntervals([
    {
      name: 'evenings',
      time_intervals: [
        {
          times: [
            { start_time: '00:00', end_time: '09:00' },
            { start_time: '17:00', end_time: '24:00' },
          ],
          location: 'Australia/Sydney',
        },
      ],
    },
    { name: 'weekends', time_intervals: [{ weekdays: ['saturday', 'sunday'], location: 'Australia/Sydney' }] },
  ]);

  it.each([
    ['outside working hours', '2024-01-01T00:00:00+11:00', ['evenings']],
    ['during working hours', '2024-01-01T09:00:00+11:00', []],
    ['during the weekend', '2024-01-06T10:00:00+11:00', ['weekends']],
    ['on a weekend evening', '2024-01-06T17:00:00+11:00', ['evenings', 'weekends']],
    ['at 10:00 UTC on a weekday (21:00 in Sydney)', '2024-01-01T10:00:00Z', ['evenings']],
    ['at 10:00 UTC on a Saturday (21:00 in Sydney)', '2024-01-06T10:00:00Z', ['evenings', 'weekends']],
  ])('%s', (_name, at, want) => {
    // Prepare: the two intervals above.
    // Act
    const got = activeIntervalNames(['evenings', 'weekends'], compiled, new Date(at));
    // Assess
    expect(got).toEqual(want);
  });

  it('throws for a name the config does not define', () => {
    // Prepare
    const at = new Date('2024-01-01T00:00:00Z');
    // Act
    const act = () => activeIntervalNames(['evenings', 'holidays'], compiled, at);
    // Assess
    expect(act).toThrow('time interval "holidays" doesn\'t exist in config');
  });
});

describe('days_of_month: negative days count back from the last day of the month', () => {
  it.each<[spec: string, at: string, want: boolean]>([
    ['-1', '2024-02-29T12:00:00Z', true], // leap year
    ['-1', '2024-02-28T12:00:00Z', false],
    ['-1', '2023-02-28T12:00:00Z', true], // non-leap year
    ['-1', '2023-02-27T12:00:00Z', false],
    ['-1', '2100-02-28T12:00:00Z', true], // century, not a leap year
    ['-1', '2000-02-29T12:00:00Z', true], // divisible by 400, a leap year
    ['-1', '2024-04-30T12:00:00Z', true],
    ['-1', '2024-12-31T12:00:00Z', true],
    ['-3:-1', '2023-02-25T12:00:00Z', false],
    ['-3:-1', '2023-02-26T12:00:00Z', true],
    ['-3:-1', '2024-02-26T12:00:00Z', false],
    ['-3:-1', '2024-02-27T12:00:00Z', true],
    ['-3:-1', '2024-02-29T12:00:00Z', true],
    ['1:-1', '2023-02-28T12:00:00Z', true],
    ['1:-1', '2024-01-31T12:00:00Z', true],
    ['25:-1', '2023-02-24T12:00:00Z', false], // mixed signs: 25th to the last day
    ['25:-1', '2023-02-28T12:00:00Z', true],
    ['25:-1', '2024-01-31T12:00:00Z', true],
    ['-31:-29', '2024-01-01T12:00:00Z', true], // the first 3 days of a 31-day month
    ['-31:-29', '2024-01-03T12:00:00Z', true],
    ['-31:-29', '2024-01-04T12:00:00Z', false],
    ['-31:-29', '2024-04-01T12:00:00Z', true], // the first 2 of a 30-day month
    ['-31:-29', '2024-04-03T12:00:00Z', false],
    ['-31:-29', '2023-02-01T12:00:00Z', false], // none of a 28-day February
    ['-31:-29', '2024-02-01T12:00:00Z', true], // the first of a 29-day February
    ['29:31', '2023-02-28T12:00:00Z', false], // starts after the month: no day
    ['29:31', '2024-02-29T12:00:00Z', true],
    ['31', '2024-04-30T12:00:00Z', false],
  ])('%s on %s → %s', (spec, at, want) => {
    // Prepare
    const intervals = compile({ days_of_month: [spec] });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('refuses "28:-1", as Alertmanager does (it checks mixed ranges against a 28-day month as 28 + n)', () => {
    // Prepare
    const entry = { days_of_month: ['28:-1'] };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.error?.issues.map((i) => i.message)).toEqual(['day of month range "28:-1": end day -1 is always before start day 28']);
  });

  it.each([
    // Alertmanager before #5447 counted 30 days in a month with a spring-forward change.
    ['America/New_York', '2021-03-31T12:00:00-04:00', true],
    ['America/New_York', '2021-03-30T12:00:00-04:00', false],
    ['Europe/Berlin', '2026-03-31T12:00:00+02:00', true],
    ['Europe/Berlin', '2026-03-30T12:00:00+02:00', false],
    ['Europe/Berlin', '2026-10-31T12:00:00+01:00', true],
  ])('-1 is the last day in a month with a DST change (%s, %s → %s)', (location, at, want) => {
    // Prepare
    const intervals = compile({ days_of_month: ['-1'], location });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('takes the day from the local date: 23:30 UTC on 29 February is 1 March in Berlin', () => {
    // Prepare
    const at = new Date('2024-02-29T23:30:00Z');
    // Act
    const utc = isActive(compile({ days_of_month: ['-1'] }), at);
    const berlin = isActive(compile({ days_of_month: ['-1'], location: 'Europe/Berlin' }), at);
    // Assess
    expect([utc, berlin]).toEqual([true, false]);
  });
});

describe('months and years', () => {
  it.each<[at: string, want: boolean]>([
    ['2026-01-01T00:00:00Z', true],
    ['2026-03-31T23:59:00Z', true],
    ['2026-04-01T00:00:00Z', false],
    ['2026-11-30T23:59:00Z', false],
    ['2026-12-01T00:00:00Z', true],
  ])("months ['january:march', '12'] at %s → %s", (at, want) => {
    // Prepare
    const intervals = compile({ months: ['january:march', '12'] });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('accepts a month range mixing a number and a name, and YAML numbers', () => {
    // Prepare
    const yaml = `- {months: ['1:march', 12], years: [2026, '2028:2029'], days_of_month: [1, -1]}`;
    // Act
    const [got] = fromYaml(yaml);
    // Assess
    expect(got).toEqual({
      months: [
        { begin: 1, end: 3 },
        { begin: 12, end: 12 },
      ],
      years: [
        { begin: 2026, end: 2026 },
        { begin: 2028, end: 2029 },
      ],
      daysOfMonth: [
        { begin: 1, end: 1 },
        { begin: -1, end: -1 },
      ],
      location: 'UTC',
    });
  });

  it.each<[at: string, want: boolean]>([
    ['2025-12-31T23:59:00Z', false],
    ['2026-01-01T00:00:00Z', true],
    ['2030-12-31T23:59:00Z', true],
    ['2031-01-01T00:00:00Z', false],
  ])("years ['2026:2030'] at %s → %s", (at, want) => {
    // Prepare
    const intervals = compile({ years: ['2026:2030'] });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('takes month and year from the local date: 23:30 UTC on 31 December is the new year in Berlin', () => {
    // Prepare
    const at = new Date('2025-12-31T23:30:00Z');
    // Act
    const utc = isActive(compile({ years: ['2026'], months: ['january'] }), at);
    const berlin = isActive(compile({ years: ['2026'], months: ['january'], location: 'Europe/Berlin' }), at);
    // Assess
    expect([utc, berlin]).toEqual([false, true]);
  });
});

describe('weekdays', () => {
  it('refuses a range that wraps past Saturday (saturday:monday), as Alertmanager does, and says how to write it', () => {
    // Prepare
    const entry = { weekdays: ['saturday:monday'] };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.error?.issues.map((i) => i.message)).toEqual([
      'weekday range "saturday:monday" ends before it starts; ranges do not wrap around the week, use "saturday" and "sunday:monday"',
    ]);
  });

  it.each<[at: string, want: boolean]>([
    ['2026-01-03T12:00:00Z', true], // Saturday
    ['2026-01-04T12:00:00Z', true], // Sunday
    ['2026-01-05T12:00:00Z', true], // Monday
    ['2026-01-06T12:00:00Z', false], // Tuesday
    ['2026-01-09T12:00:00Z', false], // Friday
  ])("the suggested ['saturday', 'sunday:monday'] at %s → %s", (at, want) => {
    // Prepare
    const intervals = compile({ weekdays: ['saturday', 'sunday:monday'] });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('ignores case, as Alertmanager does', () => {
    // Prepare
    const entry = { weekdays: ['Monday:FRIDAY', 'Sunday'] };
    // Act
    const [got] = compile(entry);
    // Assess
    expect(got?.weekdays).toEqual([
      { begin: 1, end: 5 },
      { begin: 0, end: 0 },
    ]);
  });

  it('takes the weekday from the local date: Sunday 23:30 UTC is Monday in Berlin', () => {
    // Prepare
    const at = new Date('2026-01-04T23:30:00Z');
    // Act
    const utc = isActive(compile({ weekdays: ['monday'] }), at);
    const berlin = isActive(compile({ weekdays: ['monday'], location: 'Europe/Berlin' }), at);
    // Assess
    expect([utc, berlin]).toEqual([false, true]);
  });
});

describe('times: minutes of the local day, [start, end)', () => {
  it.each<[at: string, want: boolean]>([
    ['2026-05-04T08:59:59.999Z', false],
    ['2026-05-04T09:00:00Z', true],
    ['2026-05-04T16:59:59.999Z', true], // seconds are ignored, as Alertmanager compares hour and minute
    ['2026-05-04T17:00:00Z', false],
  ])('09:00-17:00 at %s → %s', (at, want) => {
    // Prepare
    const intervals = compile({ times: [{ start_time: '09:00', end_time: '17:00' }] });
    // Act
    const got = isActive(intervals, new Date(at));
    // Assess
    expect(got).toBe(want);
  });

  it('24:00 as the end reaches midnight and stops there', () => {
    // Prepare
    const intervals = compile({ times: [{ start_time: '17:00', end_time: '24:00' }] });
    // Act
    const got = ['2026-05-04T23:59:00Z', '2026-05-05T00:00:00Z'].map((at) => isActive(intervals, new Date(at)));
    // Assess
    expect(got).toEqual([true, false]);
  });

  it('an overnight window is written as two ranges', () => {
    // Prepare
    const intervals = compile({
      times: [
        { start_time: '22:00', end_time: '24:00' },
        { start_time: '00:00', end_time: '06:00' },
      ],
    });
    // Act
    const got = ['2026-05-04T21:59:00Z', '2026-05-04T22:00:00Z', '2026-05-05T05:59:00Z', '2026-05-05T06:00:00Z'].map((at) =>
      isActive(intervals, new Date(at)),
    );
    // Assess
    expect(got).toEqual([false, true, true, false]);
  });
});

describe('times across DST changes', () => {
  describe('Europe/Berlin, spring forward on 29 March 2026 (02:00 CET → 03:00 CEST)', () => {
    const day: [string, string] = ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z']; // local midnight to midnight, 23 h

    it('02:00-03:00 local does not exist that day, so it is never active', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '02:00', end_time: '03:00' }], location: 'Europe/Berlin' });
      // Act
      const minutes = activeMinutes(intervals, ...day);
      // Assess
      expect(minutes).toBe(0);
    });

    it('02:30 local exists the day before but not that day', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '02:30', end_time: '02:31' }], location: 'Europe/Berlin' });
      // Act
      const dayBefore = isActive(intervals, new Date('2026-03-28T01:30:00Z'));
      const thatDay = activeMinutes(intervals, ...day);
      // Assess
      expect([dayBefore, thatDay]).toEqual([true, 0]);
    });

    it('01:00-03:00 local lasts one real hour', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '01:00', end_time: '03:00' }], location: 'Europe/Berlin' });
      // Act
      const minutes = activeMinutes(intervals, ...day);
      const edges = ['2026-03-28T23:59:00Z', '2026-03-29T00:00:00Z', '2026-03-29T00:59:00Z', '2026-03-29T01:00:00Z'].map((at) =>
        isActive(intervals, new Date(at)),
      );
      // Assess
      expect(minutes).toBe(60);
      expect(edges).toEqual([false, true, true, false]); // 00:59 CET, 01:00 CET, 01:59 CET, 03:00 CEST
    });
  });

  describe('Europe/Berlin, fall back on 25 October 2026 (03:00 CEST → 02:00 CET)', () => {
    it('01:00-03:00 local lasts three real hours: 02:00-02:59 happens twice', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '01:00', end_time: '03:00' }], location: 'Europe/Berlin' });
      // Act
      const minutes = activeMinutes(intervals, '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'); // local midnight to midnight, 25 h
      const edges = ['2026-10-24T22:59:00Z', '2026-10-24T23:00:00Z', '2026-10-25T01:59:00Z', '2026-10-25T02:00:00Z'].map((at) =>
        isActive(intervals, new Date(at)),
      );
      // Assess
      expect(minutes).toBe(180);
      expect(edges).toEqual([false, true, true, false]); // 00:59 CEST, 01:00 CEST, 02:59 CET, 03:00 CET
    });
  });

  describe('America/New_York, spring forward on 8 March 2026 (02:00 EST → 03:00 EDT)', () => {
    it('02:00-03:00 local is never active that day; 02:30 does not exist', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '02:00', end_time: '03:00' }], location: 'America/New_York' });
      // Act
      const minutes = activeMinutes(intervals, '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z');
      // Assess
      expect(minutes).toBe(0);
    });

    it('business hours stay 09:00-17:00 local on both sides of the change', () => {
      // Prepare
      const intervals = compile({
        times: [{ start_time: '09:00', end_time: '17:00' }],
        weekdays: ['monday:friday'],
        location: 'America/New_York',
      });
      // Act
      const got = [
        '2026-03-06T13:59:00Z', // Friday 08:59 EST
        '2026-03-06T14:00:00Z', // Friday 09:00 EST
        '2026-03-09T12:59:00Z', // Monday 08:59 EDT
        '2026-03-09T13:00:00Z', // Monday 09:00 EDT
        '2026-03-09T20:59:00Z', // Monday 16:59 EDT
        '2026-03-09T21:00:00Z', // Monday 17:00 EDT
      ].map((at) => isActive(intervals, new Date(at)));
      // Assess
      expect(got).toEqual([false, true, false, true, true, false]);
    });
  });

  describe('America/New_York, fall back on 1 November 2026 (02:00 EDT → 01:00 EST)', () => {
    it('01:00-03:00 local lasts three real hours: 01:00-01:59 happens twice', () => {
      // Prepare
      const intervals = compile({ times: [{ start_time: '01:00', end_time: '03:00' }], location: 'America/New_York' });
      // Act
      const minutes = activeMinutes(intervals, '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z');
      const edges = ['2026-11-01T04:59:00Z', '2026-11-01T05:00:00Z', '2026-11-01T07:59:00Z', '2026-11-01T08:00:00Z'].map((at) =>
        isActive(intervals, new Date(at)),
      );
      // Assess
      expect(minutes).toBe(180);
      expect(edges).toEqual([false, true, true, false]); // 00:59 EDT, 01:00 EDT, 02:59 EST, 03:00 EST
    });
  });
});

describe('location', () => {
  it('defaults to UTC when absent or empty (as Go loads "")', () => {
    // Prepare
    const at = new Date('2026-05-04T08:30:00Z');
    const times = [{ start_time: '08:00', end_time: '09:00' }];
    // Act
    const absent = compile({ times });
    const empty = compile({ times, location: '' });
    // Assess
    expect(absent[0]?.location).toBe('UTC');
    expect(empty[0]?.location).toBe('UTC');
    expect([isActive(absent, at), isActive(empty, at)]).toEqual([true, true]);
  });

  it.each([
    ['Mars/Olympus_Mons', 'location "Mars/Olympus_Mons" is not a known IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")'],
    ['+01:00', 'location "+01:00" is not a known IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")'],
    ['Local', 'location "Local" is not supported; name an IANA zone such as "Europe/Berlin" or "UTC"'],
  ])('refuses %s', (location, message) => {
    // Prepare
    const entry = { location };
    // Act
    const r = TimeInterval.safeParse(entry);
    // Assess
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['location', message]]);
  });
});

describe('TimeIntervalConfig: the named entry', () => {
  it("accepts the documented example and compiles it", () => {
    // Prepare
    const yaml = `
name: office
time_intervals:
  - times: [{start_time: '09:00', end_time: '17:00'}]
    weekdays: ['monday:friday', 'sunday']
    days_of_month: ['1:5', '-3:-1']
    months: ['january:march', '12']
    years: ['2026:2030']
    location: Europe/Berlin
`;
    // Act
    const config = TimeIntervalConfig.parse(parseYaml(yaml));
    const compiled = compileTimeIntervals([config]);
    // Assess
    expect(compiled.get('office')).toEqual([
      {
        times: [{ begin: 540, end: 1020 }],
        weekdays: [
          { begin: 1, end: 5 },
          { begin: 0, end: 0 },
        ],
        daysOfMonth: [
          { begin: 1, end: 5 },
          { begin: -3, end: -1 },
        ],
        months: [
          { begin: 1, end: 3 },
          { begin: 12, end: 12 },
        ],
        years: [{ begin: 2026, end: 2030 }],
        location: 'Europe/Berlin',
      },
    ]);
    expect(isActive(compiled.get('office') ?? [], new Date('2026-01-05T08:00:00Z'))).toBe(true); // Monday 5 Jan, 09:00 CET
    expect(isActive(compiled.get('office') ?? [], new Date('2026-01-06T08:00:00Z'))).toBe(false); // the 6th
  });

  it('is active when any entry of the list matches', () => {
    // Prepare
    const intervals = compile({ weekdays: ['saturday'] }, { times: [{ start_time: '00:00', end_time: '06:00' }] });
    // Act
    const got = ['2026-01-03T12:00:00Z', '2026-01-05T05:00:00Z', '2026-01-05T12:00:00Z'].map((at) => isActive(intervals, new Date(at)));
    // Assess
    expect(got).toEqual([true, true, false]);
  });

  it('an empty time_intervals list is allowed and never active', () => {
    // Prepare
    const config = TimeIntervalConfig.parse({ name: 'off', time_intervals: [] });
    // Act
    const intervals = compileTimeIntervals([config]).get('off');
    // Assess
    expect(intervals).toEqual([]);
    expect(isActive(intervals ?? [], new Date('2026-01-01T00:00:00Z'))).toBe(false);
  });

  it.each<[name: string, input: unknown, issues: [path: string, message: string | RegExp][]]>([
    ['a missing name', { time_intervals: [] }, [['name', 'a time interval needs a name']]],
    ['an empty name', { name: '', time_intervals: [] }, [['name', 'a time interval needs a name']]],
    ['a missing time_intervals', { name: 'x' }, [['time_intervals', 'time_intervals must be a list of intervals']]],
    ['an unknown top-level key', { name: 'x', time_intervals: [], intervals: [] }, [['', /Unrecognized key: "intervals"/]]],
    ['a misspelt field', { name: 'x', time_intervals: [{ weekday: ['monday'] }] }, [['time_intervals.0', /Unrecognized key: "weekday"/]]],
    ['an unknown key in times', { name: 'x', time_intervals: [{ times: [{ start_time: '01:00', end_time: '02:00', end: '03:00' }] }] }, [['time_intervals.0.times.0', /Unrecognized key: "end"/]]],
    ['end_time 25:00', { name: 'x', time_intervals: [{ times: [{ start_time: '09:00', end_time: '25:00' }] }] }, [['time_intervals.0.times.0.end_time', 'end_time 25:00 is out of range (00:00 to 24:00)']]],
    ['a one-digit hour', { name: 'x', time_intervals: [{ times: [{ start_time: '9:00', end_time: '17:00' }] }] }, [['time_intervals.0.times.0.start_time', 'start_time "9:00" is not a time in HH:MM form']]],
    ['a time given as a number', { name: 'x', time_intervals: [{ times: [{ start_time: 540, end_time: '17:00' }] }] }, [['time_intervals.0.times.0.start_time', 'start_time must be a string "HH:MM" (quote it in YAML)']]],
    [
      'an overnight range',
      { name: 'x', time_intervals: [{ times: [{ start_time: '22:00', end_time: '06:00' }] }] },
      [['time_intervals.0.times.0', 'start_time 22:00 must be before end_time 06:00 (a range cannot cross midnight; split it into 22:00–24:00 and 00:00–06:00)']],
    ],
    ['weekday "funday"', { name: 'x', time_intervals: [{ weekdays: ['funday'] }] }, [['time_intervals.0.weekdays.0', 'weekday "funday" is not a weekday (sunday … saturday)']]],
    ['a range with two colons', { name: 'x', time_intervals: [{ weekdays: ['monday:tuesday:friday'] }] }, [['time_intervals.0.weekdays.0', 'weekday range "monday:tuesday:friday" must be one value or "start:end"']]],
    ['a day that is not a number', { name: 'x', time_intervals: [{ days_of_month: ['first'] }] }, [['time_intervals.0.days_of_month.0', 'day of month "first" is not an integer']]],
    ['month 13', { name: 'x', time_intervals: [{ months: ['13'] }] }, [['time_intervals.0.months.0', 'month 13 is out of range (1 to 12)']]],
    ['month 0 in a range', { name: 'x', time_intervals: [{ months: ['0:3'] }] }, [['time_intervals.0.months.0', 'month 0 is out of range (1 to 12)']]],
    ['a year that is not a number', { name: 'x', time_intervals: [{ years: ['2026:later'] }] }, [['time_intervals.0.years.0', 'year "later" is not an integer']]],
    ['an empty weekdays list', { name: 'x', time_intervals: [{ weekdays: [] }] }, [['time_intervals.0.weekdays', 'weekdays: [] never matches; omit weekdays to match every value']]],
    ['an empty times list', { name: 'x', time_intervals: [{ times: [] }] }, [['time_intervals.0.times', 'times: [] never matches; omit times to match the whole day']]],
    ['a range entry that is neither string nor number', { name: 'x', time_intervals: [{ months: [true] }] }, [['time_intervals.0.months.0', 'expected a string such as "january:march"']]],
  ])('refuses %s', (_name, input, issues) => {
    // Prepare: the input above.
    // Act
    const r = TimeIntervalConfig.safeParse(input);
    // Assess
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      issues.map(([path, message]) => [path, typeof message === 'string' ? message : expect.stringMatching(message)]),
    );
  });
});

describe('TimeIntervalConfigs and compileTimeIntervals: names', () => {
  it('the list schema refuses a name defined twice', () => {
    // Prepare
    const input = [
      { name: 'office', time_intervals: [] },
      { name: 'office', time_intervals: [{ weekdays: ['monday'] }] },
    ];
    // Act
    const r = TimeIntervalConfigs.safeParse(input);
    // Assess
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['1.name', 'time interval "office" is defined more than once']]);
  });

  it('compileTimeIntervals refuses a name defined twice with a ConfigError naming the path', () => {
    // Prepare
    const input = [
      { name: 'office', time_intervals: [] },
      { name: 'office', time_intervals: [] },
    ];
    // Act
    const act = () => compileTimeIntervals(input);
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow('invalid time interval: time_intervals[1].name: time interval "office" is defined more than once');
  });

  it('compileTimeIntervals checks unvalidated input with the same messages as the schema', () => {
    // Prepare
    const input = [{ name: 'x', time_intervals: [{ times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday', 'funday'] }] }];
    // Act
    let error: unknown;
    try {
      compileTimeIntervals(input);
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: 'time_intervals[0].time_intervals[0].weekdays[1]', message: 'weekday "funday" is not a weekday (sunday … saturday)' },
    ]);
  });

  it('keeps the names in config order', () => {
    // Prepare
    const input = [
      { name: 'b', time_intervals: [] },
      { name: 'a', time_intervals: [{ years: ['2026'] }] },
    ];
    // Act
    const compiled = compileTimeIntervals(input);
    // Assess
    expect([...compiled.keys()]).toEqual(['b', 'a']);
  });
});

describe('isActive: input', () => {
  it('throws on an invalid Date rather than answering', () => {
    // Prepare
    const intervals = compile({});
    // Act
    const act = () => isActive(intervals, new Date('not a date'));
    // Assess
    expect(act).toThrow(TypeError);
  });
});
