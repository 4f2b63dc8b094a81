import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The request context API Gateway (payload format 2.0) gives a request, as the local runtime stands
 * in for it: one account, API and stage, whatever the request. The local server builds every
 * event's from here, and the ingest workers' warm-up its requests'.
 */
export function localRequestContext(req: {
  routeKey: string;
  method: string;
  path: string;
  /** Lower-cased names: `host` and `user-agent` are read from them. */
  headers: Record<string, string>;
  protocol: string;
  sourceIp: string;
  requestId: string;
}): APIGatewayProxyEventV2['requestContext'] {
  const now = new Date();
  return {
    accountId: '000000000000',
    apiId: 'local',
    domainName: req.headers.host ?? 'localhost',
    domainPrefix: 'local',
    http: { method: req.method, path: req.path, protocol: req.protocol, sourceIp: req.sourceIp, userAgent: req.headers['user-agent'] ?? '' },
    requestId: req.requestId,
    routeKey: req.routeKey,
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
  };
}
