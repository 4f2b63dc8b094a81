import { randomUUID } from 'node:crypto';
import { fingerprint } from '../labels/fingerprint';
import type { Alert } from '../alerts/model';
import { channelEntries } from '../channels/keys';
import { NotFoundError } from '../errors';
import type { ChannelType, NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import type { QueuePort } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { DeliveryAttempt } from '../store/deliveries';
import type { DeliveryStore } from '../store/port';

export interface TestReceiverDeps {
  config: CompiledConfig;
  queues: QueuePort;
  deliveries: DeliveryStore;
  clock: () => Date;
  /** How long to wait for the senders' verdicts before reporting what is known. */
  waitMs?: number;
  pollMs?: number;
}

export type TestDeliveryStatus = 'delivered' | 'failed' | 'retrying' | 'dead_lettered' | 'pending';

export interface ChannelTestResult {
  channel: string;
  notificationId: string;
  /** `pending`: no attempt recorded yet within the wait. */
  status: TestDeliveryStatus;
  target?: string;
  attempts: number;
  last?: Pick<DeliveryAttempt, 'outcome' | 'status' | 'reason' | 'latencyMs'>;
  /**
   * PagerDuty only: the resolve that closes the incident the test trigger opened (same dedup key),
   * sent once the trigger is delivered. Absent when the trigger failed for good (no incident).
   */
  resolve?: Omit<ChannelTestResult, 'channel' | 'resolve'>;
}

/** Labels that mark a test notification, so routing rules and people can tell it apart. */
export const TEST_LABELS = { alertname: 'AlertflowTestNotification', severity: 'info', alertflow_test: 'true' } as const;

/** Channels whose test trigger opens something that stays open until resolved (a PagerDuty incident). */
const RESOLVE_AFTER_TEST: ReadonlySet<ChannelType> = new Set(['pagerduty']);

/**
 * Send a clearly marked test notification to every channel of a receiver through the real path
 * (the channel queues, the sender functions, delivery records) and report what each channel did.
 * A PagerDuty test trigger is followed by its resolve once it is delivered (not before: a resolve
 * that overtook its trigger would be dropped by PagerDuty, and the incident would stay open).
 */
export async function testReceiver(name: string, deps: TestReceiverDeps): Promise<ChannelTestResult[]> {
  const receiver = deps.config.receivers.get(name);
  if (!receiver) throw new NotFoundError(`no receiver named ${JSON.stringify(name)} (defined: ${[...deps.config.receivers.keys()].join(', ')})`);
  const now = deps.clock().toISOString();
  const run = randomUUID();
  const labels = { ...TEST_LABELS, receiver: name };
  const alert: Alert = {
    fingerprint: fingerprint(labels),
    status: 'firing',
    labels,
    annotations: {
      summary: `Test notification from alertflow for receiver "${name}"`,
      description: 'Nothing is wrong: someone asked alertflow to check that this channel delivers. No action is needed.',
    },
    startsAt: now,
    source: 'generic',
  };
  const sent = channelEntries(receiver).map((entry) => {
    const n: NotificationMessage = {
      kind: 'notification',
      id: `test-${run}.${entry.type}.${entry.index}`,
      createdAt: now,
      receiver: name,
      channel: { type: entry.type, index: entry.index },
      // The run in the group key: each test is its own PagerDuty incident (dedup key), so a test
      // whose resolve never landed does not swallow the next one's trigger.
      group: { id: `test-${run}`, key: `{}:{alertname="${TEST_LABELS.alertname}",run="${run}"}`, labels: { alertname: TEST_LABELS.alertname }, status: 'firing', alerts: [alert], truncatedAlerts: 0 },
      ...(deps.config.raw.external_url ? { externalURL: deps.config.raw.external_url } : {}),
    };
    return { channel: `${entry.type}[${entry.index}]`, n, resolve: undefined as NotificationMessage | undefined };
  });
  await Promise.all(sent.map(({ n }) => enqueue(deps, n)));

  /** The resolve of a trigger: same group key (so the same PagerDuty dedup key), the alert resolved. */
  const resolveOf = (n: NotificationMessage): NotificationMessage => {
    const endsAt = deps.clock().toISOString();
    return {
      ...n,
      id: `${n.id}.resolve`,
      createdAt: endsAt,
      group: { ...n.group, status: 'resolved', alerts: [{ ...alert, status: 'resolved', endsAt }] },
    };
  };

  const results = new Map<string, ChannelTestResult>();
  const deadline = Date.now() + (deps.waitMs ?? 15_000);
  for (;;) {
    const pastDeadline = Date.now() >= deadline;
    for (const s of sent) {
      const result: ChannelTestResult = { channel: s.channel, ...(await progress(deps, s.n.id)) };
      // Resolve once the trigger is delivered; at the deadline, also one still in flight (it may yet land).
      const wantsResolve = RESOLVE_AFTER_TEST.has(s.n.channel.type) && (result.status === 'delivered' || (pastDeadline && !isFinal(result.status)));
      if (wantsResolve && !s.resolve) {
        s.resolve = resolveOf(s.n);
        await enqueue(deps, s.resolve);
      }
      if (s.resolve) result.resolve = await progress(deps, s.resolve.id);
      results.set(s.n.id, result);
    }
    // A delivered PagerDuty trigger has its resolve queued above, so it is not settled until that is.
    const settled = [...results.values()].every((r) => isFinal(r.status) && (!r.resolve || isFinal(r.resolve.status)));
    if (settled || pastDeadline) break;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 250));
  }
  return sent.map(({ n }) => results.get(n.id)!);
}

function isFinal(status: TestDeliveryStatus): boolean {
  return status !== 'pending' && status !== 'retrying';
}

function enqueue(deps: TestReceiverDeps, n: NotificationMessage): Promise<void> {
  return deps.queues.send(channelQueueName(n.channel.type), [{ id: 'test', body: JSON.stringify(n) }]);
}

/** What the delivery record of `notificationId` says so far. */
async function progress(deps: TestReceiverDeps, notificationId: string): Promise<Omit<ChannelTestResult, 'channel' | 'resolve'>> {
  const rec = await deps.deliveries.get(notificationId);
  const last = rec?.attempts.at(-1);
  return {
    notificationId,
    // A claimed notification has no verdict yet.
    status: rec && rec.status !== 'in_progress' ? rec.status : 'pending',
    ...(rec?.target ? { target: rec.target } : {}),
    attempts: rec?.attempts.length ?? 0,
    ...(last ? { last: { outcome: last.outcome, status: last.status, reason: last.reason, latencyMs: last.latencyMs } } : {}),
  };
}
