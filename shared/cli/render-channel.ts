import type { Alert } from '../alerts/model';
import { fingerprint } from '../labels/fingerprint';
import { CONFIG_KEYS, type ChannelType } from '../channel-types';
import { senderFor } from '../channels/registry';
import { CHANNEL_SCHEMAS, type ChannelConfigs } from '../channels/schemas';
import type { NotificationMessage } from '../queues/messages';
import { useTemplateFiles } from '../channels/templating';
import { formatAlertmanagerLabelSet } from '../routing/route-tree';
import { TemplateError, type TemplateFile } from '../templates';
import { CliFailure } from './client';
import type { WebhookBody } from './templates';

/**
 * `template render --channel <type>`: a whole notification as that channel's renderer builds it
 * (the renderer the sender posts: shared/channels/<type>/render.ts), for an alert group, with a
 * channel entry from a config file's receiver or a minimal default entry. No secret is resolved and
 * nothing is sent: renderers are pure.
 */

/** The entry rendered with when no --config is given: the least each type's schema takes (its defaults fill the rest). */
const DEFAULT_ENTRIES: { [T in ChannelType]: unknown } = {
  slack: { webhook_url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
  webhook: { url: 'https://example.com/hook' },
  email: { to: ['oncall@example.com'], from: 'alertflow@example.com' },
  sms: { to: ['+15550100'] },
  pagerduty: { routing_key: 'example-routing-key' },
  teams: { webhook_url: 'https://example.webhook.office.com/webhookb2/x' },
};

/** The channel entry and its receiver: the first of `type` in `receiver` (else in the first receiver that has one) of the config file, else the default entry. */
export async function channelEntry<T extends ChannelType>(type: T, opts: { config?: string; receiver?: string }): Promise<{ receiver?: string; entry: ChannelConfigs[T]; templateFiles: TemplateFile[] }> {
  if (!opts.config) return { entry: CHANNEL_SCHEMAS[type].parse(DEFAULT_ENTRIES[type]) as ChannelConfigs[T], templateFiles: [] };
  const { loadConfigFile } = await import('../config/loader');
  const { ConfigError } = await import('../errors');
  let config;
  try {
    config = loadConfigFile(opts.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliFailure(e.message, { cause: e });
    throw e;
  }
  const receivers = opts.receiver ? config.receivers.filter((r) => r.name === opts.receiver) : config.receivers.filter((r) => r[CONFIG_KEYS[type]].length > 0);
  const receiver = receivers[0];
  if (!receiver) throw new CliFailure(opts.receiver ? `${opts.config}: no receiver ${JSON.stringify(opts.receiver)}` : `${opts.config}: no receiver has ${CONFIG_KEYS[type]}`);
  const entry = (receiver[CONFIG_KEYS[type]] as unknown as ReadonlyArray<ChannelConfigs[T]>)[0];
  if (!entry) throw new CliFailure(`${opts.config}: receiver ${JSON.stringify(receiver.name)} has no ${CONFIG_KEYS[type]}`);
  return { receiver: receiver.name, entry, templateFiles: config.template_files };
}

/**
 * The notification the router would queue for `group` (as shared/channels/testing.ts `notification()`
 * builds one), to `receiver` (the config's), else the group's receiver, else `team`.
 */
export function notificationOf(group: WebhookBody, type: ChannelType, receiver: string | undefined): NotificationMessage {
  const alerts: Alert[] = group.alerts.map((a) => {
    const labels = a.labels ?? {};
    // Alertmanager's webhook gives a firing alert Go's zero time as its end.
    const endsAt = a.endsAt && !a.endsAt.startsWith('0001-') && !Number.isNaN(Date.parse(a.endsAt)) ? new Date(a.endsAt).toISOString() : undefined;
    const status = a.status === 'resolved' || a.status === 'firing' ? a.status : endsAt !== undefined && Date.parse(endsAt) <= Date.now() ? 'resolved' : 'firing';
    return {
      fingerprint: fingerprint(labels),
      status,
      labels,
      annotations: a.annotations ?? {},
      startsAt: a.startsAt && !Number.isNaN(Date.parse(a.startsAt)) ? new Date(a.startsAt).toISOString() : new Date().toISOString(),
      ...(endsAt ? { endsAt } : {}),
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      source: 'alertmanager',
    };
  });
  // Firing first, as the router orders a group's alerts.
  alerts.sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1));
  const labels = group.groupLabels ?? (alerts[0]?.labels.alertname ? { alertname: alerts[0].labels.alertname } : {});
  const url = group.externalURL || 'http://127.0.0.1:3000';
  return {
    kind: 'notification',
    id: 'ntf-preview',
    createdAt: new Date().toISOString(),
    receiver: receiver ?? group.receiver ?? 'team',
    channel: { type, index: 0 },
    group: {
      id: 'grp-preview',
      key: group.groupKey || `{}:${formatAlertmanagerLabelSet(labels)}`,
      labels,
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      alerts,
      truncatedAlerts: group.truncatedAlerts ?? 0,
    },
    externalURL: url,
    sourceURL: url,
  };
}

/**
 * The rendered payload: the JSON a channel posts (or hands its port), parsed. `templateFiles` (the
 * config's `templates:`, and `--templates`) define the names the entry's templates may call.
 */
export function renderChannel<T extends ChannelType>(type: T, n: NotificationMessage, config: ChannelConfigs[T], templateFiles: readonly TemplateFile[] = []): unknown {
  try {
    useTemplateFiles(templateFiles);
  } catch (e) {
    if (e instanceof TemplateError) throw new CliFailure(e.message, { cause: e });
    throw e;
  }
  const { body } = senderFor(type).render(n, config);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

type Json = Record<string, unknown>;

/** The text of Slack blocks / Teams card elements, one line per text, nested elements walked. */
function texts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) texts(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.type === 'divider') out.push('---');
    if (typeof o.text === 'string') out.push(o.text);
    else if (o.text && typeof o.text === 'object') texts(o.text, out);
    if (Array.isArray(o.facts)) for (const f of o.facts as Array<{ title: string; value: string }>) out.push(`${f.title}: ${f.value}`);
    for (const key of ['elements', 'fields', 'body', 'items', 'columns', 'actions']) if (Array.isArray(o[key])) texts(o[key], out);
    if (typeof o.url === 'string' && typeof o.title === 'string') out.push(`[${o.title}] ${o.url}`);
  }
  return out;
}

/** A readable rendering of the payload, for the table output. */
export function formatRendered(type: ChannelType, payload: unknown): string {
  const p = payload as Json;
  const lines: string[] = [];
  switch (type) {
    case 'slack':
      lines.push(`text: ${String(p.text)}`, '', ...texts(p.blocks));
      for (const a of (p.attachments as Json[] | undefined) ?? []) lines.push(...texts(a.blocks));
      break;
    case 'email':
      lines.push(`From: ${String(p.from)}`, `To: ${(p.to as string[]).join(', ')}`, `Subject: ${String(p.subject)}`, '', String(p.text));
      break;
    case 'pagerduty': {
      const pl = (p.payload ?? {}) as Json;
      lines.push(`event_action: ${String(p.event_action)}`, `dedup_key: ${String(p.dedup_key)}`);
      if (p.payload) lines.push(`summary: ${String(pl.summary)}`, `severity: ${String(pl.severity)}`, `source: ${String(pl.source)}`);
      for (const l of (p.links as Array<{ href: string; text: string }> | undefined) ?? []) lines.push(`link: ${l.text} ${l.href}`);
      break;
    }
    case 'teams':
      for (const a of (p.attachments as Array<{ content: Json }> | undefined) ?? []) lines.push(...texts(a.content.body), ...texts(a.content.actions));
      break;
    case 'sms':
      for (const m of payload as Array<{ phoneNumber: string; body: string }>) lines.push(`To: ${m.phoneNumber}`, m.body, '');
      break;
    case 'webhook':
      return `${JSON.stringify(payload, null, 2)}\n`;
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
