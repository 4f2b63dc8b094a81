import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SecretResolver } from '../primitives/secrets';
import { ValidationError } from '../errors';
import { json, type HttpResult } from '../http/responses';
import { authenticate, authorize, authTokens } from '../runtime/auth';
import type { CompiledConfig } from '../runtime/compiled-config';
import { deepHealth, type DeepHealthDeps } from '../self-monitoring/health';

/**
 * GET /v1/health: public and constant (`{"status":"ok"}`: the function answers). With `?deep=1`
 * and a `read` token, the deep report (self-monitoring/health.ts): 200 when nothing is wrong,
 * else 503 with the problems, so an uptime monitor can watch it.
 */
export interface HealthDeps extends DeepHealthDeps {
  config: Pick<CompiledConfig, 'raw' | 'heartbeats'>;
  secrets: SecretResolver;
  clock: () => Date;
}

export async function health(event: APIGatewayProxyEventV2, deps: HealthDeps): Promise<HttpResult> {
  const now = deps.clock();
  if (!isDeep(event.queryStringParameters?.deep)) return json(200, { status: 'ok', time: now.toISOString() });
  // The route is public; its deep form shows internals, so it takes a token like the read API.
  const principal = await authenticate(event, authTokens(deps.config.raw.auth), deps.secrets);
  authorize(principal, 'read', 'GET /v1/health?deep=1');
  const report = await deepHealth(deps, now);
  return json(report.status === 'ok' ? 200 : 503, report);
}

function isDeep(value: string | undefined): boolean {
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new ValidationError(`deep must be 1 or 0 (got ${JSON.stringify(value.slice(0, 20))})`, [{ path: 'deep', message: '1, true, 0 or false' }]);
}
