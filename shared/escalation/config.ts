import * as z from 'zod';
import { Duration, SecretRef } from '../primitives/schemas';

/** Default link signing key: SSM deployed, ALERTFLOW_LINK_KEY locally (the local runtime makes one when it is unset). */
export const DEFAULT_LINK_KEY = { ssm: '/alertflow/link-signing-key', env: 'ALERTFLOW_LINK_KEY' };

/** One-click action links in incident notifications: `incident_links` of alertflow.yaml. */
export const IncidentLinksConfig = z
  .object({
    /** HMAC keys by reference: the first signs, every one verifies (add the new key first to rotate). */
    signing_keys: z.array(SecretRef).min(1).max(2, 'at most 2: the one that signs and the one being rotated out').default([DEFAULT_LINK_KEY]),
    /** How long a link works. */
    ttl: Duration.default('7d'),
  })
  .strict();
export type IncidentLinksConfig = z.infer<typeof IncidentLinksConfig>;
