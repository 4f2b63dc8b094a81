import * as z from 'zod';
import { ChannelCommon } from '../../primitives/schemas';
import { templateSource } from '../templating';

/**
 * `local@domain`, the domain a host name with or without dots: Alertmanager (Go's mail.ParseAddress)
 * takes `oncall@localhost`, and so does an SES identity on a private domain.
 */
const Address = z.email({ pattern: /^[^\s@<>",]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, error: 'an email address' });

/** A bare address, or `Display Name <address>` (ASCII name, which SES takes as is). */
const NamedAddress = z.string().superRefine((value, ctx) => {
  const m = /^\s*([ -~]*?)\s*<([^<>]+)>\s*$/.exec(value);
  const address = m ? m[2]! : value;
  if (m && /["\\]/.test(m[1]!)) ctx.addIssue({ code: 'custom', message: 'a display name without quotes or backslashes' });
  if (!Address.safeParse(address).success) ctx.addIssue({ code: 'custom', message: 'an email address, or "Name <address>"' });
});

/** SES v2 SendEmail takes at most 50 recipients (To, Cc and Bcc together) per message. */
export const SES_MAX_RECIPIENTS = 50;

/**
 * `email_configs[]`: SES v2 SendEmail. `from` must be an SES-verified identity (address or domain).
 * `subject`, `html` and `text` are optional templates over Alertmanager's template data; without
 * them the default card is sent. In `html`, interpolated values are HTML-escaped.
 */
export const EmailConfig = z
  .object({
    ...ChannelCommon,
    from: NamedAddress,
    to: z.array(NamedAddress).min(1),
    cc: z.array(NamedAddress).default([]),
    subject: templateSource('subject').optional(),
    html: templateSource('html').optional(),
    text: templateSource('text').optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.to.length + c.cc.length > SES_MAX_RECIPIENTS) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `SES sends to at most ${SES_MAX_RECIPIENTS} recipients (to and cc together); use a list address` });
    }
  });
export type EmailConfig = z.infer<typeof EmailConfig>;

/** The address part of `from` (`Name <a@b>` -> `a@b`). */
export function fromAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}
