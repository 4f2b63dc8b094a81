import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';

export function header(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
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

/**
 * Longest path parameter accepted, in UTF-8 bytes. Ids are UUIDs (silences) and 16-hex-digit
 * fingerprints (alerts), receiver names are short; a longer one names nothing, and DynamoDB refuses
 * a key over 1,024 bytes with an error that is not the caller's to read.
 */
export const MAX_PATH_PARAMETER_BYTES = 256;

/**
 * Longest signed incident link (`/v1/links/{link}`): its claims name the receiver (up to 200
 * characters) and the incident, so a link to a receiver with a long name passed 256 bytes. It is
 * checked by its signature, never used as a key.
 */
export const MAX_LINK_PARAMETER_BYTES = 2048;

/** A path parameter (`{id}`, `{receiver}`), checked before it reaches a store or a lookup. */
export function pathParameter(event: APIGatewayProxyEventV2, name: string, maxBytes = MAX_PATH_PARAMETER_BYTES): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || value === '') throw new ValidationError(`path parameter ${name} is missing`, [{ path: name, message: 'required' }]);
  const bytes = Buffer.byteLength(value);
  if (bytes > maxBytes) {
    throw new ValidationError(`path parameter ${name} is ${bytes} bytes long; at most ${maxBytes}`, [{ path: name, message: `at most ${maxBytes} bytes` }]);
  }
  return value;
}
