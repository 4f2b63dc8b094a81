import { randomUUID } from 'node:crypto';
import { fingerprint } from '../alerts/fingerprint';
import type { Alert } from '../alerts/model';
import { channelEntries } from '../channels/keys';
import { NotFoundError } from '../errors';
import type { NotificationMessage } from '../queues/messages';
import { channelQueueName } from '../queues/names';
import type { QueuePort } from '../queues/port';
import type { CompiledConfig } from '../runtime/compiled-config';
import type { DeliveryAttempt, DeliveryStore } from '../store/deliveries';

export interface TestReceiverDeps {
  config: CompiledConfig;
  queues: QueuePort;
  deliveries: DeliveryStore;
  clock: () => Date;
  /** How long to wait for the senders' verdicts before reporting what is known. */
  waitMs?: number;
  pollMs?: number;
}

export interface ChannelTestResult {
  channel: string;
  notificationId: string;
  /** `pending`: no attempt recorded yet within the wait. */
  status: 'delivered' | 'failed' | 'retrying' | 'dead_lettered' | 'pending';
  target?: string;
  attempts: number;
  last?: Pick<DeliveryAttempt, 'outcome' | 'status' | 'reason' | 'latencyMs'>;
}

/** Labels that mark a test notification, so routing rules and people can tell it apart. */
export const TEST_LABELS = { alertname: 'AlertflowTestNotification', severity: 'info', alertflow_test: 'true' } as const;

/**
 * Send a clearly marked test notification to every channel of a receiver through the real path
 * (the channel queues, the sender functions, delivery records) and report what each channel did.
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
      group: { id: `test-${run}`, key: `{}:{alertname="${TEST_LABELS.alertname}"}`, labels: { alertname: TEST_LABELS.alertname }, status: 'firing', alerts: [alert], truncatedAlerts: 0 },
      ...(deps.config.raw.external_url ? { externalURL: deps.config.raw.external_url } : {}),
    };
    return { channel: `${entry.type}[${entry.index}]`, n };
  });
  await Promise.all(sent.map(({ n }) => deps.queues.send(channelQueueName(n.channel.type), [{ id: 'test', body: JSON.stringify(n) }])));

  const results = new Map<string, ChannelTestResult>();
  const deadline = Date.now() + (deps.waitMs ?? 15_000);
  for (;;) {
    for (const { channel, n } of sent) {
      const rec = await deps.deliveries.get(n.id);
      const last = rec?.attempts.at(-1);
      results.set(n.id, {
        channel,
        notificationId: n.id,
        // A claimed notification has no verdict yet.
        status: rec && rec.status !== 'in_progress' ? rec.status : 'pending',
        ...(rec?.target ? { target: rec.target } : {}),
        attempts: rec?.attempts.length ?? 0,
        ...(last ? { last: { outcome: last.outcome, status: last.status, reason: last.reason, latencyMs: last.latencyMs } } : {}),
      });
    }
    const settled = [...results.values()].every((r) => r.status !== 'pending' && r.status !== 'retrying');
    if (settled || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 250));
  }
  return sent.map(({ n }) => results.get(n.id)!);
}
