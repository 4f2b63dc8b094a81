import { parseDuration } from '../../config/duration';
import type { WebhookConfig } from '../../config/schema';
import { ConfigError } from '../../errors';
import { postAndClassify, type ChannelSender } from '../channel';
import { renderWebhook } from './render';
import { signatureHeaders } from './sign';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Posts the rendered body to `url` (a plain URL, or a secret reference when the URL carries a
 * credential) with the configured headers, `Idempotency-Key: <notification id>`, and, with
 * `hmac_secret`, the X-Alertflow-Timestamp / X-Alertflow-Signature pair (see ./sign.ts).
 * 2xx is success; 408, 429 and 5xx retry (honouring Retry-After); any other status is permanent.
 */
export const webhookSender: ChannelSender<WebhookConfig> = {
  type: 'webhook',
  render: renderWebhook,
  send(ctx, n, config) {
    return postAndClassify(ctx, 'webhook', async () => {
      const timeoutMs = timeoutOf(config);
      const url = await ctx.secrets.resolve(config.url);
      const key = config.hmac_secret === undefined ? undefined : await ctx.secrets.resolve(config.hmac_secret);
      const request = renderWebhook(n, config);
      if (key !== undefined) Object.assign(request.headers, signatureHeaders(key, request.body, ctx.now()));
      // Configured header values are often credentials (Authorization: Bearer …): scrub them too.
      const secrets = [url, ...(key === undefined ? [] : [key]), ...Object.values(config.headers)];
      return { url, request, timeoutMs, secrets };
    });
  },
};

function timeoutOf(config: WebhookConfig): number {
  let ms: number;
  try {
    ms = parseDuration(config.timeout);
  } catch (err) {
    throw new ConfigError(`webhook timeout ${JSON.stringify(config.timeout)} is not a duration`, [{ path: 'timeout', message: 'not a duration' }], { cause: err });
  }
  // "0" would abort every request at once; treat it as "the default".
  return ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}
