import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { bundledConfig } from '../config/bundled';
import { configWarnings } from '../config/validate';
import { ssmSecretResolver } from '../config/ssm';
import { fetchHttp } from '../channels/http';
import { sesMailPort } from '../channels/email/ses';
import { snsSmsPort } from '../channels/sms/sns';
import { jsonLogger } from '../log';
import { ENV, ALERTS_QUEUE, channelQueueName } from '../queues/names';
import type { ChannelType } from '../queues/messages';
import { sqsQueueAdmin, sqsQueuePort, type QueuePair } from '../queues/sqs';
import { eventBridgeScheduler, schedulerConfigFromEnv } from '../schedules/eventbridge';
import { compileConfig } from './compiled-config';
import type { Ports } from './ports';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Ports for a deployed Lambda, built once per container from its environment. */
export function awsPorts(fn: string): Ports {
  const byType = JSON.parse(process.env[ENV.channelQueueUrls] ?? '{}') as Record<ChannelType, string>;
  const channelUrls = Object.fromEntries(Object.entries(byType).map(([type, url]) => [channelQueueName(type as ChannelType), url]));
  const alertsUrl = process.env[ENV.alertsQueueUrl];
  const sqs = new SQSClient({});
  const clock = () => new Date();
  const config = bundledConfig();
  const log = jsonLogger({ fn });
  for (const warning of configWarnings(config)) log.warn(warning);
  return {
    config: compileConfig(config),
    db: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    table: requireEnv(ENV.table),
    queues: sqsQueuePort(sqs, { ...channelUrls, ...(alertsUrl ? { [ALERTS_QUEUE]: alertsUrl } : {}) }),
    queueAdmin: sqsQueueAdmin(sqs, JSON.parse(process.env[ENV.dlqs] ?? '{}') as Record<string, QueuePair>),
    // Config is read on the first create/delete: functions that never schedule set none of it.
    scheduler: eventBridgeScheduler({ config: () => schedulerConfigFromEnv(process.env), clock }),
    secrets: ssmSecretResolver(new SSMClient({})),
    http: fetchHttp(),
    mail: sesMailPort(),
    sms: snsSmsPort(),
    clock,
    log,
  };
}

/** A Lambda handler whose ports are built on first use (so importing the module has no side effects). */
export function lazyHandler<E, R>(fn: string, create: (ports: Ports) => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let handler: ((event: E) => Promise<R>) | undefined;
  return (event) => (handler ??= create(awsPorts(fn)))(event);
}
