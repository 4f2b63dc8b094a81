import type { NotificationMessage } from '../../queues/messages';
import { postAndClassify, timeoutMsOf, type ChannelSender, type DeliveryResult, type SendContext } from '../channel';
import type { PagerDutyConfig } from './config';
import { actionOf, buildPagerDutyEvent, encodePagerDutyEvent, renderPagerDuty, type PagerDutyAction } from './render';

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
    return { url: config.events_url, request, timeoutMs: timeoutMsOf('pagerduty', config.timeout), secrets: [routingKey] };
  });
}
