import { createSenderHandler } from '../../shared/delivery/sender-handler';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';

/** teams sender adapter: the shared sender body, bound to the teams channel and its queue. */
export const createHandler = (ports: Ports) => createSenderHandler('teams', ports);

export const handler = lazyHandler('teams-sender', createHandler);
