import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** email sender adapter: the shared sender body, bound to the email channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('email', ports);

export const handler = lazyHandler('email-sender', createHandler);
