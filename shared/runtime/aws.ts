import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { bundledConfig } from '../config/bundled';
import { configWarnings } from '../config/warnings';
import { ssmSecretResolver } from '../config/ssm';
import { nodeHttp } from '../channels/http';
import { sesMailPort } from '../channels/email/ses';
import { snsSmsPort } from '../channels/sms/sns';
import type { Context } from 'aws-lambda';
import { powertoolsLogger } from './aws-logger';
import { ENV, ALERTS_QUEUE, channelQueueName, ESCALATIONS_QUEUE } from '../queues/names';
import type { ChannelType } from '../queues/messages';
import { sqsQueueAdmin, sqsQueueDepths, sqsQueuePort, type QueuePair } from '../queues/sqs';
import { emfMetrics } from '../metrics/emf';
import { eventBridgeScheduler, schedulerConfigFromEnv } from '../schedules/eventbridge';
import { compileConfig } from './compiled-config';
import type { Ports } from './ports';

// One factory per port (or pair of ports sharing a client). Each function's handler module names the
// ones it uses, so its bundle holds only those SDK clients and commands (esbuild drops the rest: the
// client packages are side-effect free) and its container constructs only those clients. The table
// is in aws-table.ts: @aws-sdk/lib-dynamodb is not marked side-effect free, so importing it here
// would put DynamoDB into every bundle.

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** The ports every function has: the bundled config, a clock and a logger. */
export type BasePorts = Pick<Ports, 'config' | 'clock' | 'log' | 'metrics'>;

/** What every function has: the bundled config, a clock, Powertools' logger, and its metrics (EMF). */
export function awsBasePorts(fn: string): BasePorts {
  const config = bundledConfig();
  const log = powertoolsLogger(fn);
  for (const warning of configWarnings(config)) log.warn(warning);
  return { config: compileConfig(config), clock: () => new Date(), log, ...awsMetrics(fn) };
}

/** The queues this function may send to (its environment lists them), the DLQ redrive, and the depths it may read (the api's). */
export function awsQueues(): Pick<Ports, 'queues' | 'queueAdmin' | 'queueDepths'> {
  const byType = JSON.parse(process.env[ENV.channelQueueUrls] ?? '{}') as Record<ChannelType, string>;
  const channelUrls = Object.fromEntries(Object.entries(byType).map(([type, url]) => [channelQueueName(type as ChannelType), url]));
  const alertsUrl = process.env[ENV.alertsQueueUrl];
  const escalationsUrl = process.env[ENV.escalationsQueueUrl];
  const healthQueues = process.env[ENV.healthQueues];
  const sqs = new SQSClient({});
  const urls = { ...channelUrls, ...(alertsUrl ? { [ALERTS_QUEUE]: alertsUrl } : {}), ...(escalationsUrl ? { [ESCALATIONS_QUEUE]: escalationsUrl } : {}) };
  return {
    queues: sqsQueuePort(sqs, urls),
    queueAdmin: sqsQueueAdmin(sqs, JSON.parse(process.env[ENV.dlqs] ?? '{}') as Record<string, QueuePair>),
    // The deep health check (the api's): the queues above, their DLQs, and the services' DLQs it names.
    ...(healthQueues ? { queueDepths: sqsQueueDepths(sqs, urls, JSON.parse(healthQueues) as Record<string, string>) } : {}),
  };
}

/** alertflow's own metrics as EMF lines (Powertools), dimensioned by the deployment the stack names. */
export function awsMetrics(fn: string): Pick<Ports, 'metrics'> {
  const deployment = process.env[ENV.deployment];
  return deployment ? { metrics: emfMetrics(deployment, fn) } : {};
}

/** Secrets from SSM SecureString parameters. */
export function awsSecrets(): Pick<Ports, 'secrets'> {
  return { secrets: ssmSecretResolver(new SSMClient({})) };
}

/** One-time schedules; the config is read on the first create/delete and the SDK imported then. */
export function awsScheduler(base: BasePorts): Pick<Ports, 'scheduler'> {
  return { scheduler: eventBridgeScheduler({ config: () => schedulerConfigFromEnv(process.env), clock: base.clock }) };
}

export function awsHttp(): Pick<Ports, 'http'> {
  return { http: nodeHttp() };
}

/** SES, for the email sender only. */
export function awsMail(): Pick<Ports, 'mail'> {
  return { mail: sesMailPort() };
}

/** SNS SMS, for the sms sender only. */
export function awsSms(): Pick<Ports, 'sms'> {
  return { sms: snsSmsPort() };
}

/**
 * A Lambda handler whose ports are built on first use (so importing the module has no side
 * effects): the base ports, plus what `ports` adds from the factories above.
 */
export function lazyHandler<P extends BasePorts, E, R>(
  fn: string,
  ports: (base: BasePorts) => P,
  create: (ports: P) => (event: E, context?: Partial<Context>) => Promise<R>,
): (event: E, context?: Partial<Context>) => Promise<R> {
  let handler: ((event: E, context?: Partial<Context>) => Promise<R>) | undefined;
  // The invocation's context goes on to the handler: its middleware read the deadline and the request id from it.
  return (event, context) => (handler ??= create(ports(awsBasePorts(fn))))(event, context);
}
