/**
 * The pure parts of `npm run bench -- --vs-alertmanager`: the storm's alerts, the comparison
 * table, and the CPU profile summary. The orchestration (processes, HTTP) is in vs-alertmanager.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, num, table, type Cell } from './format';

const ALERTNAMES = [
  'HighLatency', 'HighErrorRate', 'DiskFilling', 'MemoryPressure', 'CPUThrottling',
  'PodCrashLooping', 'NodeNotReady', 'TargetDown', 'CertExpiring', 'QueueBacklog',
  'ReplicaLag', 'ConnectionSaturation', 'GCPauseLong', 'SlowQueries', 'ThreadPoolExhausted',
  'CacheMissRateHigh', 'ErrorBudgetBurn', 'HeartbeatMissing', 'FileDescriptorsHigh', 'NetworkErrors',
];

/** An alert as Prometheus posts it to Alertmanager's API v2 (`POST /api/v2/alerts`). */
export interface V2Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL: string;
}

export interface SizeSpec {
  alerts: number;
  groups: number;
}

/** The group of alert `i`: `alertname` x `service`, as both systems group by them. */
export function groupOf(g: number): { alertname: string; service: string } {
  return { alertname: ALERTNAMES[g % ALERTNAMES.length]!, service: `svc-${String(Math.floor(g / ALERTNAMES.length)).padStart(3, '0')}` };
}

export const groupKey = (labels: { alertname?: string; service?: string }) => `${labels.alertname} ${labels.service}`;

/**
 * `alerts` alerts in `groups` groups, alert i in group i % groups: every batch of 100 touches 100
 * groups (or all of them), so concurrent batches meet in the same groups, as alerts from many
 * rule evaluations do.
 */
export function stormAlerts(size: SizeSpec, startsAt: Date): V2Alert[] {
  if (size.groups > size.alerts) throw new Error(`more groups (${size.groups}) than alerts (${size.alerts})`);
  const out: V2Alert[] = [];
  for (let i = 0; i < size.alerts; i++) {
    const g = i % size.groups;
    const { alertname, service } = groupOf(g);
    const instance = `ip-10-${(g >> 8) & 255}-${g & 255}-${Math.floor(i / size.groups)}.ec2.internal:9100`;
    out.push({
      labels: { alertname, service, instance, job: 'node-exporter', env: 'prod', severity: 'warning' },
      annotations: {
        summary: `${alertname} on ${instance}`,
        description: `${alertname} has been firing for more than 5 minutes on ${instance} (service ${service}).`,
        runbook_url: `https://runbooks.example.com/${alertname.toLowerCase()}`,
      },
      startsAt: startsAt.toISOString(),
      generatorURL: `http://prometheus:9090/graph?g0.expr=${encodeURIComponent(`${alertname}{service="${service}"}`)}&g0.tab=1`,
    });
  }
  return out;
}

export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Alertmanager's body: the v2 alerts as they are. */
export const alertmanagerBody = (batch: V2Alert[]) => JSON.stringify(batch);

/**
 * alertflow's closest ingest path for the same alerts is its Alertmanager webhook
 * (`POST /v1/webhooks/alertmanager`), which takes these alert objects in a version 4 envelope;
 * the envelope's group fields are informational there (alertflow groups by its own route).
 */
export function alertflowBody(batch: V2Alert[]): string {
  return JSON.stringify({
    receiver: 'bench',
    status: 'firing',
    alerts: batch.map((a) => ({ status: 'firing', ...a, endsAt: '0001-01-01T00:00:00Z' })),
    groupLabels: {},
    commonLabels: { job: 'node-exporter', env: 'prod', severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://prometheus:9090',
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
  });
}

/**
 * The group a notification is for: Alertmanager's webhook names it in `groupLabels`, alertflow's
 * (default format) in `group.labels`.
 */
export function notifiedGroup(body: string): string | undefined {
  try {
    const b = JSON.parse(body) as { groupLabels?: Record<string, string>; group?: { labels?: Record<string, string> } };
    const labels = b.groupLabels && Object.keys(b.groupLabels).length ? b.groupLabels : b.group?.labels;
    return labels ? groupKey(labels) : undefined;
  } catch {
    return undefined;
  }
}

/** One system's figures for one size. */
export interface SystemRun {
  system: 'alertmanager' | 'alertflow';
  alerts: number;
  groups: number;
  posts: number;
  /** POSTs answered other than 2xx (should be 0). */
  failedPosts: number;
  /** First POST start to last POST response. */
  ingestMs: number;
  alertsPerSecond: number;
  groupsNotified: number;
  /** First POST start to the first notification of the last group; null if not every group was notified in time. */
  allGroupsNotifiedMs: number | null;
  /** Median over groups of first POST start to the group's first notification. */
  groupsNotifiedP50Ms: number | null;
  /**
   * CPU time (user + system, every thread of the system's processes) from the first POST to the last
   * group's first notification; null if not every group was notified. Less moved by the machine's
   * neighbours than the wall time, so a change to the pipeline's cost shows in it.
   */
  cpuMs: number | null;
  notifications: number;
  /** Sum of VmHWM over the system's process tree, in KiB. */
  peakRssKb: number | null;
  /** Bytes the system wrote to stdout/stderr during the run (alertflow: its JSON log). */
  logBytes: number;
  timedOut: boolean;
  /** CLOCK_MONOTONIC µs from the first POST to the last group's first notification (or the timeout). */
  stormWindowUs?: [number, number];
  error?: string;
}

export interface SideBySide {
  size: SizeSpec;
  alertmanager: SystemRun;
  alertflow: SystemRun;
}

/**
 * alertflow's pace relative to Alertmanager's: > 1 means alertflow is faster (its time is shorter,
 * its rate higher). null when either figure is missing.
 */
export function paceRatio(alertmanager: number | null, alertflow: number | null, kind: 'time' | 'rate'): number | null {
  if (alertmanager === null || alertflow === null || alertmanager <= 0 || alertflow <= 0) return null;
  return kind === 'time' ? alertmanager / alertflow : alertflow / alertmanager;
}

const ratioDigits = (r: number) => r.toFixed(r < 0.1 ? 3 : 2);
const whole = (v: number) => num(v, 0);
const fmtMs = (run: SystemRun, v: number | null) =>
  v === null ? `not all (${num(run.groupsNotified)}/${num(run.groups)}${run.timedOut ? ', timed out' : ''})` : `${num(v, 0)} ms`;

/**
 * The one table: both systems' figures and the ratios, per size. A size run more than once (pairs
 * in `results`, as `--runs` makes them) shows each figure's median and range over its runs, and
 * the median and range of the pairs' ratios.
 */
export function renderSideBySide(results: SideBySide[], alertmanagerVersion: string): string {
  const sizes = new Map<string, SideBySide[]>();
  for (const r of results) {
    const key = `${r.size.alerts}:${r.size.groups}`;
    sizes.set(key, [...(sizes.get(key) ?? []), r]);
  }
  const rows: Cell[][] = [];
  for (const pairs of sizes.values()) {
    const { size } = pairs[0]!;
    const label = `${num(size.alerts)} alerts / ${num(size.groups)} groups`;
    const runs = (system: 'alertmanager' | 'alertflow') => pairs.map((p) => p[system]);
    const ratios = (f: (run: SystemRun) => number | null, kind: 'time' | 'rate') => spread(pairs.map((p) => paceRatio(f(p.alertmanager), f(p.alertflow), kind)), ratioDigits, 'x');
    const allNotified = (system: 'alertmanager' | 'alertflow') => {
      const rs = runs(system);
      if (rs.length === 1) return fmtMs(rs[0]!, rs[0]!.allGroupsNotifiedMs);
      const missed = rs.filter((r) => r.allGroupsNotifiedMs === null).length;
      return missed > 0 ? `not all in ${missed} of ${rs.length} runs` : spread(rs.map((r) => r.allGroupsNotifiedMs), whole, ' ms');
    };
    rows.push([`${label}: every group first notified`, allNotified('alertmanager'), allNotified('alertflow'), ratios((r) => r.allGroupsNotifiedMs, 'time')]);
    rows.push([
      `${label}: half the groups first notified (p50)`,
      spread(runs('alertmanager').map((r) => r.groupsNotifiedP50Ms), whole, ' ms'),
      spread(runs('alertflow').map((r) => r.groupsNotifiedP50Ms), whole, ' ms'),
      ratios((r) => r.groupsNotifiedP50Ms, 'time'),
    ]);
    rows.push([
      `${label}: CPU until every group first notified`,
      spread(runs('alertmanager').map((r) => r.cpuMs), whole, ' ms'),
      spread(runs('alertflow').map((r) => r.cpuMs), whole, ' ms'),
      ratios((r) => r.cpuMs, 'time'),
    ]);
    rows.push([
      `${label}: ingest`,
      spread(runs('alertmanager').map((r) => r.alertsPerSecond), whole, ' alerts/s'),
      spread(runs('alertflow').map((r) => r.alertsPerSecond), whole, ' alerts/s'),
      ratios((r) => r.alertsPerSecond, 'rate'),
    ]);
    const mb = (r: SystemRun) => (r.peakRssKb === null ? null : r.peakRssKb / 1024);
    const memory = spread(
      pairs.map((p) => (p.alertmanager.peakRssKb && p.alertflow.peakRssKb ? p.alertflow.peakRssKb / p.alertmanager.peakRssKb : null)),
      (x) => x.toFixed(1),
      'x',
    );
    rows.push([`${label}: peak RSS`, spread(runs('alertmanager').map(mb), whole, ' MB'), spread(runs('alertflow').map(mb), whole, ' MB'), memory === '-' ? '-' : `${memory} the memory`]);
  }
  return table(['', `Alertmanager ${alertmanagerVersion}`, 'alertflow (npm start path)', 'alertflow pace vs Alertmanager'], rows, '  ', ['l', 'r', 'r', 'r']);
}

/** One value as itself; several as their median and range ("493 ms (448–570)"); '-' when any is missing. */
function spread(values: Array<number | null>, fmt: (v: number) => string, unit: string): string {
  if (values.length === 0 || values.some((v) => v === null)) return '-';
  const vs = values as number[];
  if (vs.length === 1) return `${fmt(vs[0]!)}${unit}`;
  return `${fmt(median(vs)!)}${unit} (${fmt(Math.min(...vs))}–${fmt(Math.max(...vs))})`;
}

/** Sum of VmHWM (peak resident set) in KiB over `pid` and its live descendants; null if `pid` is gone. */
/** `pid` and its descendants (as /proc lists them now); empty when `pid` is gone. */
export function processTree(pid: number, procRoot = '/proc'): number[] {
  if (!existsSync(`${procRoot}/${pid}`)) return [];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the parent pid is the 2nd field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

export function treePeakRssKb(pid: number, procRoot = '/proc'): number | null {
  const hwm = (p: number): number | null => {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`${procRoot}/${p}/status`, 'utf8'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  const [own, ...rest] = processTree(pid, procRoot);
  const first = own === undefined ? null : hwm(own);
  return first === null ? null : rest.reduce((sum, p) => sum + (hwm(p) ?? 0), first);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time (user + system, all threads) the processes `pids` have used so far, in ms, to /proc's
 * 10 ms tick; a process gone meanwhile counts 0.
 */
export function cpuMsOf(pids: readonly number[], procRoot = '/proc'): number {
  let ticks = 0;
  for (const p of pids) {
    try {
      const stat = readFileSync(`${procRoot}/${p}/stat`, 'utf8');
      // utime and stime are the 14th and 15th fields: the 12th and 13th after the command name.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1000) / USER_HZ;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  /** µs on V8's clock (CLOCK_MONOTONIC on Linux); sample i is at startTime + timeDeltas[0..i]. */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: ProfileEntry[];
  byModule: ProfileEntry[];
  byCategory: ProfileEntry[];
}

/** Coarse buckets for the modules, to say where the time went in a sentence. */
export function categoryOf(mod: string): string {
  if (/^@(smithy|aws-sdk|aws-crypto)\//.test(mod) || mod === 'fast-xml-parser') return 'AWS SDK client (DynamoDB calls: serialize, sign, parse)';
  if (/^(dynalite|classic-level|abstract-level|level|levelup|leveldown|memdown|encoding-down|deferred-leveldown|level-|lazy|async|once|big\.js)/.test(mod)) return 'dynalite + LevelDB (the local DynamoDB)';
  if (mod === 'node:zlib') return 'gzip (group state)';
  if (mod.startsWith('node:internal/crypto')) return 'crypto (SDK request signing, fingerprints)';
  if (/^node:(_http|http|net|stream|internal\/(http|stream|streams|net))/.test(mod) || mod === 'undici' || mod.startsWith('node:internal/deps/undici')) return 'Node HTTP / streams';
  if (mod === 'zod') return 'zod (validation)';
  if (mod === 'tsx' || mod === 'esbuild' || mod.startsWith('node:internal/modules') || mod === 'bin/start.mjs (bundle)') return 'module loading (and tsx, where it runs)';
  if (mod === '(garbage collector)') return 'garbage collector';
  if (mod === '(idle)' || mod === '(program)') return 'idle / program';
  if (/^(shared|functions|bin|lib)\//.test(mod)) return 'alertflow code';
  return 'other (V8 natives, node internals, other packages)';
}

/**
 * Where a frame's code lives: an npm package, a project file, a node internal, or a V8 pseudo-frame.
 * A frame in `npm start`'s bundle (bin/build-local.mjs) is named by the project file it came from.
 */
export function moduleOf(url: string, functionName: string, lineNumber = 0): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  if (LOCAL_BUNDLE.test(url)) return bundleModuleAt(url, lineNumber) ?? 'bin/start.mjs (bundle)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  const project = /\/(shared|functions|bin|lib|test)\/(.+?)(?:\?.*)?$/.exec(url);
  if (project) return `${project[1]}/${project[2]}`;
  return url;
}

const LOCAL_BUNDLE = /node_modules\/\.cache\/alertflow\/local\/[^/]+\.mjs$/;
/** Per bundle file: the line each project module starts at, in order. */
const bundleMarks = new Map<string, Array<[line: number, module: string]>>();

/** esbuild starts each module of an unminified bundle with a `// <path>` comment line. */
function bundleModuleAt(url: string, line: number): string | undefined {
  let marks = bundleMarks.get(url);
  if (!marks) {
    marks = [];
    try {
      readFileSync(fileURLToPath(url), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /^\/\/ ((?:shared|functions|bin|lib)\/\S+\.ts)$/.exec(text);
          if (m) marks!.push([i, m[1]!]);
        });
    } catch {
      // The bundle was rebuilt or removed since: frames stay unnamed.
    }
    bundleMarks.set(url, marks);
  }
  let found: string | undefined;
  for (let lo = 0, hi = marks.length - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]![0] <= line) {
      found = marks[mid]![1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Self time per function and per module from a V8 .cpuprofile (the format `node --cpu-prof` writes). */
export function summarizeProfile(profile: CpuProfile, top = 15, windowUs?: [number, number]): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windowUs && (at < windowUs[0] || at > windowUs[1])) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  const cats = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    total += us;
    const mod = moduleOf(f.url, f.functionName, f.lineNumber);
    const fn = `${f.functionName || '(anonymous)'} ${mod}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
    cats.set(categoryOf(mod), (cats.get(categoryOf(mod)) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: total ? us / total : 0 }));
  return { totalMs: total / 1000, byFunction: rank(fns), byModule: rank(mods), byCategory: rank(cats) };
}

export function renderProfile(s: ProfileSummary, title: string): string {
  const rows = (entries: ProfileEntry[]) => entries.map((e) => [e.name, `${num(e.selfMs, 0)} ms`, `${(e.share * 100).toFixed(1)}%`]);
  return [
    `${title}: ${num(s.totalMs, 0)} ms of samples`,
    table(['Category (self time)', 'Self', 'Share'], rows(s.byCategory), '  ', ['l', 'r', 'r']),
    table(['Module (self time)', 'Self', 'Share'], rows(s.byModule), '  ', ['l', 'r', 'r']),
    table(['Function (self time)', 'Self', 'Share'], rows(s.byFunction), '  ', ['l', 'r', 'r']),
  ].join('\n');
}
