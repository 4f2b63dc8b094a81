import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { HttpPort } from '../../channels/http';
import type { Logger } from '../../log';
import type { CloudWatchSource, PrometheusSource } from '../config';
import type { Observation } from '../check';

/**
 * Where checks read their values from. Type-only imports of the CloudWatch client: the adapter
 * (cloudwatch.ts) loads the SDK on first use, so a checks function without CloudWatch checks never
 * pays its init.
 */

/** CloudWatch GetMetricData, in a region (undefined: the function's own). */
export interface MetricDataPort {
  getMetricData(region: string | undefined, input: GetMetricDataCommandInput): Promise<GetMetricDataCommandOutput>;
}

/** Credentials for SigV4 (Amazon Managed Prometheus); the AWS adapter resolves the function's role. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}
export type CredentialsPort = () => Promise<AwsCredentials>;

export interface SourceDeps {
  http: HttpPort;
  metricData: MetricDataPort;
  /** Only needed by checks with `prometheus.sigv4`. */
  credentials?: CredentialsPort | undefined;
  log: Logger;
}

/** One query to run: `id` names its answer in the map a source returns. */
export interface PrometheusQuery {
  id: string;
  source: PrometheusSource;
}
export interface CloudWatchQuery {
  id: string;
  source: CloudWatchSource;
}

/** The answers, by query id; every id asked is answered (a value, no data, or an error). */
export type Observations = Map<string, Observation>;
