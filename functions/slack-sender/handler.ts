import { slackSender } from '../../shared/channels/slack/sender';
import { createSenderHandler, type SenderPorts } from '../../shared/delivery/sender-handler';
import { awsHttp, awsQueues, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';

/** Slack sender adapter: the shared sender body, bound to the slack channel (only its renderer is bundled) and its queue. */
export const createHandler = (ports: SenderPorts) => createSenderHandler(slackSender, ports);

export const handler = lazyHandler('slack-sender', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsSecrets(), ...awsHttp() }), createHandler);
