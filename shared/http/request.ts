import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  // API Gateway (payload 2.0) lower-cases header names; be lenient for hand-made events.
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The JSON body of a request: content type, size limit and syntax checked, in that order. */
export function jsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  const type = header(event, 'content-type');
  const mediaType = type?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType?.endsWith('+json')) throw new UnsupportedMediaTypeError(type);
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(maxBytes);
  if (text.trim() === '') throw new ValidationError('request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`malformed JSON: ${(err as Error).message}`);
  }
}
