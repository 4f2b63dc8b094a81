import { linkSigningKeys, type SecretResolver } from '../primitives/secrets';
import { AlertflowError } from '../errors';
import type { Incident } from '../escalation/incident';
import { verifyLink, type LinkAction, type LinkClaims } from '../escalation/links';
import { act, type EscalationDeps } from '../escalation/service';
import type { HttpResult } from '../http/responses';
import type { Logger } from '../log';

/**
 * The pages behind a signed incident link (GET and POST /v1/links/{link}, no bearer token: the
 * signature is the credential). GET shows the incident and a button and changes nothing, so a mail
 * scanner that fetches every link (Safe Links) acknowledges nothing; the button POSTs. A forged,
 * malformed or expired link, or one whose chain has moved on (someone acted since), gets a 4xx page
 * that says which.
 */
export interface LinkDeps extends EscalationDeps {
  secrets: SecretResolver;
  log: Logger;
}

const VERBS: Record<LinkAction, { ask: string; button: string; done: string }> = {
  ack: { ask: 'Acknowledge this incident?', button: 'Acknowledge', done: 'Acknowledged' },
  resolve: { ask: 'Resolve this incident?', button: 'Resolve', done: 'Resolved' },
  escalate: { ask: 'Escalate this incident to the next step now?', button: 'Escalate now', done: 'Escalated' },
};

async function verify(deps: LinkDeps, link: string): Promise<LinkClaims> {
  return verifyLink(await linkSigningKeys(deps.config.raw, deps.secrets), link, deps.clock());
}

/** GET: what the link would do, and a button to do it. */
export async function showLink(deps: LinkDeps, link: string): Promise<HttpResult> {
  try {
    const claims = await verify(deps, link);
    const incident = await deps.incidents.get(claims.i, deps.clock());
    if (!incident) return page(404, 'Incident not found', [`The incident this link is for is gone (incidents are kept 30 days after they resolve).`]);
    const verb = VERBS[claims.a];
    if (incident.token !== claims.t) return page(409, 'This link is no longer current', [stateLine(incident)], incident);
    return page(200, verb.ask, [stateLine(incident)], incident, `<form method="post"><button type="submit">${esc(verb.button)}</button></form>`);
  } catch (err) {
    return errorPage(err, deps.log);
  }
}

/** POST: do it, as `link (<receiver>)`, only while the incident is still under the link's chain. */
export async function useLink(deps: LinkDeps, link: string): Promise<HttpResult> {
  try {
    const claims = await verify(deps, link);
    const incident = await act(claims.i, claims.a, `link (${claims.r})`, deps, claims.t);
    return page(200, VERBS[claims.a].done, [stateLine(incident)], incident);
  } catch (err) {
    return errorPage(err, deps.log);
  }
}

function stateLine(i: Incident): string {
  if (i.state === 'acknowledged') return `Acknowledged by ${i.acknowledged?.by ?? 'someone'} at ${iso(i.acknowledged?.at)}.`;
  if (i.state === 'resolved') return `Resolved by ${i.resolved?.by ?? 'someone'} at ${iso(i.resolved?.at)}.`;
  const step = i.ran ? ` Step ${i.ran.step + 1} of ${i.policy.steps.length}${i.policy.repeat > 0 ? ` (run ${i.ran.loop + 1} of ${i.policy.repeat + 1})` : ''} has paged.` : '';
  return `Triggered at ${iso(i.startedAt)}.${step}`;
}

const iso = (ms: number | undefined) => (ms === undefined ? 'an unknown time' : new Date(ms).toISOString());

function errorPage(err: unknown, log: Logger): HttpResult {
  if (err instanceof AlertflowError && err.status < 500) return page(err.status, titleOf(err), [err.message]);
  log.error('link request failed', { err });
  return page(500, 'Something went wrong', ['alertflow could not act on this link. Try again, or use the API.']);
}

const titleOf = (err: AlertflowError): string =>
  ({ link_expired: 'This link has expired', link_forged: 'This link is not valid', link_malformed: 'This link is not valid', incident_state: 'Nothing to do' })[err.code] ??
  'This link cannot be used';

/**
 * A small self-contained HTML page. Everything interpolated is escaped; the policy forbids scripts
 * and lets the form post only here; no referrer leaves (the path is the credential).
 */
function page(status: number, title: string, lines: string[], incident?: Incident, action = ''): HttpResult {
  const labels = incident ? Object.entries(incident.groupLabels).map(([k, v]) => `<code>${esc(k)}="${esc(v)}"</code>`).join(' ') : '';
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)} · alertflow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}code{background:#f2f2f2;padding:0 .2em}button{font-size:1rem;padding:.5em 1.2em}</style></head>
<body><h1>${esc(title)}</h1>
${incident ? `<p>Incident <code>${esc(incident.id)}</code>, policy <code>${esc(incident.policy.name)}</code>${labels ? `: ${labels}` : ''}</p>` : ''}
${lines.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${action}
</body></html>
`;
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    },
    body,
  };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
