import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ChannelSender } from '../channels/channel';
import type { ChannelConfigs, SenderLookup } from '../channels/registry';
import { NotificationMessage, type ChannelType } from '../queues/messages';
import { channelQueueName, MAX_RECEIVES } from '../queues/names';
import type { Ports } from '../runtime/ports';
import { processSqsBatch, receiveCount } from '../runtime/sqs-batch';
import { DeliveryStore } from '../store/deliveries';
import { RateLimiter } from '../store/rate-limits';
import { deliver } from './deliver';

/** What a sender needs; only the email sender has a mail port, only the sms sender an SMS port. */
export type SenderPorts = Pick<Ports, 'config' | 'db' | 'table' | 'queues' | 'secrets' | 'http' | 'clock' | 'log' | 'retryBaseMs'> &
  Partial<Pick<Ports, 'mail' | 'sms'>>;

/**
 * The body shared by every channel's sender Lambda, bound to that channel's sender (and so to its
 * queue): parse, deliver, and on a retryable failure back the message off through its visibility
 * timeout before reporting it failed. A rate-limited notification is re-queued with a delay to its
 * reserved send slot instead.
 */
export function createSenderHandler<T extends ChannelType>(sender: ChannelSender<ChannelConfigs[T]>, ports: SenderPorts) {
  const type: ChannelType = sender.type;
  const queue = channelQueueName(type);
  const missing = (port: string) => ({ send: () => Promise.reject(new Error(`the ${type} sender has no ${port} port`)) });
  const deps = {
    config: ports.config,
    deliveries: new DeliveryStore(ports.db, ports.table),
    // Only this channel's notifications reach this handler (checked per record below).
    senderFor: (() => sender) as SenderLookup,
    http: ports.http,
    mail: ports.mail ?? missing('mail'),
    sms: ports.sms ?? missing('sms'),
    secrets: ports.secrets,
    clock: ports.clock,
    log: ports.log,
    retryBaseMs: ports.retryBaseMs,
    rateLimiter: new RateLimiter(ports.db, ports.table),
    queues: ports.queues,
  };
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processSqsBatch(event, ports.log, async (record) => {
      const n = NotificationMessage.parse(JSON.parse(record.body));
      if (n.channel.type !== type) throw new Error(`a ${n.channel.type} notification reached the ${type} queue`);
      const result = await deliver(n, receiveCount(record), MAX_RECEIVES.channel, deps);
      if (result.kind === 'defer') {
        // A fresh message keeps the receive count (the retry budget) for real failures.
        await ports.queues.send(queue, [{ id: 'deferred', body: JSON.stringify({ ...n, slot: result.slot }), delaySeconds: result.delaySeconds }]);
        return 'ok';
      }
      if (result.kind !== 'retry') return 'ok';
      await ports.queues.changeVisibility(queue, record.receiptHandle, result.delaySeconds);
      return 'retry';
    });
}
