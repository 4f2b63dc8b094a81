import { DEFAULT_TOKEN } from '../local/defaults';

/**
 * The CLI's HTTP client: one authenticated JSON request to alertflow's API (the local runtime or a
 * deployment). A failure to connect or an error status is a CliFailure (exit 1), with alertflow's
 * own message when it sent one.
 */
export class CliFailure extends Error {}

export interface ApiTarget {
  url: string;
  token: string;
}

/** The default API URL: $ALERTFLOW_URL, else the local runtime on $PORT (default 3000). */
export const defaultUrl = (env: NodeJS.ProcessEnv = process.env): string => env.ALERTFLOW_URL || `http://127.0.0.1:${env.PORT || 3000}`;

/** The default bearer token: $ALERTFLOW_TOKEN, else $ALERTFLOW_WEBHOOK_TOKEN, else the local runtime's default. */
export const defaultToken = (env: NodeJS.ProcessEnv = process.env): string => env.ALERTFLOW_TOKEN || env.ALERTFLOW_WEBHOOK_TOKEN || DEFAULT_TOKEN;

export async function apiCall<T = unknown>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const url = target.url.replace(/\/+$/, '') + path;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new CliFailure(`cannot reach alertflow at ${target.url} (${(err as Error).message}); is it running? set --url or ALERTFLOW_URL`, { cause: err });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: the status and the text speak
  }
  if (!res.ok) {
    // /v1 errors are {error, message}; Alertmanager's API v2 answers a JSON string.
    const message = typeof parsed === 'string' ? parsed : ((parsed as { message?: string } | undefined)?.message ?? (text.slice(0, 200) || 'request failed'));
    throw new CliFailure(`${method} ${path}: ${res.status}: ${message}`);
  }
  return parsed as T;
}
