/**
 * What the port channels (email, SMS) share beyond text: config keys that hold templates, rendering
 * them with a fallback, and the classify-and-scrub tail of a send. The HTTP channels' counterpart
 * is `postAndClassify` in ../channel.ts.
 */
import * as z from 'zod';
import type { NotificationMessage } from '../../queues/messages';
import { compileTemplate, templateData, TemplateError, type Template } from '../../templates';
import type { DeliveryResult } from '../channel';
import { classifyError, redact, type DeliveryOutcome } from '../outcome';

/**
 * Rendering inputs beyond the notification and the config entry. The ack link is filled in by
 * escalation (a later change; nothing passes it yet) and rendered only when given.
 */
export interface PortRenderOptions {
  /** A signed one-click acknowledgement URL for this notification. */
  ackUrl?: string;
}

/**
 * A config key holding a template. It is compiled at config load, so `config:check` (and
 * `cdk synth`) fail on a bad template with the key path plus the template's own line and column.
 */
export function templateSource(name: string) {
  return z.string().min(1, 'an empty template; leave the key out to use the default').superRefine((source, ctx) => {
    try {
      compiled(source, name);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      // The issue path already names the key; say where in the template, in words.
      ctx.addIssue({ code: 'custom', message: `invalid template at line ${err.line}, column ${err.column}: ${err.problem}` });
    }
  });
}

/** Compiled templates by name and source; a config has a handful, so a small map is enough. */
const CACHE = new Map<string, Template>();
const CACHE_MAX = 256;

export function compiled(source: string, name: string): Template {
  const key = `${name}\u0000${source}`;
  let t = CACHE.get(key);
  if (!t) {
    t = compileTemplate(source, name);
    if (CACHE.size >= CACHE_MAX) CACHE.clear();
    CACHE.set(key, t);
  }
  return t;
}

export interface TemplateResult {
  text: string;
  /** Why the output is incomplete, if it is: a render limit, or an engine error (a bug). */
  problem?: string;
}

/**
 * Render a configured template against Alertmanager's template data. The engine does not throw on
 * data problems (a missing label renders as ""); it stops at `maxOutput` and reports an internal
 * error through `onError`. `now` is the notification's time, so rendering stays pure.
 *
 * Returns the text, with `problem` when a limit cut it short; or `{ failed }` when the engine
 * failed (or the source no longer compiles, which the config check rules out), and the caller
 * falls back to its default rendering rather than lose the alert.
 */
export function renderTemplate(
  source: string,
  name: string,
  n: NotificationMessage,
  opts: { escape?: (s: string) => string; maxOutput: number },
): TemplateResult | { failed: string } {
  let problem: string | undefined;
  let failed: string | undefined;
  let text: string;
  try {
    text = compiled(source, name).render(templateData(n), {
      ...(opts.escape && { escape: opts.escape }),
      maxOutput: opts.maxOutput,
      now: Date.parse(n.createdAt),
      onLimit: (limit) => (problem = limit === 'output' ? `output was cut at ${opts.maxOutput} characters` : 'hit the evaluation step limit; its output was cut'),
      // An engine bug: say what kind only (its message could quote data).
      onError: (err) => (failed = `internal template error (${err instanceof Error ? err.name : typeof err})`),
    });
  } catch (err) {
    // TemplateError messages name the template and position, never data.
    return { failed: err instanceof TemplateError ? err.message : `unexpected ${err instanceof Error ? err.name : typeof err}` };
  }
  if (failed !== undefined) return { failed };
  return problem === undefined ? { text } : { text, problem };
}

/** SES and SNS answer 200 on success; the outcome type wants a status, so it says that. */
export const PORT_SUCCESS_STATUS = 200;

export type PortFailure = Exclude<DeliveryOutcome, { kind: 'success' }>;

/**
 * Classify a port error (see classifyError: adapters throw PortDeliveryError with the provider's
 * verdict; anything else retries) and scrub recipients from the reason. The SES and SNS adapters
 * already keep addresses out of their messages; this also covers other MailPort/SmsPort
 * implementations and errors that quote their input.
 */
export function portFailure(err: unknown, personal: readonly string[]): PortFailure {
  const outcome = classifyError(err);
  if (outcome.kind === 'success') return { kind: 'retryable', reason: 'unexpected success outcome from an error' };
  return { ...outcome, reason: redact(outcome.reason, personalVariants(personal)) };
}

/** Each address or number as written, and phone numbers without their `+` (how logs often print them). */
function personalVariants(personal: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of personal) {
    out.push(p);
    if (p.startsWith('+')) out.push(p.slice(1));
  }
  return out;
}

/** Run one port call and turn it into a DeliveryResult. Never throws. */
export async function deliverViaPort(target: string, personal: readonly string[], send: () => Promise<unknown>): Promise<DeliveryResult> {
  try {
    await send();
    return { kind: 'success', status: PORT_SUCCESS_STATUS, target };
  } catch (err) {
    return { ...portFailure(err, personal), target };
  }
}
