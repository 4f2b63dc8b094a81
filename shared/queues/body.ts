import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';

/**
 * Large queue bodies travel compressed. SQS bills every started 64 KB of a call's payload as one
 * request, on the send and on the receive (a receive of 10 messages of 33 KB is 6 requests), and
 * alert JSON compresses about fifteenfold: an ingest message of 50 Alertmanager alerts is 33 KB of
 * JSON and 2.1 KB packed. A packed body is `br1:` and the base64 of its brotli; JSON always starts
 * with `{`, so a consumer tells the two apart, and bodies sent before this (or small ones) read as
 * they are.
 */
const PACKED_PREFIX = 'br1:';
/** Below this, packing saves nothing billable (a call's first 64 KB is one request anyway). */
export const PACK_FROM_BYTES = 4096;
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } };

/** The body to send for a JSON message: packed when large and smaller for it, else the JSON itself. */
export function packBody(json: string): string {
  if (json.length < PACK_FROM_BYTES) return json;
  const packed = PACKED_PREFIX + brotliCompressSync(json, BROTLI_OPTIONS).toString('base64');
  return packed.length < Buffer.byteLength(json) ? packed : json;
}

/**
 * A body SQS takes as it is. SQS refuses (or, by older documentation, replaces) U+FFFE and U+FFFF,
 * which JSON.stringify leaves raw in a label or annotation; the other characters it refuses
 * (controls, lone surrogates) JSON.stringify already escapes. Outside a string, raw U+FFFE/U+FFFF
 * are not JSON, so escaping every one keeps the message the same.
 */
export function sqsSafeBody(body: string): string {
  return UNSENDABLE.test(body) ? body.replace(UNSENDABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : body;
}
const UNSENDABLE = /[\uFFFE\uFFFF]/;
const UNSENDABLE_ALL = /[\uFFFE\uFFFF]/g;

/** The JSON of a received body, packed or not. */
export function unpackBody(body: string): string {
  return body.startsWith(PACKED_PREFIX) ? brotliDecompressSync(Buffer.from(body.slice(PACKED_PREFIX.length), 'base64')).toString('utf8') : body;
}
