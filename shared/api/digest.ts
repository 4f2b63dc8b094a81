import { ValidationError } from '../errors';
import type { CompiledConfig } from '../runtime/compiled-config';
import { STORED_AHEAD_MS } from './paging';
import { buildDigest, digestNotifications, digestSettings, type DigestDeps } from '../digest/service';
import { digestHtml, digestLines, digestSlackBlocks, digestTitle } from '../channels/digest';

/**
 * POST /v1/digest/preview (scope `read`): the digest that would be sent now (or for the schedule's
 * last time before `{"at": "<RFC 3339>"}`), with what each channel would show; nothing is sent.
 * Without a `digest` in the config it previews the default schedule (daily at 09:00 UTC).
 */
export const DIGEST_PREVIEW_MAX_BODY_BYTES = 1024;

export async function previewDigest(deps: Omit<DigestDeps, 'queues' | 'log' | 'config'> & { config: Pick<CompiledConfig, 'raw' | 'receivers' | 'retentionS'> }, body: unknown): Promise<Record<string, unknown>> {
  const now = deps.clock();
  const at = atOf(body) ?? now;
  // Older than the retention, nothing of its window is kept; the stores would read day after empty day.
  const oldest = now.getTime() - deps.config.retentionS * 1000;
  if (at.getTime() < oldest || at.getTime() > now.getTime() + STORED_AHEAD_MS) {
    const message = `between ${new Date(oldest).toISOString()} (the retention, ${deps.config.raw.retention}, before now) and a day after now`;
    throw new ValidationError(`at must be ${message}`, [{ path: 'at', message }]);
  }
  const settings = digestSettings(deps.config);
  const summary = await buildDigest(deps, at);
  const channels = deps.config.raw.digest ? digestNotifications(summary, settings.receiver, deps.config).map((n) => `${n.channel.type}[${n.channel.index}]`) : [];
  return {
    receiver: deps.config.raw.digest?.receiver ?? null,
    cron: settings.cron,
    timezone: settings.timezone,
    channels,
    digest: summary,
    rendered: {
      title: digestTitle(summary),
      text: digestLines(summary).join('\n'),
      slack: { blocks: digestSlackBlocks(summary) },
      email: { subject: digestTitle(summary), html: digestHtml(summary) },
    },
  };
}

function atOf(body: unknown): Date | undefined {
  if (body === undefined) return undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('the body must be a JSON object such as {"at": "2026-12-07T09:00:00Z"}', [{ path: '(root)', message: 'an object' }]);
  const extra = Object.keys(body).filter((k) => k !== 'at');
  if (extra.length > 0) throw new ValidationError(`unknown key ${JSON.stringify(extra[0])}: the body takes only at`, [{ path: extra[0]!, message: 'unknown key' }]);
  const at = (body as { at?: unknown }).at;
  if (at === undefined) return undefined;
  const ms = typeof at === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(at) ? Date.parse(at) : NaN;
  if (Number.isNaN(ms)) throw new ValidationError('at must be an RFC 3339 time such as 2026-12-07T09:00:00Z', [{ path: 'at', message: 'an RFC 3339 time' }]);
  return new Date(ms);
}
