import type { Issue } from '../errors';

/**
 * Alertmanager's config file, read as alertflow config (issue 14 point 1, ADR 0023). A pure
 * rewrite of the parsed YAML before validation: Alertmanager's keys become alertflow's, and what
 * alertflow cannot honour is dropped with a warning naming its key path, never an error. Keys that
 * are already alertflow's are left alone and win where both are given.
 *
 * - `global`: `resolve_timeout` stays; `slack_api_url`, `smtp_from`, `pagerduty_url` and
 *   `http_config` fill the entries that leave them out, as Alertmanager's defaults do; the SMTP
 *   transport keys do not apply (alertflow sends email through SES); the settings of channels
 *   alertflow lacks are ignored.
 * - `mute_time_intervals` (Alertmanager's older top-level name) joins `time_intervals`.
 * - receivers: `slack_configs.api_url` is `webhook_url`; PagerDuty's `service_key` is a routing
 *   key, its `url` the events URL, `description` the summary; email `to` may be a comma-separated
 *   string, `headers.Subject` is the subject; webhook `http_config` credentials become headers;
 *   `msteams_configs`/`msteamsv2_configs` are Teams; `sns_configs` with a `phone_number` are SMS.
 *   Receiver types alertflow lacks (OpsGenie, VictorOps, Pushover, WeChat, Telegram, Discord,
 *   Webex, SNS topics) are left out with a warning: the receiver keeps its other channels.
 * - An Alertmanager file (one with Alertmanager's own top-level keys and none of alertflow's) gets
 *   Alertmanager's defaults written out where an entry leaves them: `send_resolved` per channel
 *   type, and webhooks in `format: alertmanager`.
 */

export interface Translated {
  config: unknown;
  warnings: Issue[];
  /** Whether the file read as Alertmanager's (its defaults were applied). */
  alertmanagerFile: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Top-level keys only alertflow has: a file with any of them is alertflow's, whatever else it holds. */
const ALERTFLOW_TOP_KEYS = [
  'external_url',
  'auth',
  'ingest',
  'cloudwatch',
  'silences',
  'escalation_policies',
  'incident_links',
  'slack_app',
  'pagerduty_webhooks',
  'heartbeats',
  'retention',
  'digest',
  'checks',
  'self_monitoring',
];

/** Alertmanager 0.25's `send_resolved` defaults (config/notifiers.go), by alertflow channel key. */
const AM_SEND_RESOLVED: Record<string, boolean> = {
  slack_configs: false,
  email_configs: false,
  pagerduty_configs: true,
  webhook_configs: true,
  teams_configs: true,
  sms_configs: true,
};

/** Receiver types alertflow has no channel for, by Alertmanager key, as the warning names them. */
const MISSING_TYPES: Record<string, string> = {
  opsgenie_configs: 'OpsGenie',
  victorops_configs: 'VictorOps',
  pushover_configs: 'Pushover',
  wechat_configs: 'WeChat',
  telegram_configs: 'Telegram',
  discord_configs: 'Discord',
  webex_configs: 'Webex',
};

/** Global settings of those channels: nothing reads them here. */
const MISSING_TYPE_GLOBALS = /^(opsgenie|wechat|victorops|telegram|webex)_/;

/** The SMTP transport: SES takes its place. */
const SMTP_TRANSPORT = ['smtp_hello', 'smtp_smarthost', 'smtp_auth_username', 'smtp_auth_password', 'smtp_auth_password_file', 'smtp_auth_secret', 'smtp_auth_identity', 'smtp_require_tls'];

export function fromAlertmanager(doc: unknown): Translated {
  if (!isObj(doc)) return { config: doc, warnings: [], alertmanagerFile: false };
  const warnings: Issue[] = [];
  const warn = (path: string, message: string) => warnings.push({ path, message });
  const out: Obj = { ...doc };
  const hasAlertmanagerTop = 'global' in doc || 'templates' in doc || 'mute_time_intervals' in doc;
  const alertmanagerFile = hasAlertmanagerTop && !ALERTFLOW_TOP_KEYS.some((k) => k in doc);

  const global = isObj(doc.global) ? doc.global : {};
  const defaults = globalDefaults(global, warn);
  if ('global' in doc) out.global = 'resolve_timeout' in global ? { resolve_timeout: global.resolve_timeout } : {};

  if (Array.isArray(doc.mute_time_intervals)) {
    out.time_intervals = [...(Array.isArray(doc.time_intervals) ? doc.time_intervals : []), ...doc.mute_time_intervals];
    delete out.mute_time_intervals;
  }

  if (Array.isArray(doc.receivers)) {
    out.receivers = doc.receivers.map((r, i) => (isObj(r) ? receiver(r, `receivers[${i}]`, defaults, alertmanagerFile, warn) : r));
  }
  return { config: out, warnings, alertmanagerFile };
}

interface GlobalDefaults {
  slackUrl?: unknown;
  slackUrlFile?: boolean;
  smtpFrom?: unknown;
  pagerdutyUrl?: unknown;
  httpConfig?: Obj;
}

function globalDefaults(global: Obj, warn: (path: string, message: string) => void): GlobalDefaults {
  const d: GlobalDefaults = {};
  for (const [key, value] of Object.entries(global)) {
    const path = `global.${key}`;
    if (key === 'resolve_timeout') continue;
    else if (key === 'slack_api_url') d.slackUrl = value;
    else if (key === 'smtp_from') d.smtpFrom = value;
    else if (key === 'pagerduty_url') d.pagerdutyUrl = value;
    else if (key === 'http_config' && isObj(value)) d.httpConfig = value;
    else if (key === 'slack_api_url_file') {
      d.slackUrlFile = true;
      warn(path, 'not read: give the Slack URL as webhook_url, a secret reference ({ ssm: … } or { env: … })');
    }
    else if (SMTP_TRANSPORT.includes(key)) warn(path, 'not used: alertflow sends email through Amazon SES (locally, to the outbox)');
    else if (MISSING_TYPE_GLOBALS.test(key)) warn(path, 'ignored: alertflow has no channel that uses it');
    else warn(path, 'unknown to alertflow; ignored');
  }
  return d;
}

function receiver(r: Obj, path: string, defaults: GlobalDefaults, amFile: boolean, warn: (path: string, message: string) => void): Obj {
  const out: Obj = { ...r };
  const entries = (key: string): Obj[] => (Array.isArray(r[key]) ? (r[key] as unknown[]).filter(isObj) : []);
  const append = (key: string, list: Obj[]) => {
    if (list.length === 0) return;
    out[key] = [...(Array.isArray(out[key]) ? (out[key] as unknown[]) : []), ...list];
  };

  for (const [key, name] of Object.entries(MISSING_TYPES)) {
    if (!(key in r)) continue;
    const n = Array.isArray(r[key]) ? r[key].length : 1;
    warn(`${path}.${key}`, `alertflow has no ${name} channel: ${n} config${n === 1 ? '' : 's'} of receiver ${JSON.stringify(r.name)} will not be delivered`);
    delete out[key];
  }

  if ('slack_configs' in r) out.slack_configs = keep(entries('slack_configs').map((e, i) => slack(e, `${path}.slack_configs[${i}]`, defaults, warn)));
  if ('email_configs' in r) out.email_configs = keep(entries('email_configs').map((e, i) => email(e, `${path}.email_configs[${i}]`, defaults, warn)));
  if ('pagerduty_configs' in r) out.pagerduty_configs = keep(entries('pagerduty_configs').map((e, i) => pagerduty(e, `${path}.pagerduty_configs[${i}]`, defaults, warn)));
  if ('webhook_configs' in r) out.webhook_configs = keep(entries('webhook_configs').map((e, i) => webhook(e, `${path}.webhook_configs[${i}]`, defaults, amFile, warn)));
  for (const teamsKey of ['msteams_configs', 'msteamsv2_configs']) {
    if (!(teamsKey in r)) continue;
    delete out[teamsKey];
    append('teams_configs', keep(entries(teamsKey).map((e, i) => teams(e, `${path}.${teamsKey}[${i}]`, warn))));
  }
  if ('sns_configs' in r) {
    delete out.sns_configs;
    append('sms_configs', keep(entries('sns_configs').map((e, i) => sns(e, `${path}.sns_configs[${i}]`, warn))));
  }

  if (amFile) {
    for (const [key, sendResolved] of Object.entries(AM_SEND_RESOLVED)) {
      if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((e) => (isObj(e) && !('send_resolved' in e) ? { ...e, send_resolved: sendResolved } : e));
    }
  }
  return out;
}

const keep = (list: Array<Obj | undefined>): Obj[] => list.filter((e): e is Obj => e !== undefined);

/** Keys of an entry that alertflow does not use: one warning naming them. */
function unused(e: Obj, path: string, known: readonly string[], what: string, warn: (path: string, message: string) => void): Obj {
  const extra = Object.keys(e).filter((k) => !known.includes(k));
  if (extra.length > 0) warn(path, `${extra.join(', ')}: not used by alertflow's ${what}`);
  const out: Obj = {};
  for (const k of known) if (k in e) out[k] = e[k];
  return out;
}

/** The `send_resolved` every channel keeps. */
const COMMON = ['send_resolved'];

function slack(e: Obj, path: string, d: GlobalDefaults, warn: (path: string, message: string) => void): Obj | undefined {
  const { api_url, api_url_file, ...rest } = e;
  const url = rest.webhook_url ?? api_url ?? (api_url_file === undefined ? d.slackUrl : undefined);
  if (url === undefined) {
    // Without any URL Alertmanager refuses the file too: the schema names the missing key.
    if (api_url_file === undefined && !d.slackUrlFile) return rest;
    warn(path, `${api_url_file !== undefined ? 'api_url_file' : 'global.slack_api_url_file'} is not read (give webhook_url as a secret reference): this entry will not be delivered`);
    return undefined;
  }
  return unused({ ...rest, webhook_url: url }, path, [...COMMON, 'webhook_url', 'channel', 'username', 'icon_emoji', 'title', 'text'], 'Slack message', warn);
}

function email(e: Obj, path: string, d: GlobalDefaults, warn: (path: string, message: string) => void): Obj | undefined {
  const { headers, smarthost, hello, auth_username, auth_password, auth_password_file, auth_secret, auth_identity, require_tls, tls_config, ...rest } = e;
  const transport = Object.entries({ smarthost, hello, auth_username, auth_password, auth_password_file, auth_secret, auth_identity, require_tls, tls_config }).filter(([, v]) => v !== undefined);
  if (transport.length > 0) warn(path, `${transport.map(([k]) => k).join(', ')}: not used, alertflow sends email through Amazon SES (locally, to the outbox)`);
  const out: Obj = { ...rest };
  // Alertmanager's `to` is one string of comma-separated addresses.
  if (typeof rest.to === 'string') out.to = rest.to.split(',').map((s) => s.trim()).filter((s) => s !== '');
  out.from ??= d.smtpFrom;
  if (isObj(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'subject') out.subject ??= value;
      else warn(`${path}.headers.${name}`, 'not used: alertflow sets the email headers itself');
    }
  }
  return unused(out, path, [...COMMON, 'from', 'to', 'cc', 'subject', 'html', 'text'], 'email', warn);
}

function pagerduty(e: Obj, path: string, d: GlobalDefaults, warn: (path: string, message: string) => void): Obj | undefined {
  const { service_key, routing_key_file, service_key_file, url, description, ...rest } = e;
  const out: Obj = { ...rest };
  if (out.routing_key === undefined && service_key !== undefined) {
    out.routing_key = service_key;
    warn(`${path}.service_key`, 'sent as an Events API v2 routing key: the PagerDuty service needs an Events API v2 integration');
  }
  if (out.routing_key === undefined) {
    if (routing_key_file === undefined && service_key_file === undefined) return out;
    warn(path, 'routing_key_file and service_key_file are not read (give routing_key as a secret reference): this entry will not be delivered');
    return undefined;
  }
  const events = url ?? d.pagerdutyUrl;
  if (out.events_url === undefined && typeof events === 'string' && events !== '') out.events_url = events;
  if (out.summary === undefined && description !== undefined) out.summary = description;
  return unused(out, path, [...COMMON, 'routing_key', 'events_url', 'timeout', 'summary', 'source', 'severity', 'component', 'group', 'class'], 'PagerDuty event', warn);
}

function webhook(e: Obj, path: string, d: GlobalDefaults, amFile: boolean, warn: (path: string, message: string) => void): Obj | undefined {
  const { url_file, http_config, ...rest } = e;
  if (rest.url === undefined) {
    if (url_file === undefined) return rest;
    warn(path, 'url_file is not read (give url as a secret reference): this entry will not be delivered');
    return undefined;
  }
  const out: Obj = { ...rest };
  if (amFile) out.format ??= 'alertmanager';
  const http = isObj(http_config) ? http_config : d.httpConfig;
  if (http) {
    const headers = { ...(isObj(out.headers) ? out.headers : {}) };
    const auth = authorizationHeader(http, `${path}.http_config`, warn);
    if (auth !== undefined) headers.Authorization ??= auth;
    if (Object.keys(headers).length > 0) out.headers = headers;
  }
  return unused(out, path, [...COMMON, 'url', 'format', 'hmac_secret', 'headers', 'timeout', 'max_alerts'], 'webhook', warn);
}

/** The Authorization header an http_config's credentials make; the rest of it is not used. */
function authorizationHeader(http: Obj, path: string, warn: (path: string, message: string) => void): string | undefined {
  let header: string | undefined;
  const other: string[] = [];
  for (const [key, value] of Object.entries(http)) {
    if (key === 'authorization' && isObj(value) && typeof value.credentials === 'string') header = `${typeof value.type === 'string' ? value.type : 'Bearer'} ${value.credentials}`;
    else if (key === 'bearer_token' && typeof value === 'string') header = `Bearer ${value}`;
    else if (key === 'basic_auth' && isObj(value) && typeof value.username === 'string') {
      header = `Basic ${Buffer.from(`${value.username}:${typeof value.password === 'string' ? value.password : ''}`).toString('base64')}`;
    } else other.push(key === 'authorization' || key === 'basic_auth' ? `${key} (only inline credentials are read)` : key);
  }
  if (other.length > 0) warn(path, `${other.join(', ')}: not used by alertflow's HTTP client`);
  return header;
}

function teams(e: Obj, path: string, warn: (path: string, message: string) => void): Obj | undefined {
  if (e.webhook_url === undefined) {
    if (e.webhook_url_file === undefined) return e;
    warn(path, 'webhook_url_file is not read (give webhook_url as a secret reference): this entry will not be delivered');
    return undefined;
  }
  return unused(e, path, [...COMMON, 'webhook_url', 'title', 'text'], 'Teams card', warn);
}

function sns(e: Obj, path: string, warn: (path: string, message: string) => void): Obj | undefined {
  if (typeof e.phone_number !== 'string') {
    warn(path, 'an SNS topic or target is not a channel alertflow has (it sends SMS to phone numbers): this entry will not be delivered');
    return undefined;
  }
  const { phone_number, message, ...rest } = e;
  return unused({ ...rest, to: [phone_number], ...(message === undefined ? {} : { message }) }, path, [...COMMON, 'to', 'message'], 'SMS', warn);
}
