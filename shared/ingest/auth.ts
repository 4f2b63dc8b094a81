import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SecretResolver } from '../config/secrets';
import type { SecretRef } from '../config/schema';
import { AuthenticationError } from '../errors';
import { header } from '../http/request';

/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests with timingSafeEqual, so the
 * comparison takes the same time whatever the length or content of the presented token.
 */
export async function authenticate(event: APIGatewayProxyEventV2, tokens: readonly SecretRef[], secrets: SecretResolver): Promise<void> {
  const auth = header(event, 'authorization');
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!match) throw new AuthenticationError('missing bearer token (send "Authorization: Bearer <token>")');
  const presented = digest(match[1]!);
  const accepted = await Promise.all(tokens.map((t) => secrets.resolve(t)));
  let ok = false;
  for (const token of accepted) ok = timingSafeEqual(presented, digest(token)) || ok;
  if (!ok) throw new AuthenticationError('invalid bearer token');
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
