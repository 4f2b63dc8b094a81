import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SecretResolver } from '../primitives/secrets';
import type { AuthConfig, AuthToken } from '../config/schema';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../errors';
import { header } from '../http/request';
import { routeScope, SCOPES, type Scope } from '../http/routes';

/** Who made a request: the token's name (recorded as the actor of any change) and its scopes. */
export interface Principal {
  name: string;
  scopes: readonly Scope[];
}

/**
 * Every accepted token. Deprecated `bearer_tokens` entries have every scope and are named after
 * their key path (`bearer_tokens[0]`), which no `tokens` name can be.
 */
export function authTokens(auth: AuthConfig): AuthToken[] {
  const legacy = (auth.bearer_tokens ?? []).map((secret, i): AuthToken => ({ name: `bearer_tokens[${i}]`, secret, scopes: [...SCOPES] }));
  return [...auth.tokens, ...legacy];
}

/**
 * Bearer-token authentication: the principal of the token presented, or 401. Tokens are compared as
 * SHA-256 digests with timingSafeEqual, against every configured token with no early exit, so the
 * time taken tells neither the token's length or content nor which token (if any) matched.
 */
export async function authenticate(event: APIGatewayProxyEventV2, tokens: readonly AuthToken[], secrets: SecretResolver): Promise<Principal> {
  const auth = header(event, 'authorization');
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!match) throw new AuthenticationError('missing bearer token (send "Authorization: Bearer <token>")');
  const presented = digest(match[1]!);
  const accepted = await Promise.all(tokens.map((t) => secrets.resolve(t.secret)));
  let found: AuthToken | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const equal = timingSafeEqual(presented, digest(accepted[i]!));
    if (equal && found === undefined) found = tokens[i];
  }
  if (!found) throw new AuthenticationError('invalid bearer token');
  return { name: found.name, scopes: found.scopes };
}

/** 403 naming the missing scope unless `principal` has `scope`; `action` names what was asked (a route key). */
export function authorize(principal: Principal, scope: Scope, action: string): void {
  if (principal.scopes.includes(scope)) return;
  throw new ForbiddenError(`token ${JSON.stringify(principal.name)} lacks the "${scope}" scope, which ${action} requires`, {
    missing_scope: scope,
    token: principal.name,
    scopes: principal.scopes,
  });
}

/**
 * The before-step of every authenticated route: authenticate the request, then check the scope
 * its route needs in HTTP_ROUTES (by API Gateway's `routeKey`). 401 without a valid token, 403
 * naming the missing scope, 404 for a route the table does not have.
 */
export async function authorizeRoute(event: APIGatewayProxyEventV2, auth: AuthConfig, secrets: SecretResolver): Promise<Principal> {
  const scope = routeScope(event.routeKey);
  if (scope === undefined) throw new NotFoundError(`no route ${event.routeKey}`);
  if (scope === 'public') throw new Error(`${event.routeKey} is public: it must be answered before authorization`);
  const principal = await authenticate(event, authTokens(auth), secrets);
  authorize(principal, scope, event.routeKey);
  return principal;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
