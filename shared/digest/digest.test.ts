import { describe, expect, it } from 'vitest';
import { fingerprint } from '../labels/fingerprint';
import type { DeliveryReads, GroupPages } from '../api/groups';
import { previewDigest } from '../api/digest';
import { buildEmail } from '../channels/email/render';
import { buildSlackPayload } from '../channels/slack/render';
import { parseConfigYaml } from '../config/loader';
import { collectDigest, DIGEST_BUDGET, quantiles, type DigestSources } from './collect';
import { DigestConfig, eventBridgeCron } from '../config/digest';
import { digestWindow, nextDigestAt } from './schedule';
import { digestHtml, digestLines, digestPeriod, digestSlackBlocks, digestTitle } from '../channels/digest';
import { buildDigest, DIGEST_LABELS, digestNotifications, sendDigest } from './service';
import { ValidationError } from '../errors';
import type { Incident } from '../escalation/incident';
import type { GroupAlert, GroupState, SendingEntry } from '../grouping/model';
import { notificationId } from '../grouping/nflog';
import type { HistoryEntry, HistoryStore } from '../history/history';
import { openLocalDatabase } from '../local/sqlite';
import { silentLogger } from '../log';
import { DigestSummary, NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import type { OutgoingMessage, QueuePort } from '../queues/port';
import { compileConfig } from '../runtime/compiled-config';
import type { RecordedDelivery } from '../store/deliveries';
import type { ListKey } from '../store/keys';
import type { IncidentStore } from '../store/port';
import { sqliteStores } from '../store/sqlite';
import { configIssues } from '../../test/support/config';
import { groupState } from '../../test/support/group-state';

/**
 * The daily digest (issue 13, point 4): its schedule (the EventBridge cron form, the window a send
 * covers, the next send, in the configured timezone), what it counts from the history, the groups
 * and the incidents, how each channel renders it, and the notifications it makes.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// The schedule

describe('eventBridgeCron', () => {
  it('turns a daily five-field cron into EventBridge form: `?` for day-of-week, a year field', () => {
    expect(eventBridgeCron('0 9 * * *')).toBe('cron(0 9 * * ? *)');
    expect(eventBridgeCron('  30   7 * * *  ')).toBe('cron(30 7 * * ? *)');
    expect(eventBridgeCron('0/15 8-18 * * ?')).toBe('cron(0/15 8-18 * * ? *)');
  });

  it('moves day-of-week numbers from 0-7 (Sunday 0 or 7) and names to 1-7 (Sunday 1), keeps lists and ranges, and splits a range that wraps past Saturday', () => {
    expect(eventBridgeCron('0 9 * * 1-5')).toBe('cron(0 9 ? * 2-6 *)');
    expect(eventBridgeCron('0 9 * * MON-FRI')).toBe('cron(0 9 ? * 2-6 *)');
    expect(eventBridgeCron('0 9 * * mon-fri')).toBe('cron(0 9 ? * 2-6 *)');
    // Saturday and Sunday, written as ranges that wrap: EventBridge gets no backwards range.
    expect(eventBridgeCron('0 9 * * 6-7')).toBe('cron(0 9 ? * 7,1 *)');
    expect(eventBridgeCron('0 9 * * 6-0')).toBe('cron(0 9 ? * 7,1 *)');
    expect(eventBridgeCron('0 9 * * FRI-MON')).toBe('cron(0 9 ? * 6-7,1-2 *)');
    expect(eventBridgeCron('0 9 * * SAT-SUN')).toBe('cron(0 9 ? * 7,1 *)');
    expect(eventBridgeCron('0 9 * * 0')).toBe('cron(0 9 ? * 1 *)');
    expect(eventBridgeCron('0 9 * * 7')).toBe('cron(0 9 ? * 1 *)');
    expect(eventBridgeCron('0 9 * * 6')).toBe('cron(0 9 ? * 7 *)');
    expect(eventBridgeCron('0 9 * * 1,3,5')).toBe('cron(0 9 ? * 2,4,6 *)');
  });

  it('keeps a day of the month, with `?` for the day of the week', () => {
    expect(eventBridgeCron('0 9 1 * *')).toBe('cron(0 9 1 * ? *)');
    expect(eventBridgeCron('0 6 1,15 */2 *')).toBe('cron(0 6 1,15 */2 ? *)');
    expect(eventBridgeCron('0 9 1 * ?')).toBe('cron(0 9 1 * ? *)');
  });

  it('refuses both day fields, a field count other than five, and a day of the week it cannot map', () => {
    expect(() => eventBridgeCron('0 9 1 * 1')).toThrow('give a day of the month or a day of the week, not both');
    expect(() => eventBridgeCron('0 9 * *')).toThrow('cron needs five fields (minute hour day-of-month month day-of-week), got 4');
    expect(() => eventBridgeCron('0 0 9 * * *')).toThrow('got 6');
    expect(() => eventBridgeCron('0 9 * * 8')).toThrow(/day-of-week "8"/);
    expect(() => eventBridgeCron('0 9 * * XYZ')).toThrow('day-of-week "XYZ" is not a day name');
    expect(() => eventBridgeCron('0 9 * * 1#2')).toThrow(/day-of-week "1#2"/);
  });
});

describe('digestWindow and nextDigestAt', async () => {
  const daily = { cron: '0 9 * * *', timezone: 'UTC' };

  it('ends the window at the last scheduled time at or before `at`, and starts it at the one before', async () => {
    const nine = Date.parse('2026-01-14T09:00:00.000Z');
    expect(await digestWindow(daily, new Date(nine))).toEqual({ from: new Date(nine - DAY), to: new Date(nine) });
    // A schedule run a little late names the same window.
    expect(await digestWindow(daily, new Date(nine + 1_000))).toEqual({ from: new Date(nine - DAY), to: new Date(nine) });
    expect(await digestWindow(daily, new Date(nine + 5 * HOUR))).toEqual({ from: new Date(nine - DAY), to: new Date(nine) });
    // Just before: the previous window.
    expect(await digestWindow(daily, new Date(nine - 1))).toEqual({ from: new Date(nine - 2 * DAY), to: new Date(nine - DAY) });
  });

  it('on a weekday schedule in Europe/Berlin: Monday 09:00 local covers from Friday 09:00 local', async () => {
    const weekdays = { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' };
    // January: CET, UTC+1. 2026-01-12 is a Monday.
    const monday = new Date('2026-01-12T08:00:00.000Z');
    const friday = new Date('2026-01-09T08:00:00.000Z');
    expect(await digestWindow(weekdays, monday)).toEqual({ from: friday, to: monday });
    // Tuesday's covers Monday's day.
    expect(await digestWindow(weekdays, new Date('2026-01-13T08:00:30.000Z'))).toEqual({ from: monday, to: new Date('2026-01-13T08:00:00.000Z') });
    // Next sends: from Friday after 09:00 local, Monday; from Monday 08:59 local (07:59Z), the same Monday.
    expect(await nextDigestAt(weekdays, new Date('2026-01-09T08:00:00.001Z'))).toEqual(monday);
    expect(await nextDigestAt(weekdays, new Date('2026-01-10T12:00:00.000Z'))).toEqual(monday);
    expect(await nextDigestAt(weekdays, new Date('2026-01-12T07:59:00.000Z'))).toEqual(monday);
    // At the scheduled time itself: the next one.
    expect(await nextDigestAt(weekdays, monday)).toEqual(new Date('2026-01-13T08:00:00.000Z'));
    // The same wall-clock time in UTC would be an hour later.
    expect(await nextDigestAt({ ...weekdays, timezone: 'UTC' }, new Date('2026-01-12T07:59:00.000Z'))).toEqual(new Date('2026-01-12T09:00:00.000Z'));
  });

  it('covers at most 31 days, however rare the schedule', async () => {
    const yearly = { cron: '0 9 1 1 *', timezone: 'UTC' };
    const to = new Date('2026-01-01T09:00:00.000Z');
    expect(await digestWindow(yearly, new Date('2026-03-01T00:00:00.000Z'))).toEqual({ from: new Date(to.getTime() - 31 * DAY), to });
    const monthly = { cron: '0 9 1 * *', timezone: 'UTC' };
    expect(await digestWindow(monthly, new Date('2026-03-01T09:00:00.000Z'))).toEqual({ from: new Date('2026-02-01T09:00:00.000Z'), to: new Date('2026-03-01T09:00:00.000Z') });
  });
});

describe('DigestConfig', () => {
  it('defaults to daily at 09:00 UTC', () => {
    expect(DigestConfig.parse({ receiver: 'team' })).toEqual({ receiver: 'team', cron: '0 9 * * *', timezone: 'UTC' });
  });

  it('reports a bad timezone at timezone and a bad cron at cron', () => {
    const paths = (input: unknown) => {
      const r = DigestConfig.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
    };
    expect(paths({ receiver: 'team', timezone: 'Mars/Olympus' })).toEqual([['timezone', 'unknown timezone "Mars/Olympus" (an IANA name such as Europe/Berlin)']]);
    expect(paths({ receiver: 'team', cron: '0 9 * *' })).toEqual([['cron', 'cron needs five fields (minute hour day-of-month month day-of-week), got 4']]);
    expect(paths({ receiver: 'team', cron: '0 9 1 * 1' })).toEqual([['cron', 'give a day of the month or a day of the week, not both']]);
    // Five fields EventBridge would take, but no valid cron.
    expect(paths({ receiver: 'team', cron: '0 25 * * *' })).toEqual([['cron', expect.any(String)]]);
    expect(paths({ receiver: 'team', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' })).toEqual([]);
    expect(paths({ receiver: 'team', extra: 1 })).toEqual([['', expect.stringMatching(/extra/)]]);
  });

  it('in the config: the paths under digest, and an unknown receiver', () => {
    const RECEIVERS = `route: { receiver: team }\nreceivers: [{ name: team, webhook_configs: [{ url: 'https://hooks.example.com/x' }] }]\n`;
    const issues = (digest: string) => configIssues(`digest: ${digest}\n${RECEIVERS}`).map((i) => i.replace(/ \(test\.yaml:\d+:\d+\)/, ''));
    expect(issues('{ receiver: team, timezone: Nowhere/Land }')).toEqual(['digest.timezone: unknown timezone "Nowhere/Land" (an IANA name such as Europe/Berlin)']);
    expect(issues("{ receiver: team, cron: '0 9 * *' }")).toEqual(['digest.cron: cron needs five fields (minute hour day-of-month month day-of-week), got 4']);
    expect(issues('{ receiver: nobody }')).toEqual(['digest.receiver: unknown receiver "nobody" (defined: team)']);
    const pagerOnly = `route: { receiver: pager }\nreceivers: [{ name: pager, pagerduty_configs: [{ routing_key: { env: PD_KEY } }] }]\n`;
    expect(configIssues(`digest: { receiver: pager }\n${pagerOnly}`).map((i) => i.replace(/ \(test\.yaml:\d+:\d+\)/, ''))).toEqual([
      'digest.receiver: receiver "pager" has only PagerDuty, which gets no digest (it is not a page): name one with Slack, email, Teams, SMS or a webhook',
    ]);
    expect(parseConfigYaml(`digest: { receiver: team, cron: '0 9 * * 1-5', timezone: Europe/Berlin }\n${RECEIVERS}`, 'test.yaml').digest).toEqual({
      receiver: 'team',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Counting

describe('quantiles', () => {
  it('is the nearest rank, in whole seconds; nulls without samples', () => {
    expect(quantiles([])).toEqual({ median_s: null, p90_s: null, count: 0 });
    expect(quantiles([42.4])).toEqual({ median_s: 42, p90_s: 42, count: 1 });
    expect(quantiles([120, 60])).toEqual({ median_s: 60, p90_s: 120, count: 2 });
    expect(quantiles([5, 1, 3])).toEqual({ median_s: 3, p90_s: 5, count: 3 });
    expect(quantiles([4, 3, 2, 1])).toEqual({ median_s: 2, p90_s: 4, count: 4 });
    // 1..10: median the 5th, p90 the 9th; 1..20: the 10th and the 18th.
    expect(quantiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({ median_s: 5, p90_s: 9, count: 10 });
    expect(quantiles(Array.from({ length: 20 }, (_, i) => 20 - i))).toEqual({ median_s: 10, p90_s: 18, count: 20 });
    expect(quantiles([0.4, 0.6, 2.5])).toEqual({ median_s: 1, p90_s: 3, count: 3 });
  });
});

/** The digest's window in these tests: yesterday 09:00Z to today 09:00Z (recent, within the history's retention). */
const TO = Math.floor(Date.now() / DAY) * DAY + 9 * HOUR - DAY;
const FROM = TO - DAY;
const WINDOW = { from: new Date(FROM), to: new Date(TO) };
/** Reads happen "now": after the window. */
const NOW = new Date(TO + 5 * MIN);

function entry(labels: Record<string, string>, startsAt: number, resolvedAt: number, group = `g-${labels.alertname}`): HistoryEntry {
  const fp = fingerprint(labels);
  return { fingerprint: fp, labels, annotations: {}, startsAt: iso(startsAt), resolvedAt: iso(resolvedAt), receiver: 'team', groupId: group, groupKey: `{}:{alertname="${labels.alertname}"}` };
}

function alert(labels: Record<string, string>, startsAt: number, more: Partial<GroupAlert> = {}): GroupAlert {
  return { fingerprint: fingerprint(labels), status: 'firing', labels, annotations: {}, startsAt: iso(startsAt), endsAt: iso(TO + DAY), source: 'generic', ...more };
}

/** The groups as the store pages them: `perPage` at a time, `last` the position of the page's last group. */
function groupPages(groups: GroupState[], perPage = 1000): GroupPages & { calls: number } {
  const pages = {
    calls: 0,
    async page(after: ListKey | undefined, limit: number) {
      pages.calls++;
      const start = after ? Number(after.lsk) + 1 : 0;
      const n = Math.min(limit, perPage);
      const slice = groups.slice(start, start + n);
      const more = start + n < groups.length;
      return { groups: slice, read: slice.length, ...(more ? { last: { pk: 'x', sk: 'x', lpk: 'GROUPS', lsk: String(start + n - 1) } } : {}) };
    },
  };
  return pages;
}

function deliveryReads(outcomes: Record<string, RecordedDelivery> = {}): DeliveryReads & { asked: string[][] } {
  const reads = {
    asked: [] as string[][],
    async outcomes(ids: readonly string[]) {
      reads.asked.push([...ids]);
      return new Map(ids.flatMap((id) => (outcomes[id] ? [[id, outcomes[id]] as const] : [])));
    },
  };
  return reads;
}

const POLICY = { name: 'critical', steps: [{ notify: ['team'], waitMs: undefined }], repeat: 0, ackTimeoutMs: undefined, ackAllowed: true, notifyOn: [] };

function incident(id: string, startedAt: number, more: Partial<Incident> = {}): Incident {
  const state = more.resolved ? 'resolved' : more.acknowledged ? 'acknowledged' : 'triggered';
  return {
    id,
    groupId: `g-${id}`,
    groupKey: `{}:{alertname="${id}"}`,
    groupLabels: { alertname: id },
    routeReceiver: 'team',
    policy: POLICY,
    state,
    token: `t-${id}`,
    startedAt,
    paged: ['team'],
    version: 1,
    updatedAt: startedAt,
    ...more,
  };
}

/**
 * The incident listing as the store pages it: each segment newest first by start, two per page
 * (so the digest pages), recording which pages were asked for.
 */
function incidentPages(segments: { open: Incident[]; resolved: Incident[] }, perPage = 2): Pick<IncidentStore, 'page'> & { asked: string[] } {
  const store = {
    asked: [] as string[],
    async page(segment: 'open' | 'resolved', after: ListKey | undefined) {
      const list = [...segments[segment]].sort((a, b) => b.startedAt - a.startedAt);
      const start = after ? Number(after.lsk) + 1 : 0;
      store.asked.push(`${segment}@${start}`);
      const slice = list.slice(start, start + perPage);
      const more = start + perPage < list.length;
      return { incidents: slice, read: slice.length, ...(more ? { last: { pk: 'x', sk: 'x', lpk: `INCIDENTS#${segment}`, lsk: String(start + perPage - 1) } } : {}) };
    },
  };
  return store;
}

const emptySources = (history: HistoryStore): DigestSources => ({ history, groups: groupPages([]), deliveries: deliveryReads(), incidents: incidentPages({ open: [], resolved: [] }) });
const newHistory = () => sqliteStores(openLocalDatabase(undefined)).history;

describe('collectDigest', () => {
  it('counts fired, resolved and still-firing alerts in the window from the history and the groups, with the checks among them', async () => {
    const history = newHistory();
    await history.record([
      // Fired and resolved in the window.
      entry({ alertname: 'DiskFull', host: 'a' }, FROM + HOUR, FROM + 2 * HOUR),
      entry({ alertname: 'DiskFull', host: 'b' }, FROM + 3 * HOUR, FROM + 4 * HOUR),
      entry({ alertname: 'ErrorRate', check: 'api-errors', service: 'x' }, FROM + 5 * HOUR, FROM + 6 * HOUR),
      // Fired on the window's first millisecond; resolved on its last.
      entry({ alertname: 'CpuHigh', check: 'cpu-high' }, FROM, TO - 1),
      // Fired before the window, resolved in it: a resolve, not a fire.
      entry({ alertname: 'DiskFull', host: 'c' }, FROM - HOUR, FROM + HOUR),
      // Resolved before the window, or fired after it: neither.
      entry({ alertname: 'Old', host: 'x' }, FROM - 3 * HOUR, FROM - 1),
      entry({ alertname: 'Later', host: 'x' }, TO + MIN, TO + 2 * MIN),
      // Fired in the window, resolved at its end (not in it): fired, and firing at the end.
      entry({ alertname: 'Late', host: 'x' }, FROM + HOUR, TO),
    ]);
    const groups = groupPages(
      [
        groupState('DiskFull', [
          // Fired in the window and firing at its end.
          alert({ alertname: 'DiskFull', host: 'd' }, FROM + 7 * HOUR),
          // Firing, but fired before the window.
          alert({ alertname: 'DiskFull', host: 'e' }, FROM - HOUR),
          // Fired after the window, or at its end (the end is not in it).
          alert({ alertname: 'DiskFull', host: 'f' }, TO + MIN),
          alert({ alertname: 'DiskFull', host: 'g' }, TO),
        ], NOW),
        groupState('ErrorRate', [
          alert({ alertname: 'ErrorRate', check: 'api-errors', service: 'y' }, FROM + 8 * HOUR),
          // Auto-resolved (endsAt) before the window's end, its resolve not flushed yet: not firing at the end.
          alert({ alertname: 'ErrorRate', check: 'api-errors', service: 'z' }, FROM + 8 * HOUR, { endsAt: iso(TO - HOUR) }),
          // Resolved, still in its group until the next flush.
          alert({ alertname: 'ErrorRate', check: 'api-errors', service: 'w' }, FROM + 8 * HOUR, { status: 'resolved', endsAt: iso(TO - HOUR), resolvedAt: iso(TO - HOUR) }),
        ], NOW),
      ],
      1,
    );
    const d = await collectDigest({ ...emptySources(history), groups }, WINDOW, 'UTC', NOW);
    expect(DigestSummary.parse(d)).toEqual(d);
    expect(d).toEqual({
      from: iso(FROM),
      to: iso(TO),
      timezone: 'UTC',
      alerts: { fired: 7, resolved: 5, firing: 3 },
      incidents: { started: 0, acknowledged: 0, resolved: 0, time_to_acknowledge: { median_s: null, p90_s: null, count: 0 }, time_to_resolve: { median_s: null, p90_s: null, count: 0 } },
      noisiest: [
        { alertname: 'DiskFull', count: 3 },
        { alertname: 'ErrorRate', count: 2 },
        { alertname: 'CpuHigh', count: 1 },
        { alertname: 'Late', count: 1 },
      ],
      checks: [
        { name: 'api-errors', count: 2 },
        { name: 'cpu-high', count: 1 },
      ],
      failed_deliveries: [],
      omitted: { checks: 0, failed_deliveries: 0 },
      partial: false,
    });
    // One group per page: every page was read.
    expect(groups.calls).toBe(2);
  });

  it('pages through the history past one page, and names an alert without alertname', async () => {
    const history = newHistory();
    await history.record(Array.from({ length: 1_205 }, (_, i) => entry({ alertname: `A${i % 3}`, n: String(i) }, FROM + i * 1_000, FROM + i * 1_000 + 500)));
    await history.record([{ ...entry({ job: 'x' }, FROM + HOUR, FROM + 2 * HOUR), labels: { job: 'x' } }]);
    const d = await collectDigest(emptySources(history), WINDOW, 'UTC', NOW);
    expect(d.alerts).toEqual({ fired: 1_206, resolved: 1_206, firing: 0 });
    expect(d.noisiest).toEqual([
      { alertname: 'A0', count: 402 },
      { alertname: 'A1', count: 402 },
      { alertname: 'A2', count: 401 },
      { alertname: '(no alertname)', count: 1 },
    ]);
    expect(d.partial).toBe(false);
  });

  it('lists the ten noisiest, most first and by name on a tie; every check', async () => {
    const history = newHistory();
    // N01 fired once, N02 twice, ... N12 twelve times; T1/T2 tie at 12 with N12.
    const entries: HistoryEntry[] = [];
    let t = FROM + MIN;
    for (let n = 1; n <= 12; n++) {
      for (let k = 0; k < n; k++) entries.push(entry({ alertname: `N${String(n).padStart(2, '0')}`, k: String(k), check: `check-${n % 4}` }, t, (t += 1_000)));
    }
    for (const name of ['T2', 'T1']) for (let k = 0; k < 12; k++) entries.push(entry({ alertname: name, k: String(k) }, t, (t += 1_000)));
    await history.record(entries);
    const d = await collectDigest(emptySources(history), WINDOW, 'UTC', NOW);
    expect(d.alerts.fired).toBe(78 + 24);
    expect(d.noisiest).toEqual([
      { alertname: 'N12', count: 12 },
      { alertname: 'T1', count: 12 },
      { alertname: 'T2', count: 12 },
      { alertname: 'N11', count: 11 },
      { alertname: 'N10', count: 10 },
      { alertname: 'N09', count: 9 },
      { alertname: 'N08', count: 8 },
      { alertname: 'N07', count: 7 },
      { alertname: 'N06', count: 6 },
      { alertname: 'N05', count: 5 },
    ]);
    // check-0: 4+8+12; check-1: 1+5+9; check-2: 2+6+10; check-3: 3+7+11.
    expect(d.checks).toEqual([
      { name: 'check-0', count: 24 },
      { name: 'check-3', count: 21 },
      { name: 'check-2', count: 18 },
      { name: 'check-1', count: 15 },
    ]);
  });

  it('counts incidents that started in the window, acknowledged and resolved, with TTA and TTR; stops paging past the window', async () => {
    const incidents = incidentPages({
      open: [
        incident('after', TO + MIN),
        incident('acked', FROM + 2 * HOUR, { acknowledged: { by: 'alice', at: FROM + 2 * HOUR + 60_000 } }),
        incident('open', FROM + HOUR),
        // Older than the window: the listing stops here.
        incident('before', FROM - 1),
        incident('older', FROM - DAY),
        incident('oldest', FROM - 2 * DAY),
      ],
      resolved: [
        incident('acked-resolved', FROM + 5 * HOUR, { acknowledged: { by: 'bob', at: FROM + 5 * HOUR + 120_400 }, resolved: { by: 'bob', at: FROM + 5 * HOUR + 600_000 } }),
        incident('auto-resolved', FROM + 4 * HOUR, { resolved: { by: 'alertflow', at: FROM + 4 * HOUR + 300_000 } }),
        // Started on the window's first millisecond.
        incident('first', FROM, { acknowledged: { by: 'carol', at: FROM + 30_000 }, resolved: { by: 'carol', at: FROM + 90 * MIN } }),
        incident('before-resolved', FROM - HOUR, { resolved: { by: 'x', at: FROM + HOUR } }),
        incident('old-resolved', FROM - 2 * DAY, { resolved: { by: 'x', at: FROM - DAY } }),
        incident('older-resolved', FROM - 3 * DAY, { resolved: { by: 'x', at: FROM - 2 * DAY } }),
      ],
    });
    const d = await collectDigest({ ...emptySources(newHistory()), incidents }, WINDOW, 'UTC', NOW);
    expect(d.incidents).toEqual({
      started: 5,
      acknowledged: 3,
      resolved: 3,
      // 30 s, 60 s, 120.4 s.
      time_to_acknowledge: { median_s: 60, p90_s: 120, count: 3 },
      // 300 s, 600 s, 5400 s.
      time_to_resolve: { median_s: 600, p90_s: 5400, count: 3 },
    });
    // Each listing up to the page that reached past the window, no further.
    expect(incidents.asked).toEqual(['open@0', 'open@2', 'resolved@0', 'resolved@2']);
    expect(d.partial).toBe(false);
  });

  it('lists channels whose last notification failed, by receiver and channel, most groups first', async () => {
    const sending = (seq: number, failedAt?: number): SendingEntry => ({ seq, firing: ['f'], resolved: [], at: TO - HOUR, ...(failedAt === undefined ? {} : { failedAt }) });
    const firing = (name: string) => [alert({ alertname: name }, FROM + HOUR)];
    const g = (name: string, receiver: string, s: Record<string, SendingEntry>, nflog: GroupState['nflog'] = {}) => groupState(name, firing(name), NOW, { groupId: `g-${name}`, receiver, sending: s, nflog });
    const groups = [
      // Failed for good (marked by the router).
      g('A', 'down', { 'webhook.0': sending(1, TO - 30 * MIN) }),
      g('B', 'down', { 'webhook.0': sending(4, TO - 20 * MIN) }),
      // Dead-lettered (the delivery record says so), and failed (not folded in yet).
      g('C', 'team', { 'slack.0': sending(2) }),
      g('D', 'team', { 'email.0': sending(3) }),
      // Pending, delivered: not failing.
      g('E', 'team', { 'slack.0': sending(5) }),
      g('F', 'team', { 'slack.0': sending(6) }, { 'webhook.0': { firing: ['f'], resolved: [], at: TO - HOUR } }),
      // No alerts and nothing recently resolved: not shown, not counted.
      groupState('G', [], NOW, { groupId: 'g-G', receiver: 'down', sending: { 'webhook.0': sending(7, TO - MIN) } }),
    ];
    const deliveries = deliveryReads({
      [notificationId('g-C', 2, 'slack.0')]: { status: 'dead_lettered', at: TO - 10 * MIN },
      [notificationId('g-D', 3, 'email.0')]: { status: 'failed', at: TO - 10 * MIN },
      [notificationId('g-F', 6, 'slack.0')]: { status: 'delivered', at: TO - 10 * MIN },
    });
    const d = await collectDigest({ ...emptySources(newHistory()), groups: groupPages(groups), deliveries }, WINDOW, 'UTC', NOW);
    expect(d.failed_deliveries).toEqual([
      { receiver: 'down', channel: 'webhook[0]', groups: 2 },
      { receiver: 'team', channel: 'email[0]', groups: 1 },
      { receiver: 'team', channel: 'slack[0]', groups: 1 },
    ]);
    // One batch read of the unsettled notifications.
    expect(deliveries.asked).toEqual([[notificationId('g-C', 2, 'slack.0'), notificationId('g-D', 3, 'email.0'), notificationId('g-E', 5, 'slack.0'), notificationId('g-F', 6, 'slack.0')]]);
    expect(d.alerts).toMatchObject({ fired: 6, firing: 6 });
  });

  it('says partial past a source budget: the history, the groups, the incidents', async () => {
    const endless = (read: number): HistoryStore => ({ record: async () => undefined, page: async () => ({ entries: [], read, last: 'more' }) });
    const history = await collectDigest(emptySources(endless(DIGEST_BUDGET.history)), WINDOW, 'UTC', NOW);
    expect(history.partial).toBe(true);
    const groups: GroupPages = { page: async () => ({ groups: [], read: DIGEST_BUDGET.groups, last: { pk: 'x', sk: 'x', lpk: 'G', lsk: 'x' } }) };
    expect((await collectDigest({ ...emptySources(newHistory()), groups }, WINDOW, 'UTC', NOW)).partial).toBe(true);
    const incidents: Pick<IncidentStore, 'page'> = {
      page: async () => ({ incidents: [incident('x', FROM + HOUR)], read: DIGEST_BUDGET.incidents, last: { pk: 'x', sk: 'x', lpk: 'I', lsk: 'x' } }),
    };
    const d = await collectDigest({ ...emptySources(newHistory()), incidents }, WINDOW, 'UTC', NOW);
    expect(d.partial).toBe(true);
    expect(d.incidents.started).toBe(1);
    // Within the budgets: not partial.
    const short: HistoryStore = { record: async () => undefined, page: async () => ({ entries: [], read: 10 }) };
    expect((await collectDigest(emptySources(short), WINDOW, 'UTC', NOW)).partial).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Rendering

const SUMMARY: DigestSummary = {
  from: '2026-01-09T08:00:00.000Z',
  to: '2026-01-12T08:00:00.000Z',
  timezone: 'Europe/Berlin',
  alerts: { fired: 17, resolved: 11, firing: 4 },
  omitted: { checks: 0, failed_deliveries: 0 },
  incidents: { started: 3, acknowledged: 2, resolved: 1, time_to_acknowledge: { median_s: 45, p90_s: 600, count: 2 }, time_to_resolve: { median_s: 7200, p90_s: 7200, count: 1 } },
  noisiest: [
    { alertname: 'Disk<Full>&"x"', count: 9 },
    { alertname: 'CpuHigh', count: 8 },
  ],
  checks: [{ name: 'api<errors>', count: 5 }],
  failed_deliveries: [{ receiver: 'ops&co', channel: 'webhook[0]', groups: 2 }],
  partial: false,
};

describe('rendering', () => {
  it('titles it and shows the window in its timezone', () => {
    expect(digestTitle(SUMMARY)).toBe('alertflow daily digest: 17 fired, 11 resolved, 3 incidents');
    expect(digestPeriod(SUMMARY)).toBe('2026-01-09 09:00 – 2026-01-12 09:00 (Europe/Berlin)');
  });

  it('as text lines: counts, durations, noisiest, checks, failing deliveries', () => {
    expect(digestLines(SUMMARY)).toEqual([
      '2026-01-09 09:00 – 2026-01-12 09:00 (Europe/Berlin)',
      'Alerts: 17 fired, 11 resolved, 4 of those fired still firing.',
      'Incidents: 3 started, 2 acknowledged, 1 resolved. Time to acknowledge: median 45s, p90 10m. Time to resolve: median 2.0h, p90 2.0h.',
      'Noisiest: Disk<Full>&"x" (9), CpuHigh (8).',
      'Checks breached: api<errors> (5).',
      'Failing deliveries: ops&co webhook[0] (2 groups).',
    ]);
    const quiet: DigestSummary = {
      ...SUMMARY,
      noisiest: [],
      checks: [],
      failed_deliveries: [],
      incidents: { ...SUMMARY.incidents, time_to_acknowledge: { median_s: null, p90_s: null, count: 0 }, time_to_resolve: { median_s: null, p90_s: null, count: 0 } },
      partial: true,
    };
    expect(digestLines(quiet).slice(2)).toEqual([
      'Incidents: 3 started, 2 acknowledged, 1 resolved. Time to acknowledge: median -, p90 -. Time to resolve: median -, p90 -.',
      'Checks breached: none.',
      'Failing deliveries: none.',
      'Some sources had more than the digest reads: the counts are lower bounds.',
    ]);
  });

  it('as Slack blocks: a header, the period, the counts as fields, the lists; < & > escaped', () => {
    const blocks = digestSlackBlocks(SUMMARY);
    expect(blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'alertflow daily digest', emoji: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '2026-01-09 09:00 – 2026-01-12 09:00 (Europe/Berlin)' }] },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Alerts fired*\n17' },
          { type: 'mrkdwn', text: '*Alerts resolved*\n11' },
          { type: 'mrkdwn', text: '*Incidents*\n3 started, 2 acked, 1 resolved' },
          { type: 'mrkdwn', text: '*Still firing*\n4' },
          { type: 'mrkdwn', text: '*Time to acknowledge*\nmedian 45s, p90 10m' },
          { type: 'mrkdwn', text: '*Time to resolve*\nmedian 2.0h, p90 2.0h' },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: '*Noisiest alerts*\n• Disk&lt;Full&gt;&amp;"x": 9\n• CpuHigh: 8' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Checks breached*\n• api&lt;errors&gt;: 5' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Failing deliveries*\n• ops&amp;co webhook[0]: 2 groups' } },
    ]);
    const empty = digestSlackBlocks({ ...SUMMARY, noisiest: [], checks: [], failed_deliveries: [], partial: true });
    expect(empty.slice(3)).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Noisiest alerts*\n_none_' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Checks breached*\n_none_' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Failing deliveries*\n_none_' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '_Some sources had more than the digest reads: the counts are lower bounds._' }] },
    ]);
    // Slack's section text limit holds with many checks.
    const many = digestSlackBlocks({ ...SUMMARY, checks: Array.from({ length: 500 }, (_, i) => ({ name: `check-number-${i}`, count: 1 })) });
    expect(((many[4] as { text: { text: string } }).text.text).length).toBe(3000);
  });

  it('as HTML: escaped, with every number', () => {
    const html = digestHtml(SUMMARY);
    expect(html).toMatch(/^<!doctype html><html><body/);
    expect(html).toContain('<h2 style="margin:0 0 4px">alertflow daily digest</h2>');
    expect(html).toContain('2026-01-09 09:00 – 2026-01-12 09:00 (Europe/Berlin)');
    const row = (k: string, v: string) => `<tr><td style="padding:2px 12px 2px 0">${k}</td><td style="padding:2px 0"><b>${v}</b></td></tr>`;
    for (const [k, v] of [
      ['Alerts fired', '17'],
      ['Alerts resolved', '11'],
      ['Still firing', '4'],
      ['Incidents started', '3'],
      ['Acknowledged', '2'],
      ['Resolved', '1'],
      ['Time to acknowledge (median / p90)', '45s / 10m'],
      ['Time to resolve (median / p90)', '2.0h / 2.0h'],
    ]) {
      expect(html).toContain(row(k!, v!));
    }
    expect(html).toContain('<h3>Noisiest alerts</h3><ul><li>Disk&lt;Full&gt;&amp;&quot;x&quot;: 9</li><li>CpuHigh: 8</li></ul>');
    expect(html).toContain('<h3>Checks breached</h3><ul><li>api&lt;errors&gt;: 5</li></ul>');
    expect(html).toContain('<h3>Failing deliveries</h3><ul><li>ops&amp;co webhook[0]: 2 groups</li></ul>');
    expect(html).not.toContain('<Full>');
    expect(html).not.toContain('lower bounds');
    const empty = digestHtml({ ...SUMMARY, noisiest: [], checks: [], failed_deliveries: [], partial: true });
    expect(empty).toContain('<h3>Noisiest alerts</h3><p>None.</p><h3>Checks breached</h3><p>None.</p><h3>Failing deliveries</h3><p>None.</p>');
    expect(empty).toContain('the counts are lower bounds');
  });
});

// ---------------------------------------------------------------------------------------------
// Notifications

const CONFIG_YAML = `
external_url: https://alertflow.example.com
digest: { receiver: team, cron: '0 9 * * 1-5', timezone: Europe/Berlin }
route: { receiver: team }
receivers:
  - name: team
    slack_configs:
      - { webhook_url: 'https://hooks.slack.com/services/T/B/1', channel: '#digest', username: alertflow }
      - { webhook_url: 'https://hooks.slack.com/services/T/B/2' }
    pagerduty_configs: [{ routing_key: pd-key-0123456789abcdef }]
    email_configs: [{ from: alerts@example.com, to: [team@example.com], cc: [lead@example.com] }]
    webhook_configs: [{ url: 'https://hooks.example.com/team' }]
  - name: pager
    pagerduty_configs: [{ routing_key: pd-key-0123456789abcdef }]
`;
const config = compileConfig(parseConfigYaml(CONFIG_YAML, 'test.yaml'));

describe('digestNotifications', () => {
  it('makes one per channel entry of the receiver but PagerDuty, ids digest.<to>.<type>.<index>', () => {
    const ns = digestNotifications(SUMMARY, 'team', config);
    expect(ns.map((n) => n.id)).toEqual([
      `digest.${SUMMARY.to}.slack.0`,
      `digest.${SUMMARY.to}.slack.1`,
      `digest.${SUMMARY.to}.webhook.0`,
      `digest.${SUMMARY.to}.email.0`,
    ]);
    expect(ns.map((n) => n.channel)).toEqual([
      { type: 'slack', index: 0 },
      { type: 'slack', index: 1 },
      { type: 'webhook', index: 0 },
      { type: 'email', index: 0 },
    ]);
    for (const n of ns) {
      // Each is a valid queue message.
      expect(NotificationMessage.parse(JSON.parse(JSON.stringify(n)))).toEqual(n);
      expect(n).toMatchObject({
        kind: 'notification',
        createdAt: SUMMARY.to,
        receiver: 'team',
        externalURL: 'https://alertflow.example.com',
        digest: SUMMARY,
        group: { id: `digest.${SUMMARY.to}`, key: '{}:{alertname="AlertflowDailyDigest"}', labels: { alertname: 'AlertflowDailyDigest' }, status: 'firing', truncatedAlerts: 0 },
      });
      expect(n.group.alerts).toEqual([
        {
          fingerprint: fingerprint({ ...DIGEST_LABELS }),
          status: 'firing',
          labels: { alertname: 'AlertflowDailyDigest', severity: 'info' },
          annotations: { summary: digestTitle(SUMMARY), description: digestLines(SUMMARY).join('\n') },
          startsAt: SUMMARY.to,
          endsAt: SUMMARY.to,
          source: 'generic',
        },
      ]);
    }
    // A receiver of PagerDuty only gets none; an unknown receiver none.
    expect(digestNotifications(SUMMARY, 'pager', config)).toEqual([]);
    expect(digestNotifications(SUMMARY, 'nobody', config)).toEqual([]);
  });

  it('renders as the digest on Slack (blocks, the entry destination) and email (HTML, text)', () => {
    const [slack, , , email] = digestNotifications(SUMMARY, 'team', config);
    const team = config.receivers.get('team')!;
    const payload = buildSlackPayload(slack!, team.slack_configs[0]!);
    expect(payload).toEqual({
      text: 'alertflow daily digest: 17 fired, 11 resolved, 3 incidents',
      blocks: digestSlackBlocks(SUMMARY),
      attachments: [],
      channel: '#digest',
      username: 'alertflow',
    });
    const mail = buildEmail(email!, team.email_configs[0]!);
    expect(mail).toEqual({
      from: 'alerts@example.com',
      to: ['team@example.com'],
      cc: ['lead@example.com'],
      subject: digestTitle(SUMMARY),
      html: digestHtml(SUMMARY),
      text: digestLines(SUMMARY).join('\n'),
    });
  });
});

describe('sendDigest and previewDigest', () => {
  function capturingQueues(): QueuePort & { sent: Array<{ queue: string; messages: OutgoingMessage[] }> } {
    const q = {
      sent: [] as Array<{ queue: string; messages: OutgoingMessage[] }>,
      async send(queue: string, messages: OutgoingMessage[]) {
        q.sent.push({ queue, messages });
      },
      async changeVisibility() {},
    };
    return q;
  }

  it("builds the digest of the window the schedule closed at `at` and puts one message per entry on its channel's queue", async () => {
    const history = newHistory();
    // The last weekday 09:00 in Berlin before now, and the window it closes (from the weekday before).
    const { from, to: at } = await digestWindow(config.raw.digest!, new Date());
    await history.record([
      entry({ alertname: 'Overnight', check: 'night-check' }, from.getTime() + HOUR, at.getTime() - HOUR),
      entry({ alertname: 'Earlier' }, from.getTime() - HOUR, from.getTime() - 1),
    ]);
    const queues = capturingQueues();
    const deps = { ...emptySources(history), config, queues, clock: () => new Date(at.getTime() + 1_500), log: silentLogger };
    const { summary, sent } = await sendDigest(deps, at);
    expect(sent).toBe(4);
    expect(summary).toMatchObject({ from: from.toISOString(), to: at.toISOString(), timezone: 'Europe/Berlin', alerts: { fired: 1, resolved: 1, firing: 0 }, checks: [{ name: 'night-check', count: 1 }] });
    expect(summary).toEqual(await buildDigest(deps, at));
    expect(queues.sent.map((s) => s.queue)).toEqual([channelQueueName('slack'), channelQueueName('slack'), channelQueueName('webhook'), channelQueueName('email')]);
    for (const { messages } of queues.sent) {
      expect(messages).toHaveLength(1);
      // SQS batch entry ids: up to 80 of [A-Za-z0-9_-].
      expect(messages[0]!.id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      const n = NotificationMessage.parse(JSON.parse(messages[0]!.body));
      expect(n.digest).toEqual(summary);
    }
    expect(new Set(queues.sent.map((s) => s.messages[0]!.id)).size).toBe(4);
    // The same `at` again: the same notifications (ids), which the senders' claims post once.
    const again = capturingQueues();
    await sendDigest({ ...deps, queues: again }, at);
    expect(again.sent.map((s) => (JSON.parse(s.messages[0]!.body) as { id: string }).id)).toEqual(queues.sent.map((s) => (JSON.parse(s.messages[0]!.body) as { id: string }).id));
  });

  it('refuses to send without a digest in the config', async () => {
    const none = compileConfig(parseConfigYaml(`route: { receiver: team }\nreceivers: [{ name: team, webhook_configs: [{ url: 'https://hooks.example.com/x' }] }]\n`, 'test.yaml'));
    const queues = capturingQueues();
    await expect(sendDigest({ ...emptySources(newHistory()), config: none, queues, clock: () => new Date(), log: silentLogger }, new Date())).rejects.toThrow('no digest in the config');
    expect(queues.sent).toEqual([]);
  });

  it('previews without a digest configured: the default schedule, no channels; refuses bad bodies', async () => {
    const none = compileConfig(parseConfigYaml(`route: { receiver: team }\nreceivers: [{ name: team, webhook_configs: [{ url: 'https://hooks.example.com/x' }] }]\n`, 'test.yaml'));
    const now = new Date('2026-01-12T10:30:00.000Z');
    const preview = await previewDigest({ ...emptySources(newHistory()), config: none, clock: () => now }, undefined);
    expect(preview).toMatchObject({ receiver: null, cron: '0 9 * * *', timezone: 'UTC', channels: [], digest: { from: '2026-01-11T09:00:00.000Z', to: '2026-01-12T09:00:00.000Z' } });
    const configured = await previewDigest({ ...emptySources(newHistory()), config, clock: () => now }, { at: '2026-01-12T09:00:00+01:00' });
    expect(configured).toMatchObject({ receiver: 'team', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', channels: ['slack[0]', 'slack[1]', 'webhook[0]', 'email[0]'], digest: { from: '2026-01-09T08:00:00.000Z', to: '2026-01-12T08:00:00.000Z' } });
    const rendered = configured.rendered as Record<string, unknown>;
    const digest = configured.digest as DigestSummary;
    expect(rendered).toEqual({
      title: digestTitle(digest),
      text: digestLines(digest).join('\n'),
      slack: { blocks: digestSlackBlocks(digest) },
      email: { subject: digestTitle(digest), html: digestHtml(digest) },
    });
    // Times outside the retention, and years ahead, would have the stores read day after empty day.
    for (const body of [{ at: 'yesterday' }, { at: '2026-01-12' }, { at: 5 }, { x: 1 }, [1], null, 'at', { at: '0001-01-01T09:00:00Z' }, { at: '9999-01-01T09:00:00Z' }]) {
      await expect(previewDigest({ ...emptySources(newHistory()), config, clock: () => now }, body), JSON.stringify(body)).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
