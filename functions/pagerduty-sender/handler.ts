import { pagerdutySender } from '../../shared/channels/pagerduty/sender';
import { createSenderHandler, type SenderPorts } from '../../shared/delivery/sender-handler';
import { awsHttp, awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';

/** pagerduty sender adapter: the shared sender body, bound to the pagerduty channel (only its renderer is bundled) and its queue. */
export const createHandler = (ports: SenderPorts) => createSenderHandler(pagerdutySender, ports);

export const handler = lazyHandler('pagerduty-sender', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsSecrets(), ...awsHttp() }), createHandler);
