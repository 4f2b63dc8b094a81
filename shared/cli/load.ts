import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { parseDuration } from '../primitives/duration';
import { apiCall, CliFailure, type ApiTarget } from './client';
import type { CliContext } from './context';
import { formatJson } from './output';

/**
 * `fire <scenario.yaml>` (a timed sequence of alerts replayed against a running alertflow) and
 * `storm` (a generated burst of alerts, and a summary of what alertflow made of it).
 */

// -------------------------------------------------------------------------------------------------
// fire

const Labels = z.record(z.string(), z.string());
const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return typeof v === 'number' ? v * 1000 : v === '0' ? 0 : parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const FireAlert = z.object({ labels: Labels.refine((l) => !!l.alertname, 'needs an alertname label'), annotations: Labels.optional(), generatorURL: z.string().optional() }).strict();
const ResolveAlert = z.object({ labels: Labels.refine((l) => !!l.alertname, 'needs an alertname label') }).strict();
const Step = z
  .object({ after: Duration.default(0), fire: z.array(FireAlert).default([]), resolve: z.array(ResolveAlert).default([]) })
  .strict()
  .refine((s) => s.fire.length + s.resolve.length > 0, 'a step fires or resolves something');
export const Scenario = z.object({ steps: z.array(Step).min(1) }).strict();
export type Scenario = z.infer<typeof Scenario>;

/** Read and check a scenario file; a file that does not parse fails (exit 1) with the problem's path. */
export async function readScenario(file: string): Promise<Scenario> {
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliFailure(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const res = Scenario.safeParse(doc);
  if (!res.success) {
    const problems = res.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new CliFailure(`${file}: not a scenario:\n  ${problems.join('\n  ')}`);
  }
  return res.data;
}

const labelKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
const describe = (alerts: ReadonlyArray<{ labels: Record<string, string> }>) =>
  alerts.map((a) => `${a.labels.alertname}{${Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}="${v}"`).join(',')}}`).join(' ');
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))}s`;

/**
 * Replay `scenario`: each step waits its `after` (divided by `speed`) from the previous step, then
 * posts its firing alerts and its resolves (the same labels, `endsAt` now: past when it lands) to
 * POST /api/v2/alerts, one line per step. A refused post stops the replay (exit 1).
 */
export async function fireScenario(ctx: CliContext, scenario: Scenario, opts: { speed: number; sleep?: (ms: number) => Promise<unknown> }): Promise<void> {
  const wait = opts.sleep ?? sleep;
  const started = new Map<string, string>();
  const t0 = ctx.now();
  const done: Array<{ step: number; at: string; fired: number; resolved: number }> = [];
  for (const [i, step] of scenario.steps.entries()) {
    if (step.after > 0) await wait(step.after / opts.speed);
    const now = new Date(ctx.now());
    const alerts = [
      ...step.fire.map((a) => {
        const key = labelKey(a.labels);
        const startsAt = started.get(key) ?? now.toISOString();
        started.set(key, startsAt);
        return { labels: a.labels, annotations: a.annotations ?? {}, startsAt, ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}) };
      }),
      ...step.resolve.map((a) => {
        const key = labelKey(a.labels);
        const startsAt = started.get(key) ?? new Date(now.getTime() - 1000).toISOString();
        started.delete(key);
        // Ends now, so past when alertflow reads it (after its start, even one fired this millisecond).
        return { labels: a.labels, startsAt, endsAt: new Date(Math.max(now.getTime(), Date.parse(startsAt) + 1)).toISOString() };
      }),
    ];
    const line = `step ${i + 1}/${scenario.steps.length} +${seconds(now.getTime() - t0)}`;
    try {
      await apiCall(ctx.target, 'POST', '/api/v2/alerts', alerts);
    } catch (e) {
      if (ctx.output !== 'json') ctx.out(`${line}: refused\n`);
      throw e;
    }
    done.push({ step: i + 1, at: now.toISOString(), fired: step.fire.length, resolved: step.resolve.length });
    if (ctx.output !== 'json') {
      const parts = [step.fire.length > 0 && `fired ${step.fire.length}: ${describe(step.fire)}`, step.resolve.length > 0 && `resolved ${step.resolve.length}: ${describe(step.resolve)}`];
      ctx.out(`${line}: ${parts.filter(Boolean).join('; ')}\n`);
    }
  }
  if (ctx.output === 'json') ctx.out(formatJson(done));
}

// -------------------------------------------------------------------------------------------------
// storm

export interface StormOptions {
  alerts: number;
  groups: number;
  batch: number;
  concurrency: number;
  api: 'v2' | 'v1';
  waitMs: number;
  /** Where the progress line goes; only given when stderr is a terminal. */
  progress?: (text: string) => void;
}

export interface StormSummary {
  alerts: number;
  groups: number;
  requests: number;
  accepted: number;
  refused: Record<string, number>;
  elapsed_ms: number;
  rate_per_s: number;
  /** What GET /v1/groups showed, or why it could not be read (a token without the read scope). */
  alertflow: { groups: number; notified: number; waited_ms: number } | { error: string };
}

/** The alerts of batch `b`: alertname storm-<i mod groups>, instance i. */
function stormBatch(opts: StormOptions, b: number, startsAt: string): unknown {
  const from = b * opts.batch;
  const to = Math.min(opts.alerts, from + opts.batch);
  const alerts = Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const labels = { alertname: `storm-${i % opts.groups}`, instance: `instance-${i}` };
    return opts.api === 'v2' ? { labels, annotations: { summary: `storm alert ${i}` }, startsAt } : { labels, summary: `storm alert ${i}`, starts_at: startsAt };
  });
  return opts.api === 'v2' ? alerts : { alerts };
}

/** One post; its status (0: no answer), never throwing. */
async function post(target: ApiTarget, path: string, body: unknown): Promise<number> {
  try {
    const res = await fetch(target.url.replace(/\/+$/, '') + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** The storm's groups alertflow lists (GET /v1/groups, alertname storm-*), and how many were notified. */
async function stormGroups(target: ApiTarget): Promise<{ groups: number; notified: number }> {
  let groups = 0;
  let notified = 0;
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const q = new URLSearchParams({ filter: 'alertname=~"storm-.*"', limit: '1000' });
    if (cursor) q.set('cursor', cursor);
    const res: { groups: Array<{ last_notified_at: string | null }>; next_cursor: string | null } = await apiCall(target, 'GET', `/v1/groups?${q}`);
    groups += res.groups.length;
    notified += res.groups.filter((g) => g.last_notified_at !== null).length;
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return { groups, notified };
}

/**
 * Post the storm in batches, `concurrency` requests at a time, then poll GET /v1/groups every
 * 500 ms until the storm's groups and their notifications stop growing (two polls alike) or
 * `waitMs` passes. Exit 1 when a request was refused.
 */
export async function storm(ctx: CliContext, opts: StormOptions): Promise<StormSummary> {
  const path = opts.api === 'v2' ? '/api/v2/alerts' : '/v1/alerts';
  const batches = Math.ceil(opts.alerts / opts.batch);
  const startsAt = new Date(ctx.now()).toISOString();
  const refused: Record<string, number> = {};
  let accepted = 0;
  let sent = 0;
  let next = 0;
  const t0 = performance.now();
  const show = () => opts.progress?.(`\r\x1b[Kstorm: ${sent}/${batches} requests, ${accepted}/${opts.alerts} alerts accepted`);
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, batches) }, async () => {
      while (next < batches) {
        const b = next++;
        const status = await post(ctx.target, path, stormBatch(opts, b, startsAt));
        sent++;
        if (status >= 200 && status < 300) accepted += Math.min(opts.batch, opts.alerts - b * opts.batch);
        else refused[status === 0 ? 'no answer' : String(status)] = (refused[status === 0 ? 'no answer' : String(status)] ?? 0) + 1;
        show();
      }
    }),
  );
  const elapsed = performance.now() - t0;
  opts.progress?.('\n');

  const w0 = performance.now();
  let seen = { groups: -1, notified: -1 };
  let error: string | undefined;
  for (;;) {
    let now;
    try {
      now = await stormGroups(ctx.target);
    } catch (e) {
      if (!(e instanceof CliFailure)) throw e;
      error = e.message;
      break;
    }
    const settled = now.groups === seen.groups && now.notified === seen.notified && now.groups > 0;
    seen = now;
    opts.progress?.(`\r\x1b[Kstorm: alertflow holds ${now.groups} groups, ${now.notified} notified`);
    if (settled || (now.groups >= opts.groups && now.notified >= now.groups) || performance.now() - w0 + 500 > opts.waitMs) break;
    await sleep(500);
  }
  opts.progress?.('\n');
  return {
    alerts: opts.alerts,
    groups: opts.groups,
    requests: batches,
    accepted,
    refused,
    elapsed_ms: Math.round(elapsed),
    rate_per_s: elapsed > 0 ? Math.round(accepted / (elapsed / 1000)) : 0,
    alertflow: error !== undefined ? { error } : { ...seen, waited_ms: Math.round(performance.now() - w0) },
  };
}

export function formatStorm(s: StormSummary): string {
  const refused = Object.entries(s.refused);
  return [
    `alerts accepted    ${s.accepted} of ${s.alerts} (${s.requests} requests)`,
    `requests refused   ${refused.length === 0 ? 0 : refused.map(([status, n]) => `${n} (${status})`).join(', ')}`,
    `elapsed            ${(s.elapsed_ms / 1000).toFixed(2)}s`,
    `rate               ${s.rate_per_s} alerts/s`,
    'error' in s.alertflow
      ? `groups             not read: ${s.alertflow.error}`
      : `groups             ${s.alertflow.groups} held by alertflow (of ${s.groups} in the storm), ${s.alertflow.notified} notified (polled for ${(s.alertflow.waited_ms / 1000).toFixed(1)}s)`,
  ].join('\n') + '\n';
}
