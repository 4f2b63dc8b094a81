import type { DeliveryView } from '../api/deliveries';
import { apiCall } from './client';
import type { CliContext } from './context';
import { formatJson, formatTable, formatTime } from './output';

export interface DeliveryListOptions {
  status?: string;
  receiver?: string;
  channel?: string;
  since?: string;
  limit?: string;
}

/** Rows one `deliveries` prints by default: the log can be long, and the API pages it. */
const DEFAULT_ROWS = 100;

/**
 * `deliveries [--status s] [--receiver r] [--channel c] [--since 24h] [--limit n]`: the delivery
 * log (GET /v1/deliveries, every page until `limit` rows), newest first: each notification, what
 * became of it, its attempts and its last error.
 */
export async function listDeliveries(ctx: CliContext, opts: DeliveryListOptions): Promise<DeliveryView[]> {
  const want = opts.limit === undefined ? DEFAULT_ROWS : Number(opts.limit);
  const rows: DeliveryView[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: String(Math.min(1000, Math.max(1, want - rows.length))) });
    for (const key of ['status', 'receiver', 'channel', 'since'] as const) if (opts[key] !== undefined) q.set(key, opts[key]);
    if (cursor) q.set('cursor', cursor);
    const res: { deliveries: DeliveryView[]; next_cursor: string | null } = await apiCall(ctx.target, 'GET', `/v1/deliveries?${q}`);
    rows.push(...res.deliveries);
    cursor = res.next_cursor;
  } while (cursor && rows.length < want);
  const shown = rows.slice(0, want);
  if (ctx.output === 'json') ctx.out(formatJson(shown));
  else ctx.out(formatTable(['Created At', 'Id', 'Receiver', 'Channel', 'Status', 'Attempts', 'Last Error', 'Group'], shown.map(row)));
  return shown;
}

/** `deliveries show <id>`: one record and each of its attempts. */
export async function showDelivery(ctx: CliContext, id: string): Promise<DeliveryView> {
  const d: DeliveryView = await apiCall(ctx.target, 'GET', `/v1/deliveries/${encodeURIComponent(id)}`);
  if (ctx.output === 'json') ctx.out(formatJson(d));
  else {
    ctx.out(formatTable(['Created At', 'Id', 'Receiver', 'Channel', 'Status', 'Attempts', 'Last Error', 'Group'], [row(d)]));
    ctx.out(formatTable(['Attempt', 'At', 'Outcome', 'Status', 'Latency', 'Error'], d.history.map((a) => [String(a.attempt), formatTime(a.at), a.outcome, a.status === null ? '' : String(a.status), `${a.latency_ms} ms`, a.error ?? ''])));
  }
  return d;
}

/** `deliveries retry <id>`: send a notification that failed for good again (POST /v1/deliveries/{id}/retry). */
export async function retryDelivery(ctx: CliContext, id: string): Promise<void> {
  const d: DeliveryView = await apiCall(ctx.target, 'POST', `/v1/deliveries/${encodeURIComponent(id)}/retry`);
  if (ctx.output === 'json') ctx.out(formatJson(d));
  else ctx.out(`${d.id}: queued again for ${d.receiver} ${d.channel}\n`);
}

const row = (d: DeliveryView): string[] => [
  formatTime(d.created_at),
  d.id,
  d.receiver,
  d.channel,
  d.status,
  String(d.attempts),
  (d.last_error ?? '').slice(0, 60),
  d.group_key ?? '',
];
