import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { HTTP_ROUTES, type HttpFunction } from '../shared/http/routes';
import { ENV, MAX_RECEIVES } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';
import { QueueWithDlq, deadLetterQueue } from './queue';

/** Requests per second (steady) and burst for the whole HTTP API. */
export interface HttpThrottling {
  /** @default 50 */
  readonly rateLimit?: number;
  /** @default 100 */
  readonly burstLimit?: number;
}

export const DEFAULT_THROTTLING: Required<HttpThrottling> = { rateLimit: 50, burstLimit: 100 };

/** The EventBridge pattern of CloudWatch alarm state changes on the default bus. */
export const ALARM_EVENT_PATTERN = { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] };

export interface IngestionProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
  /** Timeout and batching window of the alerts queue's consumer (the router). */
  readonly alertsConsumer: { readonly timeout: Duration; readonly batchingWindow: Duration };
  /** The function that serves the HTTP routes whose `fn` is `api`. */
  readonly apiFunction: IFunction;
  /** @default DEFAULT_THROTTLING */
  readonly throttling?: HttpThrottling;
}

/**
 * Everything that brings alerts in: the ingest function, the `alerts` queue it writes to, the HTTP
 * API (routes from HTTP_ROUTES), an EventBridge rule for CloudWatch alarm state changes and an SNS
 * topic that alarm actions can target.
 *
 * The two asynchronous paths (EventBridge and SNS invoke Lambda asynchronously) share one dead-letter
 * queue, `asyncDlq`: events EventBridge or SNS could not deliver (bodies: the event, or the SNS
 * message) and invocations that still failed after Lambda's retries (bodies: Lambda's on-failure
 * record, with the event in `requestPayload`).
 */
export class Ingestion extends Construct {
  readonly function: AlertflowFunction;
  readonly alerts: QueueWithDlq;
  readonly asyncDlq: Queue;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly alarmTopic: Topic;
  readonly alarmRule: Rule;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);

    this.alerts = new QueueWithDlq(this, 'Alerts', {
      maxReceiveCount: MAX_RECEIVES.alerts,
      consumerTimeout: props.alertsConsumer.timeout,
      consumerBatchingWindow: props.alertsConsumer.batchingWindow,
    });

    this.function = new AlertflowFunction(this, 'Ingest', {
      ...functionSettings('ingest', props),
      config: props.config,
      // The table name only (no table permissions): the runtime's ports require the variable.
      environment: { [ENV.table]: props.table.tableName, [ENV.alertsQueueUrl]: this.alerts.queue.queueUrl },
    });
    const ingest = this.function.fn;
    this.alerts.queue.grantSendMessages(ingest);

    // Asynchronous invocations (EventBridge, SNS): retry twice, then keep the event.
    this.asyncDlq = deadLetterQueue(this, 'AsyncDlq');
    ingest.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.asyncDlq),
    });

    // HTTP API.
    const throttling = { ...DEFAULT_THROTTLING, ...props.throttling };
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-alertflow`,
      description: 'alertflow webhooks and API',
      // The default stage is added below so it can carry throttling and access logging.
      createDefaultStage: false,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: throttling,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });
    const integrations: Record<HttpFunction, HttpLambdaIntegration> = {
      ingest: new HttpLambdaIntegration('Ingest', ingest, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
      api: new HttpLambdaIntegration('Api', props.apiFunction, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
    };
    for (const route of HTTP_ROUTES) {
      for (const r of this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration: integrations[route.fn] })) {
        Validations.of(r).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Authorization happens in the Lambda (bearer token or HMAC signature, compared in constant time): ' +
            'webhook senders such as Alertmanager and Grafana cannot sign SigV4 or obtain Cognito/JWT tokens, ' +
            'and a Lambda authorizer would add a second invocation per request for the same check.',
        });
      }
    }

    // CloudWatch alarm state changes through EventBridge (no alarm configuration needed).
    this.alarmRule = new Rule(this, 'AlarmStateChange', {
      description: 'CloudWatch alarm state changes to alertflow',
      eventPattern: ALARM_EVENT_PATTERN,
      targets: [
        new LambdaFunction(ingest, {
          deadLetterQueue: this.asyncDlq,
          retryAttempts: 20,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // An SNS topic for alarm actions. Not KMS-encrypted on purpose: CloudWatch cannot publish to a
    // topic encrypted with the AWS-managed aws/sns key, and a customer-managed key costs $1/month
    // while idle; the topic only carries alarm state changes, and requires TLS.
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'alertflow alarms', enforceSSL: true });
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.alarmTopic.addSubscription(new LambdaSubscription(ingest, { deadLetterQueue: this.asyncDlq }));

  }
}

/**
 * One JSON object per request; no headers, so no bearer token. No path either: a signed incident
 * link (`/v1/links/<link>`) and a heartbeat's ping key (`/v1/heartbeats/<name>/<key>`) are
 * credentials in the path, and the route key names the route without them.
 */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      route: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      latency: '$context.responseLatency',
      integrationStatus: '$context.integrationStatus',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      error: '$context.error.message',
    }),
  );
}
