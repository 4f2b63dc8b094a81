/**
 * The AWS console page of a CloudWatch alarm. Used by the CloudWatch normalizer (the `console_url`
 * annotation) and by the channels, which build it for a CloudWatch alert stored without one.
 */

const CONSOLE_HOST: Record<string, (region: string) => string> = {
  aws: (region) => `${region}.console.aws.amazon.com`,
  'aws-cn': (region) => `${region}.console.amazonaws.cn`,
  'aws-us-gov': () => 'console.amazonaws-us-gov.com',
};

/** `https://<region>.console.aws.amazon.com/cloudwatch/home?region=<region>#alarmsV2:alarm/<name>` (per partition). */
export function cloudWatchConsoleUrl(partition: string, region: string, name: string): string {
  const host = (CONSOLE_HOST[partition] ?? CONSOLE_HOST.aws!)(region);
  return `https://${host}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
}

/** The partition of an ARN (`arn:<partition>:…`), if it is one. */
export function arnPartition(arn: string | undefined): string | undefined {
  return arn ? /^arn:([a-z0-9-]+):/.exec(arn)?.[1] : undefined;
}
