import type { CloudWatchClient, GetMetricDataCommandInput, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { Observation } from '../check';
import type { CloudWatchSource } from '../config';
import type { CloudWatchQuery, MetricDataPort, Observations } from './port';

/** CloudWatch's limit of MetricDataQueries in one GetMetricData request. */
export const GET_METRIC_DATA_MAX_QUERIES = 500;

/** GetMetricData calls in flight at once: a few regions in parallel, without bursting the account's TPS quota. */
const CONCURRENCY = 4;

/** The longest error text kept: enough for an AccessDenied's role and action. */
const MAX_ERROR_TEXT = 300;

/**
 * The latest value of each query: one GetMetricData call per region and 500 queries (its NextToken
 * pages are the same call), at most CONCURRENCY calls at once. Every id asked is answered: a value,
 * no data (`value` undefined), or an error; a call that fails answers each of its queries with the
 * failure, and the other calls stand.
 */
export async function observeCloudWatch(queries: readonly CloudWatchQuery[], port: MetricDataPort, now: Date): Promise<Observations> {
  const byRegion = new Map<string | undefined, CloudWatchQuery[]>();
  for (const q of queries) {
    const group = byRegion.get(q.source.region);
    if (group) group.push(q);
    else byRegion.set(q.source.region, [q]);
  }
  const calls: Array<{ region: string | undefined; queries: CloudWatchQuery[] }> = [];
  for (const [region, group] of byRegion) {
    // Like periods together: a call's window follows its largest period, so a 1-minute check does
    // not share a call with a 1-day one unless the region has more than 500 checks.
    group.sort((a, b) => a.source.period - b.source.period);
    for (let i = 0; i < group.length; i += GET_METRIC_DATA_MAX_QUERIES) {
      calls.push({ region, queries: group.slice(i, i + GET_METRIC_DATA_MAX_QUERIES) });
    }
  }

  const out: Observations = new Map();
  await eachLimited(calls, CONCURRENCY, async (call) => {
    let answers: Observation[];
    try {
      answers = await latestValues(call.region, call.queries, port, now);
    } catch (err) {
      const error = callError(err);
      answers = call.queries.map(() => ({ error }));
    }
    call.queries.forEach((q, i) => out.set(q.id, answers[i]!));
  });
  return out;
}

/**
 * The CloudWatch adapter. The SDK is imported on first use (a checks function without CloudWatch
 * checks never loads it), and one client is kept per region.
 */
export function awsMetricData(): MetricDataPort {
  const clients = new Map<string | undefined, CloudWatchClient>();
  return {
    async getMetricData(region, input) {
      const sdk = await import('@aws-sdk/client-cloudwatch');
      let client = clients.get(region);
      if (!client) {
        client = new sdk.CloudWatchClient(region ? { region } : {});
        clients.set(region, client);
      }
      return client.send(new sdk.GetMetricDataCommand(input));
    },
  };
}

/** What a call's pages said of one query (results of one query may be split across pages). */
interface Seen {
  time: number;
  value: number | undefined;
  failure: string | undefined;
}

/** The start of the period `now` is in (periods align to the epoch, as CloudWatch aligns them). */
const periodStart = (now: Date, periodS: number): number => Math.floor(now.getTime() / (periodS * 1000)) * periodS * 1000;

/** One GetMetricData call, all its pages, answered in the order of `queries`. Throws when a page does. */
async function latestValues(region: string | undefined, queries: readonly CloudWatchQuery[], port: MetricDataPort, now: Date): Promise<Observation[]> {
  // Ids of our own: CloudWatch wants ^[a-z][a-zA-Z0-9_]*$ and a caller's id can be anything.
  const period = Math.max(...queries.map((q) => q.source.period));
  const input: GetMetricDataCommandInput = {
    MetricDataQueries: queries.map((q, i) => metricDataQuery(`q${i}`, q.source)),
    // Complete periods only, as CloudWatch alarms evaluate: the period in progress would read low
    // (a Sum, a SampleCount) and resolve a breach at the start of every period. Three periods back,
    // so the latest complete datapoint is in range even when metrics arrive late.
    StartTime: new Date(periodStart(now, period) - 3 * period * 1000),
    EndTime: new Date(periodStart(now, period)),
    ScanBy: 'TimestampDescending',
  };
  const seen = new Map<string, Seen>();
  let token: string | undefined;
  do {
    const res = await port.getMetricData(region, token ? { ...input, NextToken: token } : input);
    for (const r of res.MetricDataResults ?? []) record(seen, r);
    // The response's own Messages (e.g. a query that hit a limit) say nothing a result does not.
    token = res.NextToken;
  } while (token);

  return queries.map((_, i): Observation => {
    const s = seen.get(`q${i}`);
    if (!s) return { error: 'CloudWatch returned no result for this query' };
    if (s.failure !== undefined) return { error: s.failure };
    return { value: s.value };
  });
}

function metricDataQuery(id: string, s: CloudWatchSource): MetricDataQuery {
  if (s.expression !== undefined) return { Id: id, Expression: s.expression, Period: s.period, ReturnData: true };
  // The schema requires namespace, metric and statistic when there is no expression.
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: s.namespace!, MetricName: s.metric!, Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: s.period,
      Stat: s.statistic!,
    },
    ReturnData: true,
  };
}

/** Folds one result into what was seen of its query: the latest datapoint by time (pages and points come in no promised order). */
function record(seen: Map<string, Seen>, r: MetricDataResult): void {
  if (!r.Id) return;
  let s = seen.get(r.Id);
  if (!s) seen.set(r.Id, (s = { time: -Infinity, value: undefined, failure: undefined }));
  if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
    // Values alongside a failure may be a fraction of the data: the failure wins.
    const messages = (r.Messages ?? []).map((m) => m.Value).filter((v): v is string => !!v);
    s.failure ??= shortText(`CloudWatch ${r.StatusCode}${messages.length ? `: ${messages.join('; ')}` : ''}`);
  }
  const times = r.Timestamps ?? [];
  const values = r.Values ?? [];
  for (let i = 0; i < Math.min(times.length, values.length); i++) {
    const time = new Date(times[i]!).getTime();
    const value = values[i]!;
    if (Number.isFinite(value) && time > s.time) {
      s.time = time;
      s.value = value;
    }
  }
}

/** A failed call's error for each of its queries: the SDK error's name and first line of message, no stack. */
function callError(err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown };
  const name = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9_.:-]{0,79}$/.test(e.name) ? e.name : 'UnknownError';
  const message = typeof e.message === 'string' ? e.message : '';
  return shortText(`GetMetricData failed: ${name}${message ? `: ${message}` : ''}`);
}

/**
 * One line, capped, with access key ids masked: a SignatureDoesNotMatch message goes on to quote the
 * canonical request (its session token header included) on the lines after the first.
 */
function shortText(text: string): string {
  const line = text.split(/\r?\n/, 1)[0]!.trim().replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1****');
  return line.length > MAX_ERROR_TEXT ? `${line.slice(0, MAX_ERROR_TEXT - 1)}…` : line;
}

/** Runs `task` over `items`, at most `limit` at once; `task` must not throw. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
