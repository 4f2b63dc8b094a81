import { parseDuration } from '../../config/duration';
import { ConfigError } from '../../errors';
import type { NotificationMessage } from '../../queues/messages';
import { postAndClassify, type ChannelSender, type DeliveryResult, type SendContext } from '../channel';
import type { PagerDutyConfig } from './config';
import { actionOf, buildPagerDutyEvent, encodePagerDutyEvent, renderPagerDuty, type PagerDutyAction } from './render';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Posts Events API v2 events to `events_url`. 202 is success; 400 (an invalid event, e.g. a wrong
 * routing key length) is permanent; 429 (rate limited per routing key) and 5xx retry, as PagerDuty
 * documents, all through the shared classifier.
 */
export const pagerdutySender: ChannelSender<PagerDutyConfig> = {
  type: 'pagerduty',
  render: renderPagerDuty,
  send(ctx, n, config) {
    return sendPagerDutyEvent(ctx, n, config, actionOf(n));
  },
};

/**
 * Send one event for the notification's group. `acknowledge` is for the escalation flow (an ack in
 * alertflow acknowledges the PagerDuty alert with the same dedup key); the channel sender itself
 * only triggers and resolves.
 */
export function sendPagerDutyEvent(ctx: SendContext, n: NotificationMessage, config: PagerDutyConfig, action: PagerDutyAction): Promise<DeliveryResult> {
  return postAndClassify(ctx, 'pagerduty', async () => {
    const routingKey = await ctx.secrets.resolve(config.routing_key);
    const request = encodePagerDutyEvent(buildPagerDutyEvent(n, config, action), routingKey);
    return { url: config.events_url, request, timeoutMs: timeoutOf(config.timeout), secrets: [routingKey] };
  });
}

/** "0" means the default rather than an instant abort. */
function timeoutOf(timeout: string): number {
  let ms: number;
  try {
    ms = parseDuration(timeout);
  } catch (err) {
    // Only an unvalidated config gets here; retrying would not fix it.
    throw new ConfigError(`pagerduty timeout ${JSON.stringify(timeout)} is not a duration`, [{ path: 'timeout', message: 'not a duration' }], { cause: err });
  }
  return ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}
