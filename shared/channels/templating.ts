import * as z from 'zod';
import type { NotificationMessage } from '../../queues/messages';
import { compileTemplate, templateData, TemplateError, type RenderOptions, type Template, type TemplateData } from '../../templates';
import { truncate } from '../text';

/*
 * Optional per-entry templates, shared by the PagerDuty and Teams entries (and a candidate for
 * shared/channels/ once a third channel needs it). The config keeps template *sources*: the config
 * is bundled into the Lambdas as JSON, so compiled templates cannot live in it. Sources are compiled
 * once at load (to fail `config:check` with line and column) and again, cached, on first use.
 */

/** A template source; empty is refused so that "no template" always means "the default". */
export const TemplateSource = z.string().min(1, 'an empty template; leave the key out to use the default');

/** A superRefine that compiles each present template key, reporting errors at that key. */
export function checkTemplates<K extends string>(keys: readonly K[]) {
  return (config: { [P in K]?: string | undefined }, ctx: Pick<z.core.$RefinementCtx, 'addIssue'>): void => {
    for (const key of keys) {
      const source = config[key];
      if (source === undefined) continue;
      try {
        compiled(source, key);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [key], message: templateErrorMessage(err) });
      }
    }
  };
}

/** `invalid template at line 1, column 9: <problem>`; the issue's path already names the key. */
export function templateErrorMessage(err: unknown): string {
  if (err instanceof TemplateError) return `invalid template at line ${err.line}, column ${err.column}: ${err.problem}`;
  return `invalid template: ${err instanceof Error ? err.message : String(err)}`;
}

const cache = new Map<string, Template>();
/** Bounded only by the config: each distinct source is compiled once per process. */
function compiled(source: string, name: string): Template {
  let t = cache.get(source);
  if (!t) {
    t = compileTemplate(source, name);
    cache.set(source, t);
  }
  return t;
}

/**
 * Renders one entry's templates for one notification. The template data is built only when a
 * template is configured (it walks every alert), and `since` counts from the notification's
 * creation so that rendering stays a pure function of its input. The engine never throws at render
 * time (missing data renders as ""); what it reports — a step limit, an internal error — is kept in
 * `errors` for the renderer to show, and the caller falls back to its default on empty output.
 */
export class TemplateFields {
  private data: TemplateData | undefined;
  readonly errors: string[] = [];

  constructor(private readonly n: NotificationMessage) {}

  /** The rendered text, or undefined when `source` is absent (use the default). */
  render(source: string | undefined, name: string, opts: Pick<RenderOptions, 'escape' | 'maxOutput'> = {}): string | undefined {
    if (source === undefined) return undefined;
    try {
      this.data ??= templateData(this.n);
      return compiled(source, name).render(this.data, {
        ...opts,
        now: Date.parse(this.n.createdAt),
        onLimit: (limit) => {
          if (limit === 'steps') this.errors.push(`${name}: stopped after too many steps; the output is incomplete`);
        },
        onError: (err) => this.errors.push(describe(name, err)),
      });
    } catch (err) {
      this.errors.push(describe(name, err));
      return undefined;
    }
  }
}

function describe(name: string, err: unknown): string {
  return truncate(`${name}: ${err instanceof Error ? err.message : String(err)}`, 300);
}
