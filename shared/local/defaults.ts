/** The bearer token the local runtime accepts when ALERTFLOW_WEBHOOK_TOKEN is not set. */
export const DEFAULT_TOKEN = 'alertflow-local-token';
