import * as z from 'zod';
import type { NotificationMessage } from '../queues/messages';
import { compileTemplate, compileTemplateSet, TemplateError, type RenderOptions, type Template, type TemplateData, type TemplateFile, type TemplateSet } from '../templates';
import { templateData } from './template-data';
import { truncate } from './text';

/*
 * Optional per-entry templates (email, SMS, PagerDuty, Teams). The config keeps template *sources*:
 * the config is bundled into the Lambdas as JSON, so compiled templates cannot live in it. Sources
 * are compiled once at load (so `config:check` and `cdk synth` fail on a bad template with the key
 * path plus the template's own line and column) and again, cached, on first use.
 */

// ---------------------------------------------------------------- config

/** A template source; empty is refused so that "no template" always means "the default". */
export const TemplateSource = z.string().min(1, 'an empty template; leave the key out to use the default');

/**
 * A config key holding a template, checked where it stands (the issue's path is the key's). Email
 * and SMS use this; PagerDuty and Teams check their keys together with checkTemplates. Both report
 * the same message at the same path; they differ only in when, for an entry with other errors: a
 * field check runs with the field, an entry-wide superRefine after the fields (and not at all when
 * a field has the wrong type).
 */
export function templateSource(name: string) {
  return TemplateSource.superRefine((source, ctx) => {
    const problem = templateProblem(source, name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A superRefine over a whole entry that checks each present template key, reporting errors at that key. */
export function checkTemplates<K extends string>(keys: readonly K[]) {
  return (config: { [P in K]?: string | undefined }, ctx: Pick<z.core.$RefinementCtx, 'addIssue'>): void => {
    for (const key of keys) {
      const source = config[key];
      if (source === undefined) continue;
      const problem = templateProblem(source, key);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
  };
}

/** Why `source` does not compile, or undefined when it does. */
function templateProblem(source: string, name: string): string | undefined {
  try {
    compiled(source, name);
    return undefined;
  } catch (err) {
    return templateErrorMessage(err);
  }
}

/** `invalid template at line 1, column 9: <problem>`; the issue's path already names the key. */
export function templateErrorMessage(err: unknown): string {
  if (err instanceof TemplateError) return `invalid template at line ${err.line}, column ${err.column}: ${err.problem}`;
  return `invalid template: ${err instanceof Error ? err.message : String(err)}`;
}

// ---------------------------------------------------------------- template files

/**
 * The config's template files (`templates:`, read by the loader into `template_files`), whose
 * definitions every template may call besides Alertmanager's default names. One config per
 * process (the local runtime, a Lambda container), so the set is the process's: the config check
 * sets it before it compiles the entries' templates, and compileConfig when a runtime starts.
 * Throws TemplateError when a file does not compile.
 */
export function useTemplateFiles(files: readonly TemplateFile[]): void {
  const set = templateSetOf(files);
  if (set === activeSet) return;
  activeSet = set;
  CACHE.clear();
}

let activeSet: TemplateSet | undefined;

/**
 * The set `files` make (undefined for none). Loading a config asks for it three times (the loader's
 * check of the fields, the config check, compileConfig), each time with a copy of the same files:
 * the last set is kept, by the files' names and texts, so it compiles once.
 */
export function templateSetOf(files: readonly TemplateFile[]): TemplateSet | undefined {
  if (files.length === 0) return undefined;
  const same = lastSet !== undefined && lastSet.files.length === files.length && lastSet.files.every((f, i) => f.name === files[i]!.name && f.text === files[i]!.text);
  if (!same) lastSet = { files: files.map(({ name, text }) => ({ name, text })), set: compileTemplateSet(files) };
  return lastSet!.set;
}

let lastSet: { files: TemplateFile[]; set: TemplateSet } | undefined;

/** The name `source` calls that no template file or default defines, if that is why it does not compile. */
export function undefinedTemplateName(source: string, set: TemplateSet | undefined): string | undefined {
  try {
    if (set) set.compile(source);
    else compileTemplate(source);
    return undefined;
  } catch (err) {
    if (!(err instanceof TemplateError)) return undefined;
    return /^template "(.*)" is not defined/.exec(err.problem)?.[1];
  }
}

// ---------------------------------------------------------------- compile cache

/** Compiled templates by name and source; a config has a handful, so a small map is enough. */
const CACHE = new Map<string, Template>();
const CACHE_MAX = 256;

function compiled(source: string, name: string): Template {
  const key = `${name}\u0000${source}`;
  let t = CACHE.get(key);
  if (!t) {
    t = activeSet ? activeSet.compile(source, name) : compileTemplate(source, name);
    if (CACHE.size >= CACHE_MAX) CACHE.clear();
    CACHE.set(key, t);
  }
  return t;
}

// ---------------------------------------------------------------- rendering

/**
 * What rendering one template did. The engine does not throw on data problems (a missing label
 * renders as ""); it stops at a limit (`limit`) or on an internal error, a bug (`error`), and
 * returns what it wrote. `thrown` is a source that does not compile (the config check rules that
 * out) or template data that could not be built.
 */
export type TemplateRun = { text: string; limit?: 'output' | 'steps'; error?: unknown } | { thrown: unknown };

/**
 * Renders templates for one notification against Alertmanager's template data. The data is built
 * only when a template is rendered (it walks every alert), once, and `now` is the notification's
 * creation time, so rendering stays a pure function of its input.
 */
export class NotificationTemplates {
  private data: TemplateData | undefined;

  constructor(private readonly n: NotificationMessage) {}

  run(source: string, name: string, opts: Pick<RenderOptions, 'escape' | 'maxOutput'> = {}): TemplateRun {
    const out: { text: string; limit?: 'output' | 'steps'; error?: unknown } = { text: '' };
    try {
      this.data ??= templateData(this.n);
      out.text = compiled(source, name).render(this.data, {
        ...opts,
        now: Date.parse(this.n.createdAt),
        onLimit: (limit) => (out.limit = limit),
        onError: (err) => (out.error = err),
      });
    } catch (thrown) {
      return { thrown };
    }
    return out;
  }
}

export interface TemplateResult {
  text: string;
  /** Why the output is incomplete, if it is: a render limit. */
  problem?: string;
}

/**
 * The port channels' (email, SMS) use of a template: the text, with `problem` when a limit cut it
 * short; or `{ failed }` when the engine failed (or the source no longer compiles), and the caller
 * falls back to its default rendering rather than lose the alert. `failed` never quotes data.
 */
export function renderTemplate(
  source: string,
  name: string,
  n: NotificationMessage,
  opts: { escape?: (s: string) => string; maxOutput: number },
): TemplateResult | { failed: string } {
  const r = new NotificationTemplates(n).run(source, name, { ...(opts.escape && { escape: opts.escape }), maxOutput: opts.maxOutput });
  // TemplateError messages name the template and position, never data.
  if ('thrown' in r) return { failed: r.thrown instanceof TemplateError ? r.thrown.message : `unexpected ${errorKind(r.thrown)}` };
  // An engine bug: say what kind only (its message could quote data).
  if ('error' in r) return { failed: `internal template error (${errorKind(r.error)})` };
  if (r.limit === undefined) return { text: r.text };
  const problem = r.limit === 'output' ? `output was cut at ${opts.maxOutput} characters` : 'hit the evaluation step limit; its output was cut';
  return { text: r.text, problem };
}

/**
 * The card channels' (PagerDuty, Teams) use of templates: one per field of an entry, for one
 * notification. What the engine reports (a step limit, an internal error) is kept in `errors` for
 * the renderer to show, and the caller falls back to its default on empty output.
 */
export class TemplateFields {
  private readonly templates: NotificationTemplates;
  readonly errors: string[] = [];

  constructor(n: NotificationMessage) {
    this.templates = new NotificationTemplates(n);
  }

  /** The rendered text, or undefined when `source` is absent (use the default) or failed to render. */
  render(source: string | undefined, name: string, opts: Pick<RenderOptions, 'escape' | 'maxOutput'> = {}): string | undefined {
    if (source === undefined) return undefined;
    const r = this.templates.run(source, name, opts);
    if ('thrown' in r) {
      this.errors.push(describe(name, r.thrown));
      return undefined;
    }
    if (r.limit === 'steps') this.errors.push(`${name}: stopped after too many steps; the output is incomplete`);
    if ('error' in r) this.errors.push(describe(name, r.error));
    return r.text;
  }
}

function errorKind(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

function describe(name: string, err: unknown): string {
  return truncate(`${name}: ${err instanceof Error ? err.message : String(err)}`, 300);
}
