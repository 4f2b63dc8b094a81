import type { WebhookConfig } from './config';
import { postAndClassify, timeoutMsOf, type ChannelSender } from '../channel';
import { renderWebhook } from './render';
import { signatureHeaders } from './sign';

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
      const timeoutMs = timeoutMsOf('webhook', config.timeout);
      const url = await ctx.secrets.resolve(config.url);
      const key = config.hmac_secret === undefined ? undefined : await ctx.secrets.resolve(config.hmac_secret);
      const request = renderWebhook(n, config);
      if (key !== undefined) Object.assign(request.headers, signatureHeaders(key, request.body, ctx.now()));
      // Configured header values are often credentials (Authorization: Bearer …): scrub them too,
      // and their long words alone (the token without its scheme, as a server may echo it).
      const headerValues = Object.values(config.headers).flatMap((v) => [v, ...v.split(/\s+/).filter((word) => word.length >= 8)]);
      const secrets = [url, ...(key === undefined ? [] : [key]), ...headerValues];
      return { url, request, timeoutMs, secrets };
    });
  },
};
