import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** pagerduty sender adapter: the shared sender body, bound to the pagerduty channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('pagerduty', ports);

export const handler = lazyHandler('pagerduty-sender', createHandler);
