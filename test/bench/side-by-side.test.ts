import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alertflowBody,
  groupKey,
  groupOf,
  notifiedGroup,
  paceRatio,
  renderSideBySide,
  stormAlerts,
  summarizeProfile,
  treePeakRssKb,
  processTree,
  cpuMsOf,
  type SystemRun,
} from './side-by-side';
import { parseSizes } from './vs-alertmanager';
import { normalizeAlertmanager } from '../../shared/alerts/normalize/alertmanager';

const run = (system: SystemRun['system'], over: Partial<SystemRun>): SystemRun => ({
  system,
  alerts: 10_000,
  groups: 200,
  posts: 100,
  failedPosts: 0,
  ingestMs: 500,
  alertsPerSecond: 20_000,
  groupsNotified: 200,
  allGroupsNotifiedMs: 200,
  groupsNotifiedP50Ms: 100,
  cpuMs: 150,
  notifications: 200,
  peakRssKb: 100 * 1024,
  logBytes: 0,
  timedOut: false,
  ...over,
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('bench vs Alertmanager', () => {
  it('spreads the alerts over exactly the asked groups, every alert distinct', () => {
    const alerts = stormAlerts({ alerts: 10_000, groups: 200 }, new Date(0));
    expect(new Set(alerts.map((a) => groupKey(a.labels))).size).toBe(200);
    expect(new Set(alerts.map((a) => JSON.stringify(a.labels))).size).toBe(10_000);
    const big = stormAlerts({ alerts: 100_000, groups: 2000 }, new Date(0));
    expect(new Set(big.map((a) => groupKey(a.labels))).size).toBe(2000);
    expect(new Set(big.map((a) => JSON.stringify(a.labels))).size).toBe(100_000);
  });

  it('sends alertflow the same alerts in a webhook body its Alertmanager ingest accepts', () => {
    const batch = stormAlerts({ alerts: 100, groups: 20 }, new Date('2026-01-01T00:00:00Z'));
    const normalized = normalizeAlertmanager(JSON.parse(alertflowBody(batch)));
    expect(normalized.alerts.map((a) => a.labels)).toEqual(batch.map((a) => a.labels));
  });

  it('tells the notified group from either system\'s webhook body', () => {
    const labels = groupOf(3);
    expect(notifiedGroup(JSON.stringify({ groupLabels: labels, alerts: [] }))).toBe(groupKey(labels));
    expect(notifiedGroup(JSON.stringify({ group: { labels } }))).toBe(groupKey(labels));
    expect(notifiedGroup('not json')).toBeUndefined();
  });

  it('ratios: > 1 means alertflow is faster', () => {
    expect(paceRatio(100, 400, 'time')).toBe(0.25);
    expect(paceRatio(20_000, 30_000, 'rate')).toBe(1.5);
    expect(paceRatio(null, 400, 'time')).toBeNull();
  });

  it('renders both systems and the ratios in one table, saying when not every group was notified', () => {
    const text = renderSideBySide(
      [{ size: { alerts: 10_000, groups: 200 }, alertmanager: run('alertmanager', {}), alertflow: run('alertflow', { allGroupsNotifiedMs: null, groupsNotified: 150, timedOut: true, alertsPerSecond: 10_000, peakRssKb: 300 * 1024, cpuMs: 600 }) }],
      '0.25.0',
    );
    expect(text).toContain('Alertmanager 0.25.0');
    expect(text).toMatch(/every group first notified\s+200 ms\s+not all \(150\/200, timed out\)\s+-/);
    expect(text).toMatch(/ingest\s+20,000 alerts\/s\s+10,000 alerts\/s\s+0\.50x/);
    expect(text).toMatch(/peak RSS\s+100 MB\s+300 MB\s+3\.0x the memory/);
    // Alertmanager used 150 ms of CPU to alertflow's 600 ms: a quarter of alertflow's.
    expect(text).toMatch(/CPU until every group first notified\s+150 ms\s+600 ms\s+0\.25x/);
  });

  it('renders a size run several times as medians and ranges, the ratio per pair', () => {
    const size = { alerts: 10_000, groups: 200 };
    const pair = (am: number, af: number, afRate: number) => ({
      size,
      alertmanager: run('alertmanager', { allGroupsNotifiedMs: am }),
      alertflow: run('alertflow', { allGroupsNotifiedMs: af, alertsPerSecond: afRate }),
    });
    const text = renderSideBySide([pair(100, 400, 20_000), pair(200, 400, 30_000), pair(150, 500, 10_000)], '0.25.0');
    // Alertmanager 100/200/150, alertflow 400/400/500; the pairs' ratios 0.25, 0.5, 0.3.
    expect(text).toMatch(/every group first notified\s+150 ms \(100–200\)\s+400 ms \(400–500\)\s+0\.30x \(0\.25–0\.50\)/);
    expect(text).toMatch(/ingest\s+20,000 alerts\/s \(20,000–20,000\)\s+20,000 alerts\/s \(10,000–30,000\)\s+1\.00x \(0\.50–1\.50\)/);
    const missed = renderSideBySide([pair(100, 400, 20_000), { ...pair(100, 400, 20_000), alertflow: run('alertflow', { allGroupsNotifiedMs: null }) }], '0.25.0');
    expect(missed).toMatch(/every group first notified\s+100 ms \(100–100\)\s+not all in 1 of 2 runs\s+-/);
  });

  it('parses --sizes', () => {
    expect(parseSizes('10000:200,100000:2000')).toEqual([{ alerts: 10_000, groups: 200 }, { alerts: 100_000, groups: 2000 }]);
    expect(() => parseSizes('10000')).toThrow(/alerts>:<groups/);
  });

  it('sums peak RSS over the process tree', () => {
    const proc = mkdtempSync(join(tmpdir(), 'fake-proc-'));
    dirs.push(proc);
    const add = (pid: number, ppid: number, hwm: number) => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), 'status'), `Name:\tx\nVmHWM:\t  ${hwm} kB\nVmRSS:\t 1 kB\n`);
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (a (b) c) S ${ppid} 0 0`);
    };
    add(10, 1, 1000);
    add(11, 10, 200);
    add(12, 11, 30);
    add(13, 1, 4000);
    expect(treePeakRssKb(10, proc)).toBe(1230);
    expect(treePeakRssKb(99, proc)).toBeNull();
  });

  it('sums CPU time over the process tree, from /proc ticks', () => {
    const proc = mkdtempSync(join(tmpdir(), 'fake-proc-'));
    dirs.push(proc);
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const add = (pid: number, ppid: number, utime: number, stime: number) => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (node (x)) S ${ppid} 1 1 0 -1 4194560 10 0 0 0 ${utime} ${stime} 0 0 20 0 7 0`);
    };
    add(20, 1, 150, 30);
    add(21, 20, 12, 3);
    add(22, 1, 999, 999);
    const tree = processTree(20, proc);
    expect(tree.sort()).toEqual([20, 21]);
    expect(cpuMsOf(tree, proc)).toBe(1950);
    // A process gone since counts nothing.
    expect(cpuMsOf([20, 23], proc)).toBe(1800);
    expect(processTree(99, proc)).toEqual([]);
  });

  it('summarizes a CPU profile by self time, within a time window', () => {
    const profile = {
      startTime: 1000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: '_get', url: 'file:///x/node_modules/classic-level/index.js', lineNumber: 64 } },
        { id: 3, callFrame: { functionName: 'encodeGroup', url: 'file:///x/shared/store/groups.ts', lineNumber: 0 } },
      ],
      // Samples at 1010 (2), 1020 (3), 1030 (2), 1040 (2).
      samples: [2, 3, 2, 2],
      timeDeltas: [10, 10, 10, 10],
    };
    const all = summarizeProfile(profile);
    expect(all.byModule).toEqual([
      { name: 'classic-level', selfMs: 0.03, share: 0.75 },
      { name: 'shared/store/groups.ts', selfMs: 0.01, share: 0.25 },
    ]);
    expect(all.byFunction[0]!.name).toBe('_get classic-level:65');
    expect(all.byCategory[0]!.name).toMatch(/dynalite \+ LevelDB/);
    const windowed = summarizeProfile(profile, 15, [1015, 1035]);
    expect(windowed.totalMs).toBeCloseTo(0.02);
    // Only the samples at 1020 (groups.ts) and 1030 (classic-level), 10 µs each.
    expect(Object.fromEntries(windowed.byModule.map((m) => [m.name, m.selfMs]))).toEqual({ 'classic-level': 0.01, 'shared/store/groups.ts': 0.01 });
  });
});
