import { PortDeliveryError } from './ports';

/** Which error names of one AWS operation are worth retrying, and which never are. */
export interface AwsErrorRules {
  retryable: ReadonlySet<string>;
  permanent: ReadonlySet<string>;
}

/** What of an AWS SDK error is safe to keep: no message (SES and SNS quote addresses and numbers in it). */
export interface AwsErrorInfo {
  name: string;
  fault?: 'client' | 'server';
  httpStatusCode?: number;
  requestId?: string;
}

/**
 * An SDK v3 error as a PortDeliveryError: retryable or not by name first (the lists), then by what
 * the SDK says (`$retryable` marks throttling, `$fault: server` a 5xx), then: any other modelled
 * client error (4xx) is permanent, and an error without a fault (network, timeout, credentials
 * refresh) is retryable, since the DLQ keeps what a retry cannot fix.
 *
 * The message and `cause` hold only the error's name, status and request id; the SDK's message
 * is dropped because it may quote recipients (personal data).
 */
export function awsPortError(operation: string, err: unknown, rules: AwsErrorRules): PortDeliveryError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const name = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9_.:-]{0,79}$/.test(e.name) ? e.name : 'UnknownError';
  const fault = e.$fault === 'client' || e.$fault === 'server' ? e.$fault : undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const requestId = typeof e.$metadata?.requestId === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(e.$metadata.requestId) ? e.$metadata.requestId : undefined;

  const retryable = rules.retryable.has(name)
    ? true
    : rules.permanent.has(name)
      ? false
      : e.$retryable
        ? true
        : fault === 'server' || (status !== undefined && status >= 500)
          ? true
          : fault !== 'client';

  const info: AwsErrorInfo = { name, ...(fault && { fault }), ...(status !== undefined && { httpStatusCode: status }), ...(requestId && { requestId }) };
  const detail = [status !== undefined ? `HTTP ${status}` : undefined, requestId ? `request ${requestId}` : undefined].filter(Boolean).join(', ');
  return new PortDeliveryError(`${operation} failed: ${name}${detail ? ` (${detail})` : ''}`, retryable, { cause: info });
}
