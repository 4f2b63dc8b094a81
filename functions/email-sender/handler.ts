import { emailSender } from '../../shared/channels/email/sender';
import { createSenderHandler, type SenderPorts } from '../../shared/delivery/sender-handler';
import { awsHttp, awsMail, awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';

/** email sender adapter: the shared sender body, bound to the email channel (only its renderer is bundled) and its queue. */
export const createHandler = (ports: SenderPorts) => createSenderHandler(emailSender, ports);

export const handler = lazyHandler('email-sender', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsSecrets(), ...awsHttp(), ...awsMail() }), createHandler);
