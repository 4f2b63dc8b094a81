import * as z from 'zod';
import { ChannelCommon, RequestTimeout, SecretRef } from '../../primitives/schemas';

/** `webhook_configs[]`: a signed JSON POST. */
export const WebhookConfig = z
  .object({
    ...ChannelCommon,
    /** Target URL; a secret reference when the URL itself carries a credential. */
    url: SecretRef,
    /** `alertflow` (documented JSON body) or `alertmanager` (Alertmanager webhook v4 body). */
    format: z.enum(['alertflow', 'alertmanager']).default('alertflow'),
    /** Key for the `X-Alertflow-Signature` HMAC-SHA256 header over `timestamp.body`. */
    hmac_secret: SecretRef.optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), z.string()).default({}),
    /** Per-request timeout. */
    timeout: RequestTimeout.default('10s'),
    /** With format alertmanager: cap on alerts per message (0 = no cap), as Alertmanager's max_alerts. */
    max_alerts: z.number().int().nonnegative().default(0),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;
