import * as z from 'zod';
import { ChannelCommon } from '../../primitives/schemas';
import { templateSource } from '../templating';

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number like +15551234567');

/**
 * `sms_configs[]`: SNS Publish to phone numbers (Transactional). `message` is an optional template
 * over Alertmanager's template data; its output is cut to two SMS parts after rendering.
 */
export const SmsConfig = z
  .object({
    ...ChannelCommon,
    to: z.array(E164).min(1),
    message: templateSource('message').optional(),
  })
  .strict();
export type SmsConfig = z.infer<typeof SmsConfig>;
