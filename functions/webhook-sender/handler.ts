import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** Webhook sender adapter: the shared sender body, bound to the webhook channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('webhook', ports);

export const handler = lazyHandler('webhook-sender', createHandler);
