/**
 * The dashboard's one way to the API: the token lives in this module's memory only (never in a
 * URL, storage or a cookie), and goes as a bearer header, so no request carries an ambient
 * credential a cross-site page could ride (no CSRF to guard against).
 */
let token: string | undefined;

export interface Session {
  name: string;
  scopes: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const signedIn = (): boolean => token !== undefined;
export const signOut = (): void => {
  token = undefined;
};

/** Check a token (GET /v1/session) and keep it for the requests that follow. */
export async function signIn(candidate: string): Promise<Session> {
  const session = await request<Session>('GET', '/v1/session', undefined, candidate);
  token = candidate;
  return session;
}

export async function request<T>(method: string, path: string, body?: unknown, auth = token): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError(res.status, (json as { message?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`);
  return json as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
