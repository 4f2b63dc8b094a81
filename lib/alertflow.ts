import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import type { ChannelType } from '../shared/queues/messages';
import { ALERTS_QUEUE, ENV, ESCALATIONS_QUEUE, SERVICE_DLQS, channelQueueName, dlqName } from '../shared/queues/names';
import { probeTarget } from '../shared/self-monitoring/probe';
import { SelfMonitoring } from './self-monitoring';
import { Api } from './api';
import { Channels, senderFunctionName } from './channels';
import { type FunctionName, type SharedFunctionOptions, functionSettings } from './function';
import { type HttpThrottling, Ingestion } from './ingestion';
import { ROUTER_BATCHING_WINDOW, Routing } from './routing';
import { Secrets, deployedSecrets } from './secrets';
import { Escalation } from './escalation';
import { Checks, grantCheckSources } from './checks';
import { State } from './state';

export interface AlertflowProps extends SharedFunctionOptions {
  /**
   * The validated configuration (`loadConfigFile` / `parseConfig`). It is bundled into every
   * function; its secrets must be SSM references (checked here, so synth fails otherwise).
   */
  readonly config: Config;
  /** Removal policy of the state table. @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Stage-wide throttling of the HTTP API. @default { rateLimit: 50, burstLimit: 100 } */
  readonly throttling?: HttpThrottling;
  // Inherited from SharedFunctionOptions:
  //   logRetention  (default RetentionDays.ONE_MONTH) for function and access logs
  //   sourceMaps    (default false)
  //   sizing        (default FUNCTION_DEFAULTS) memory/timeout per function
  //   projectRoot   (default: this package's root) where functions/ and package-lock.json live
}

/**
 * alertflow: alerts come in through `ingestion` (HTTP API, EventBridge, SNS), the router in
 * `routing` decides who to notify, and one sender per channel type in `channels` delivers; `api`
 * serves the read API; all state is in the one table of `state`. Embeddable in any stack.
 */
export class Alertflow extends Construct {
  readonly state: State;
  readonly api: Api;
  readonly channels: Channels;
  readonly ingestion: Ingestion;
  readonly routing: Routing;
  /** Set when the config has escalation policies. */
  readonly escalation?: Escalation;
  /** Set when the config has heartbeats. */
  readonly checks: Checks;
  readonly secrets: Secrets;
  /** Set when the config has `self_monitoring`: alarms on alertflow itself and the synthetic heartbeat. */
  readonly selfMonitoring?: SelfMonitoring;

  constructor(scope: Construct, id: string, props: AlertflowProps) {
    super(scope, id);
    // Fail on undeployable secrets before creating anything (the error names every key path).
    deployedSecrets(props.config);

    const { config } = props;
    const fnOptions: SharedFunctionOptions = {
      logRetention: props.logRetention,
      sourceMaps: props.sourceMaps,
      sizing: props.sizing,
      projectRoot: props.projectRoot,
    };

    this.state = new State(this, 'State', { removalPolicy: props.tableRemovalPolicy });
    const table = this.state.table;

    this.channels = new Channels(this, 'Channels', { ...fnOptions, config, table });
    this.api = new Api(this, 'Api', { ...fnOptions, config, table, channels: this.channels.byType });
    this.ingestion = new Ingestion(this, 'Ingestion', {
      ...fnOptions,
      config,
      table,
      apiFunction: this.api.function.fn,
      throttling: props.throttling,
      alertsConsumer: { timeout: functionSettings('router', fnOptions).timeout, batchingWindow: ROUTER_BATCHING_WINDOW },
    });
    this.api.sendToAlertsQueue(this.ingestion.alerts.queue);
    const channelQueues = {} as Record<ChannelType, IQueue>;
    for (const channel of Object.values(this.channels.byType)) channelQueues[channel.type] = channel.notifications.queue;
    this.routing = new Routing(this, 'Routing', {
      ...fnOptions,
      config,
      table,
      alertsQueue: this.ingestion.alerts.queue,
      channelQueues,
    });

    // Escalation only where the config has policies: its queue's polling and the audit schedule
    // would cost something every month for nothing otherwise.
    if (config.escalation_policies.length > 0) {
      this.escalation = new Escalation(this, 'Escalation', {
        ...fnOptions,
        config,
        table,
        scheduleGroup: this.routing.scheduleGroup,
        alertsQueue: this.ingestion.alerts.queue,
        alertsSchedulerRole: this.routing.schedulerRole,
        channelQueues,
      });
      this.escalation.grantTimers(this.routing.function.fn);
      this.escalation.grantTimers(this.api.function.fn);
    }

    // Always: checks can be made through the API at any time. An idle tick costs one Query a minute.
    this.checks = new Checks(this, 'Checks', { ...fnOptions, config, table, alertsQueue: this.ingestion.alerts.queue, scheduleGroup: this.routing.scheduleGroup, channelQueues });
    // The api's `POST /v1/checks/{name}/evaluate` queries the sources too.
    grantCheckSources(this.api.function.fn, this.api.function.role);

    const readers: Partial<Record<FunctionName, IGrantable>> = {
      ingest: this.ingestion.function.role,
      api: this.api.function.role,
      router: this.routing.function.role,
      ...(this.escalation ? { escalator: this.escalation.function.role } : {}),
    };
    for (const channel of Object.values(this.channels.byType)) {
      readers[senderFunctionName(channel.type)] = channel.function.role;
    }
    this.secrets = new Secrets(this, 'Secrets', { config, readers });

    // Every queue by its logical name (GET /v1/health?deep=1 and self-monitoring name them so).
    const queues: Record<string, IQueue> = { [ALERTS_QUEUE]: this.ingestion.alerts.queue };
    const deadLetterQueues: Record<string, IQueue> = {
      [dlqName(ALERTS_QUEUE)]: this.ingestion.alerts.dlq,
      [SERVICE_DLQS.ingestAsync]: this.ingestion.asyncDlq,
      [SERVICE_DLQS.checksTick]: this.checks.dlq,
    };
    for (const channel of Object.values(this.channels.byType)) {
      queues[channelQueueName(channel.type)] = channel.notifications.queue;
      deadLetterQueues[dlqName(channelQueueName(channel.type))] = channel.notifications.dlq;
    }
    if (this.escalation) {
      queues[ESCALATIONS_QUEUE] = this.escalation.queue.queue;
      deadLetterQueues[dlqName(ESCALATIONS_QUEUE)] = this.escalation.queue.dlq;
    }
    // The api's environment names the source queues; their redrive policies name their DLQs.
    this.api.reportQueues([this.ingestion.alerts.dlq, ...(this.escalation ? [this.escalation.queue.dlq] : [])], {
      [SERVICE_DLQS.ingestAsync]: this.ingestion.asyncDlq,
      [SERVICE_DLQS.checksTick]: this.checks.dlq,
    });

    const functions: Partial<Record<FunctionName, LambdaFunction>> = {
      ingest: this.ingestion.function.fn,
      api: this.api.function.fn,
      router: this.routing.function.fn,
      checks: this.checks.function.fn,
      ...(this.escalation ? { escalator: this.escalation.function.fn } : {}),
    };
    for (const channel of Object.values(this.channels.byType)) functions[senderFunctionName(channel.type)] = channel.function.fn;
    // Every function publishes its metrics (EMF, shared/metrics/emf.ts) dimensioned by the deployment.
    for (const fn of Object.values(functions)) fn.addEnvironment(ENV.deployment, Stack.of(this).stackName);

    if (config.self_monitoring) {
      // The config check makes the receiver have a channel, whose type then has a sender.
      const probed = this.channels.byType[probeTarget(config)!.channel.type]!;
      this.selfMonitoring = new SelfMonitoring(this, 'SelfMonitoring', {
        config,
        deployment: Stack.of(this).stackName,
        functions,
        queues,
        deadLetterQueues,
        ingest: this.ingestion.function.fn,
        probeSender: probed.function.fn,
        table,
        escalator: this.escalation?.function.fn,
        scheduleGroup: this.routing.scheduleGroup,
      });
    }
  }
}
