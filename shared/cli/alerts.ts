import { apiCall, CliFailure } from './client';
import type { CliContext } from './context';
import { formatJson, formatTable, formatTime } from './output';

/** An alert as GET /v1/alerts shows it (the fields the CLI prints). */
interface AlertRow {
  id: string;
  status: string;
  state: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  groups?: Array<{ receiver: string }>;
}

/** Pages followed at most: a narrow filter reads bounded pages that may hold nothing. */
const MAX_PAGES = 100;

/**
 * `alert query [matchers...]`: GET /v1/alerts with each matcher as a `filter`, following
 * `next_cursor` to the end. Resolved alerts are left out unless `all` (amtool lists active ones).
 */
export async function queryAlerts(ctx: CliContext, matchers: readonly string[], opts: { all?: boolean; state?: string; receiver?: string } = {}): Promise<void> {
  const alerts: AlertRow[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams();
    for (const m of matchers) q.append('filter', m);
    if (!opts.all) q.set('status', 'firing');
    if (opts.state) q.set('state', opts.state);
    if (opts.receiver) q.set('receiver', opts.receiver);
    q.set('limit', '1000');
    if (cursor) q.set('cursor', cursor);
    const res: { alerts: AlertRow[]; next_cursor: string | null } = await apiCall(ctx.target, 'GET', `/v1/alerts?${q}`);
    alerts.push(...res.alerts);
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  if (cursor) ctx.err(`alertflow: warning: stopped after ${MAX_PAGES} pages; narrow the matchers\n`);
  if (ctx.output === 'json') return ctx.out(formatJson(alerts));
  ctx.out(
    formatTable(
      ['Alertname', 'State', 'Starts At', 'Summary'],
      alerts.map((a) => [a.labels.alertname ?? '', a.state, formatTime(a.startsAt), a.annotations.summary ?? '']),
    ),
  );
}

/**
 * `alert add <labels...>`: POST /api/v2/alerts, as `amtool alert add` does: starts now (or
 * `start`); without `end`, alertflow resolves it after `global.resolve_timeout` unless sent again.
 */
export async function addAlert(
  ctx: CliContext,
  labels: Record<string, string>,
  opts: { annotations?: Record<string, string>; start?: Date; end?: Date; generatorUrl?: string },
): Promise<void> {
  if (!labels.alertname) throw new CliFailure('an alert needs an alertname label (alertname=X, or X as the first argument)');
  const start = opts.start ?? new Date(ctx.now());
  if (opts.end && opts.end.getTime() <= start.getTime()) throw new CliFailure(`--end (${opts.end.toISOString()}) must be after the start (${start.toISOString()})`);
  const alert = {
    labels,
    annotations: opts.annotations ?? {},
    startsAt: start.toISOString(),
    ...(opts.end ? { endsAt: opts.end.toISOString() } : {}),
    ...(opts.generatorUrl ? { generatorURL: opts.generatorUrl } : {}),
  };
  await apiCall(ctx.target, 'POST', '/api/v2/alerts', [alert]);
  if (ctx.output === 'json') ctx.out(formatJson(alert));
}
