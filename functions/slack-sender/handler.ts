import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** Slack sender adapter: the shared sender body, bound to the slack channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('slack', ports);

export const handler = lazyHandler('slack-sender', createHandler);
