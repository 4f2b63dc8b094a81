import type { ChannelSender } from '../channel';
import { deliverViaPort, portRenderOptions } from '../port-channel';
import { fromAddress, type EmailConfig } from './config';
import { buildEmail, renderEmail } from './render';

/**
 * Email through the MailPort (SES v2 SendEmail when deployed, the outbox locally): one message to
 * all of `to` and `cc`. SES's verdict is classified by the adapter (./ses.ts): MessageRejected,
 * an unverified identity or a suspended account are permanent; throttling and outages retry.
 *
 * `target` is `email:<domain of the first recipient>`. Addresses are personal data: they are kept
 * out of the target, and out of the outcome's reason even if a port's error quotes them.
 */
export const emailSender: ChannelSender<EmailConfig> = {
  type: 'email',
  render: (n, config) => renderEmail(n, config, portRenderOptions(n)),
  send(ctx, n, config) {
    const personal = [...config.to, ...config.cc, config.from, fromAddress(config.from)];
    return deliverViaPort(emailTarget(config), personal, () => ctx.mail.send(buildEmail(n, config, portRenderOptions(n))));
  },
};

export function emailTarget(config: Pick<EmailConfig, 'to'>): string {
  const first = config.to[0] ?? '';
  const at = first.lastIndexOf('@');
  return at >= 0 ? `email:${first.slice(at + 1).toLowerCase()}` : 'email:unresolved';
}
