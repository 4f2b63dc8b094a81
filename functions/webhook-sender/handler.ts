import { webhookSender } from '../../shared/channels/webhook/sender';
import { createSenderHandler, type SenderPorts } from '../../shared/delivery/sender-handler';
import { awsHttp, awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';

/** Webhook sender adapter: the shared sender body, bound to the webhook channel (only its renderer is bundled) and its queue. */
export const createHandler = (ports: SenderPorts) => createSenderHandler(webhookSender, ports);

export const handler = lazyHandler('webhook-sender', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsSecrets(), ...awsHttp() }), createHandler);
