import { postAndClassify, timeoutMsOf, type ChannelSender } from '../channel';
import type { TeamsConfig } from './config';
import { renderTeams } from './render';

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
      return { url, request: renderTeams(n, config), timeoutMs: timeoutMsOf('teams', config.timeout), secrets: [url] };
    });
  },
};
