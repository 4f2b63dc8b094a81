import { parseDuration } from '../../config/duration';
import { ConfigError } from '../../errors';
import { postAndClassify, type ChannelSender } from '../channel';
import type { TeamsConfig } from './config';
import { renderTeams } from './render';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Posts the Adaptive Card message to a Workflows webhook. The trigger answers 202 once the flow
 * run is queued; 429 (flow throttling) and 5xx retry, honouring Retry-After; 400 (a body the
 * trigger's schema refuses), 401/403 (a bad `sig`) and 404 (a deleted flow) are permanent.
 */
export const teamsSender: ChannelSender<TeamsConfig> = {
  type: 'teams',
  render: renderTeams,
  send(ctx, n, config) {
    return postAndClassify(ctx, 'teams', async () => {
      const url = await ctx.secrets.resolve(config.webhook_url);
      return { url, request: renderTeams(n, config), timeoutMs: timeoutOf(config.timeout), secrets: [url] };
    });
  },
};

/** "0" means the default rather than an instant abort. */
function timeoutOf(timeout: string): number {
  let ms: number;
  try {
    ms = parseDuration(timeout);
  } catch (err) {
    // Only an unvalidated config gets here; retrying would not fix it.
    throw new ConfigError(`teams timeout ${JSON.stringify(timeout)} is not a duration`, [{ path: 'timeout', message: 'not a duration' }], { cause: err });
  }
  return ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}
