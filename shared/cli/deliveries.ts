import { apiCall } from './client';
import type { CliContext } from './context';
import { formatJson, formatTable, formatTime, labelsText } from './output';

/** A group's channel entry's last notification, as GET /v1/groups shows it. */
interface NotificationRow {
  channel: string;
  status: 'delivered' | 'pending' | 'failed';
  at: string;
  firing: number;
  resolved: number;
}

interface GroupRow {
  id: string;
  labels: Record<string, string>;
  receiver: string;
  notifications: NotificationRow[];
}

export interface DeliveryLine {
  receiver: string;
  channel: string;
  status: NotificationRow['status'];
  at: string;
  firing: number;
  resolved: number;
  group: string;
  labels: Record<string, string>;
}

/**
 * `deliveries [--status s] [--receiver r]`: the last notification of every group on each of its
 * channels and what became of it (delivered, pending: retries may still run, failed: for good, the
 * group's next flush tries again), newest first, from GET /v1/groups (all pages). It is each
 * channel's latest notification, not every attempt: that needs a delivery log alertflow does not
 * keep yet.
 */
export async function listDeliveries(ctx: CliContext, opts: { status?: string; receiver?: string }): Promise<DeliveryLine[]> {
  const lines: DeliveryLine[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '1000' });
    if (cursor) q.set('cursor', cursor);
    const res: { groups: GroupRow[]; next_cursor: string | null } = await apiCall(ctx.target, 'GET', `/v1/groups?${q}`);
    for (const g of res.groups) {
      if (opts.receiver && g.receiver !== opts.receiver) continue;
      for (const n of g.notifications) {
        if (opts.status && n.status !== opts.status) continue;
        lines.push({ receiver: g.receiver, channel: n.channel, status: n.status, at: n.at, firing: n.firing, resolved: n.resolved, group: g.id, labels: g.labels });
      }
    }
    cursor = res.next_cursor;
  } while (cursor);
  lines.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  if (ctx.output === 'json') ctx.out(formatJson(lines));
  else {
    ctx.out(formatTable(['Sent At', 'Receiver', 'Channel', 'Status', 'Firing', 'Resolved', 'Group'], lines.map((l) => [formatTime(l.at), l.receiver, l.channel, l.status, String(l.firing), String(l.resolved), labelsText(l.labels)])));
  }
  return lines;
}
