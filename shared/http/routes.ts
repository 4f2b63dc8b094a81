import { ValidationError } from '../errors';

/**
 * The HTTP API's routes, the function that serves each and the scope a credential needs for it.
 * The CDK api construct, the local runtime's server and both handlers' authorization read this
 * table, so they cannot drift.
 */
export type HttpFunction = 'ingest' | 'api';

/**
 * What a credential may do: `ingest` post alerts, `read` see alerts, groups and silences, `manage`
 * change state (silences, DLQ redrive, channel tests, incident acknowledgements, checks).
 */
export const SCOPES = ['ingest', 'read', 'manage'] as const;
export type Scope = (typeof SCOPES)[number];

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path; `{name}` is a path parameter. */
  path: string;
  fn: HttpFunction;
  /** The scope a credential needs; `public` routes take none. */
  scope: Scope | 'public';
}

export const HTTP_ROUTES: readonly HttpRoute[] = [
  { method: 'POST', path: '/v1/webhooks/alertmanager', fn: 'ingest', scope: 'ingest' },
  { method: 'POST', path: '/v1/webhooks/grafana', fn: 'ingest', scope: 'ingest' },
  { method: 'POST', path: '/v1/alerts', fn: 'ingest', scope: 'ingest' },
  { method: 'GET', path: '/v1/alerts', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/alerts/{id}', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/groups', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/health', fn: 'api', scope: 'public' },
  // The dashboard's files (shared/ui/serve.ts): public, the page asks for a token.
  { method: 'GET', path: '/ui', fn: 'api', scope: 'public' },
  { method: 'GET', path: '/ui/app.js', fn: 'api', scope: 'public' },
  { method: 'GET', path: '/ui/app.css', fn: 'api', scope: 'public' },
  // Who the credential is and what it may do (the dashboard shows actions only to `manage`).
  { method: 'GET', path: '/v1/session', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/v1/channels/{receiver}/test', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/redrive', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/deliveries', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/deliveries/{id}', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/v1/deliveries/{id}/retry', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/silences', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/silences', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/silences/{id}', fn: 'api', scope: 'read' },
  { method: 'DELETE', path: '/v1/silences/{id}', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/incidents', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/incidents/{id}', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/v1/incidents/{id}/ack', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/incidents/{id}/unack', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/incidents/{id}/resolve', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/incidents/{id}/escalate', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/incidents/{id}/notes', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/history', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/stats', fn: 'api', scope: 'read' },
  // Reads only: the preview sends nothing.
  { method: 'POST', path: '/v1/digest/preview', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/v1/checks', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/v1/checks', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/checks/{name}', fn: 'api', scope: 'read' },
  { method: 'PUT', path: '/v1/checks/{name}', fn: 'api', scope: 'manage' },
  { method: 'DELETE', path: '/v1/checks/{name}', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/checks/{name}/pause', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/checks/{name}/resume', fn: 'api', scope: 'manage' },
  { method: 'POST', path: '/v1/checks/{name}/evaluate', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/v1/heartbeats', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/v1/heartbeats/{name}', fn: 'ingest', scope: 'ingest' },
  // A heartbeat's signed ping URL, for cron jobs that cannot set a header (see shared/ingest/heartbeat-pings.ts).
  { method: 'GET', path: '/v1/heartbeats/{name}/{key}', fn: 'ingest', scope: 'public' },
  { method: 'POST', path: '/v1/heartbeats/{name}/{key}', fn: 'ingest', scope: 'public' },
  // Signed one-click links: their signature is the credential (see shared/api/links.ts).
  { method: 'GET', path: '/v1/links/{link}', fn: 'api', scope: 'public' },
  { method: 'POST', path: '/v1/links/{link}', fn: 'api', scope: 'public' },
  // Slack signs its requests (see shared/api/slack-interactions.ts).
  { method: 'POST', path: '/v1/slack/interactions', fn: 'api', scope: 'public' },
  // PagerDuty signs its webhooks (see shared/api/pagerduty-webhooks.ts).
  { method: 'POST', path: '/v1/pagerduty/webhooks', fn: 'api', scope: 'public' },
  // Alertmanager's API v2 (see shared/api/alertmanager-v2.ts), for Prometheus, amtool and the
  // tools written against Alertmanager. Its answers and errors take Alertmanager's shapes.
  { method: 'POST', path: '/api/v2/alerts', fn: 'ingest', scope: 'ingest' },
  { method: 'GET', path: '/api/v2/alerts', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/api/v2/alerts/groups', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/api/v2/silences', fn: 'api', scope: 'read' },
  { method: 'POST', path: '/api/v2/silences', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/api/v2/silence/{silenceID}', fn: 'api', scope: 'read' },
  { method: 'DELETE', path: '/api/v2/silence/{silenceID}', fn: 'api', scope: 'manage' },
  { method: 'GET', path: '/api/v2/status', fn: 'api', scope: 'read' },
  { method: 'GET', path: '/api/v2/receivers', fn: 'api', scope: 'read' },
];

const SCOPE_BY_ROUTE_KEY = new Map(HTTP_ROUTES.map((r) => [`${r.method} ${r.path}`, r.scope]));

/** The scope a route key (`POST /v1/silences`, as API Gateway sets `routeKey`) needs; undefined for no such route. */
export function routeScope(routeKey: string): Scope | 'public' | undefined {
  return SCOPE_BY_ROUTE_KEY.get(routeKey);
}

/** Whether a request path is Alertmanager's API v2, whose errors are a JSON string, as there. */
export const isAlertmanagerApiPath = (path: string | undefined): boolean => path?.startsWith('/api/v2/') === true;

/**
 * Match a request path against a route path; returns the path parameters (percent-decoded, as API
 * Gateway passes them) or undefined. A parameter that is not valid percent-encoded UTF-8 (`%ZZ`, a
 * truncated `%E0%A4%A`, a lone `%`) is the caller's error: a ValidationError naming it.
 */
export function matchRoutePath(pattern: string, path: string): Record<string, string> | undefined {
  const params = matchRouteSegments(pattern, path);
  if (!params) return undefined;
  for (const [name, raw] of Object.entries(params)) {
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      throw new ValidationError(`path parameter ${name} is not valid percent-encoded UTF-8`, [{ path: name, message: 'malformed percent-encoding' }]);
    }
  }
  return params;
}

/** Whether a request path has a route's shape, for any method (no decoding: it cannot fail). */
export function isRoutePath(pattern: string, path: string): boolean {
  return matchRouteSegments(pattern, path) !== undefined;
}

function matchRouteSegments(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      params[w.slice(1, -1)] = g;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}
