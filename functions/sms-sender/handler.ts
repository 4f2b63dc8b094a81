import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** sms sender adapter: the shared sender body, bound to the sms channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('sms', ports);

export const handler = lazyHandler('sms-sender', createHandler);
