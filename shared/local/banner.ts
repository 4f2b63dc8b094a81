import { DEFAULT_TOKEN } from './defaults';

/**
 * What `npm start` prints once the local runtime listens. The webhook token is printed only when
 * it is the built-in default (public, in this repository): a token the user set is a credential,
 * and a terminal's scrollback, a CI log or a screen share is no place for it.
 */
export function startupBanner(rt: { url: string; configPath: string; token: string }, env: NodeJS.ProcessEnv): string {
  const isDefault = !env.ALERTFLOW_WEBHOOK_TOKEN && rt.token === DEFAULT_TOKEN;
  const token = isDefault
    ? `${DEFAULT_TOKEN} (default; set ALERTFLOW_WEBHOOK_TOKEN to change it)`
    : `taken from ${env.ALERTFLOW_WEBHOOK_TOKEN ? 'ALERTFLOW_WEBHOOK_TOKEN' : 'the caller'} (not printed)`;
  // Not the default: the example reads the variable, so it works as pasted without showing the value.
  const bearer = isDefault ? `'Authorization: Bearer ${DEFAULT_TOKEN}'` : `"Authorization: Bearer $ALERTFLOW_WEBHOOK_TOKEN"`;
  return [
    '',
    `alertflow local runtime listening on ${rt.url}`,
    `  config:        ${rt.configPath}`,
    `  webhook token: ${token}`,
    `  try:           curl -H ${bearer} -H 'content-type: application/json' \\`,
    `                   -d '{"labels":{"alertname":"Test","severity":"warning"},"summary":"hello"}' ${rt.url}/v1/alerts`,
    '',
  ].join('\n') + '\n';
}
