import { DEFAULT_TOKEN } from './defaults';

/**
 * What `npm start` prints once the local runtime listens. The webhook token is printed only when
 * it is the built-in default (public, in this repository): a token the user set is a credential,
 * and a terminal's scrollback, a CI log or a screen share is no place for it.
 */
export function startupBanner(rt: { url: string; configPath: string; token: string; tokenNames?: readonly string[] }, env: NodeJS.ProcessEnv, warmUp?: { ms: number; notifications: number }): string {
  // A config whose tokens all read other secrets does not accept this token: say so, print none.
  const used = rt.tokenNames === undefined || rt.tokenNames.length > 0;
  const isDefault = used && !env.ALERTFLOW_WEBHOOK_TOKEN && rt.token === DEFAULT_TOKEN;
  const token = !used
    ? "none printed (no token in the config's auth reads ALERTFLOW_WEBHOOK_TOKEN; use one of its own)"
    : isDefault
      ? `${DEFAULT_TOKEN} (default; set ALERTFLOW_WEBHOOK_TOKEN to change it)`
      : `taken from ${env.ALERTFLOW_WEBHOOK_TOKEN ? 'ALERTFLOW_WEBHOOK_TOKEN' : 'the caller'} (not printed)`;
  // Not the default: the example reads a variable, so it works as pasted without showing the value.
  const bearer = isDefault ? `'Authorization: Bearer ${DEFAULT_TOKEN}'` : used ? `"Authorization: Bearer $ALERTFLOW_WEBHOOK_TOKEN"` : `"Authorization: Bearer $TOKEN"`;
  return [
    '',
    `alertflow local runtime listening on ${rt.url}`,
    `  config:        ${rt.configPath}`,
    `  webhook token: ${token}`,
    ...(warmUp ? [`  warm-up:       ${Math.round(warmUp.ms)} ms, ${warmUp.notifications} notifications to itself (ALERTFLOW_WARM_UP=0 skips it)`] : []),
    `  try:           curl -H ${bearer} -H 'content-type: application/json' \\`,
    `                   -d '{"labels":{"alertname":"Test","severity":"warning"},"summary":"hello"}' ${rt.url}/v1/alerts`,
    '',
  ].join('\n') + '\n';
}
