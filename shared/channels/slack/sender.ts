import { createHash } from 'node:crypto';
import type { SlackConfig } from './config';
import { postAndClassify, type ChannelSender } from '../channel';
import { renderSlack } from './render';

/** Slack answers within a second or two; a slow answer is better retried than waited on. */
export const SLACK_TIMEOUT_MS = 10_000;

/**
 * Posts to a Slack incoming webhook. 200 is success; 429 (about one message per second per
 * webhook) and 5xx retry, honouring Retry-After; 400 invalid_payload, 403 action_prohibited,
 * 404 channel_not_found and 410 channel_is_archived are permanent.
 */
export const slackSender: ChannelSender<SlackConfig> = {
  type: 'slack',
  render: renderSlack,
  send(ctx, n, config) {
    return postAndClassify(ctx, 'slack', async () => {
      const url = await ctx.secrets.resolve(config.webhook_url);
      return { url, request: renderSlack(n, config), timeoutMs: SLACK_TIMEOUT_MS, secrets: [url] };
    });
  },
  // Slack allows about one message per second per incoming webhook; pace to it rather than
  // collecting 429s during a storm. The webhook is identified by a hash: its URL is a secret.
  async rateLimit(ctx, config) {
    const url = await ctx.secrets.resolve(config.webhook_url);
    return { target: `slack:${createHash('sha256').update(url).digest('hex').slice(0, 32)}`, intervalMs: SLACK_INTERVAL_MS };
  },
};

/** Slack's documented rate for incoming webhooks: one message per second (short bursts tolerated). */
export const SLACK_INTERVAL_MS = 1_000;
