import { smsSender } from '../../shared/channels/sms/sender';
import { createSenderHandler, type SenderPorts } from '../../shared/delivery/sender-handler';
import { awsHttp, awsQueues, awsSecrets, awsSms, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';

/** sms sender adapter: the shared sender body, bound to the sms channel (only its renderer is bundled) and its queue. */
export const createHandler = (ports: SenderPorts) => createSenderHandler(smsSender, ports);

export const handler = lazyHandler('sms-sender', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsSecrets(), ...awsHttp(), ...awsSms() }), createHandler);
