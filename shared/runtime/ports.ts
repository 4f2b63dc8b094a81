import type { SecretResolver } from '../primitives/secrets';
import type { HttpPort } from '../channels/http';
import type { MailPort, SmsPort } from '../channels/ports';
import type { Logger } from '../log';
import type { QueueAdmin, QueueDepths, QueuePort } from '../queues/port';
import type { MetricsPort } from '../metrics/catalog';
import type { UiAsset } from '../ui/serve';
import type { SchedulerPort } from '../schedules/port';
import type { Stores } from '../store/port';
import type { CompiledConfig } from './compiled-config';
import type { CredentialsPort, MetricDataPort } from '../checks/sources/port';

export type Clock = () => Date;

/**
 * Everything the domain core needs from the outside world. The Lambda adapters build these from
 * AWS clients (shared/runtime/aws.ts); the local runtime and tests build them from local stand-ins.
 */
export interface Ports {
  config: CompiledConfig;
  /** The state: DynamoDB on AWS, SQLite (or DynamoDB on dynalite) locally. */
  stores: Stores;
  queues: QueuePort;
  queueAdmin: QueueAdmin;
  /** One-time schedules (group flushes beyond SQS's 15-minute delay). */
  scheduler: SchedulerPort;
  secrets: SecretResolver;
  http: HttpPort;
  mail: MailPort;
  sms: SmsPort;
  clock: Clock;
  log: Logger;
  /** CloudWatch GetMetricData, for threshold checks (the checks function and the API's evaluate). */
  metricData?: MetricDataPort;
  /** The function's AWS credentials, to sign Amazon Managed Prometheus queries (SigV4). */
  awsCredentials?: CredentialsPort;
  /** alertflow's own metrics (EMF deployed, Prometheus locally); unset in tests that do not count. */
  metrics?: MetricsPort;
  /** The dashboard's files: deployed, bundled at synth (the default); locally, built on first use. */
  uiAssets?: () => Promise<ReadonlyMap<string, UiAsset>>;
  /** Queue and DLQ depths, for GET /v1/health?deep=1 (the api's). */
  queueDepths?: QueueDepths;
  /** Delivery retry base delay; unset means the default (1 s). */
  retryBaseMs?: number;
  /** Jitter source in [0, 1) of the delivery back-off; unset means Math.random (tests pin it). */
  retryJitter?: () => number;
  /**
   * Where people reach this alertflow when the config sets no `external_url` (the local runtime's
   * own URL): the base of the links in notifications.
   */
  publicUrl?: () => string | undefined;
}
