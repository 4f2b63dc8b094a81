import { ALERTMANAGER_DEFAULTS } from './alertmanager-defaults';
import { check, checkDefinitions } from './check';
import { LimitReached, Source } from './errors';
import { Exec } from './exec';
import { lex } from './lexer';
import { CHECK_DATA, DATA, type SType } from './model';
import { addDefinition, isEmptyBody, parse, type Definition, type Node, type Parsed } from './parser';
import type { CheckTemplateData, TemplateData, Value } from './values';

/** Default cap on a render's output: 64 KB (UTF-16 code units, what `.length` counts). */
export const DEFAULT_MAX_OUTPUT = 64 * 1024;
/** Default cap on evaluation steps; enough for hundreds of alerts, small enough to stop in ~10 ms. */
export const DEFAULT_MAX_STEPS = 100_000;
/** Longest template source accepted (a field's template, or one file of a set). */
export const MAX_SOURCE_LENGTH = 256 * 1024;
/** Most text all the files of one template set may hold together (1 MiB; the defaults do not count). */
export const MAX_SET_SOURCE_LENGTH = 1024 * 1024;
/** Most files in one template set. */
export const MAX_SET_FILES = 1000;

export interface RenderOptions {
  /** Longest output (default 64 KB). Longer output is cut, and `onLimit('output')` is called. */
  maxOutput?: number;
  /** Most evaluation steps (default 100 000). A render that runs out returns what it wrote so far. */
  maxSteps?: number;
  /**
   * Applied to each interpolated value (`{{ ... }}` output), never to the template's own text:
   * an HTML channel passes an HTML escaper. `safeHtml` / `safeUrl` values bypass it.
   */
  escape?: (s: string) => string;
  /** The clock for `since` (default: now). Pass the message's time for reproducible output. */
  now?: Date | number;
  /**
   * Told when a limit cut the render short. Template calls nested (with the blocks in their
   * bodies) deeper than MAX_EXEC_DEPTH, as unbounded recursion does, count as `steps`.
   */
  onLimit?: (limit: 'output' | 'steps') => void;
  /**
   * Told of an unexpected internal error (a bug), or of a `{{ template }}` whose name is not
   * defined (which compile-time checks rule out; it renders as ""). Render still returns what
   * it wrote.
   */
  onError?: (error: unknown) => void;
}

export interface Template {
  readonly name: string;
  readonly source: string;
  /** Render against data. Never throws: data problems render as "", limits cut the output. */
  render(data: TemplateData | CheckTemplateData, opts?: RenderOptions): string;
}

class CompiledTemplate implements Template {
  constructor(
    readonly name: string,
    readonly source: string,
    private readonly nodes: readonly Node[],
    private readonly templates: ReadonlyMap<string, Definition>,
  ) {
    Object.freeze(this);
  }

  render(data: TemplateData | CheckTemplateData, opts: RenderOptions = {}): string {
    const limit = (v: number | undefined, dflt: number): number => (v !== undefined && v >= 0 ? Math.floor(v) : dflt);
    const now = opts.now instanceof Date ? opts.now.getTime() : (opts.now ?? Date.now());
    const exec = new Exec(
      {
        maxOutput: limit(opts.maxOutput, DEFAULT_MAX_OUTPUT),
        maxSteps: limit(opts.maxSteps, DEFAULT_MAX_STEPS),
        escape: opts.escape,
        now: Number.isFinite(now) ? now : Date.now(),
        templates: this.templates,
        onUndefined: (name) => opts.onError?.(new Error(`template ${JSON.stringify(name)} is not defined`)),
      },
      data as unknown as Value,
    );
    try {
      exec.run(this.nodes, data as unknown as Value);
    } catch (e) {
      if (e instanceof LimitReached) opts.onLimit?.(e.limit);
      else opts.onError?.(e);
    }
    return exec.out;
  }
}

/** One file of a template set: what Alertmanager reads from a `templates:` glob. */
export interface TemplateFile {
  /**
   * The file's path or name, used in errors (`template <name>:<line>:<col>: ...`). As Go's
   * ParseGlob does, the file's own text outside `{{ define }}`s becomes a template named after
   * its last path segment (`/etc/alertmanager/slack.tmpl` → `slack.tmpl`).
   */
  readonly name: string;
  readonly text: string;
}

/**
 * Named templates (`{{ define "name" }}`) that field templates can call with
 * `{{ template "name" . }}`: Alertmanager's default names, then the files of a `templates:` list.
 * Immutable; compile each receiver field against it with `set.compile(source, name)`.
 */
export class TemplateSet {
  /** Every name the set defines, sorted. */
  readonly names: readonly string[];
  readonly #defs: ReadonlyMap<string, Definition>;

  /** @internal Use compileTemplateSet. */
  constructor(defs: ReadonlyMap<string, Definition>) {
    this.#defs = defs;
    this.names = Object.freeze([...defs.keys()].sort());
    Object.freeze(this);
  }

  /** Whether `{{ template "name" }}` finds a definition. */
  has(name: string): boolean {
    return this.#defs.has(name);
  }

  /**
   * Compile a receiver field's template (notification data) against the set: its
   * `{{ template "x" . }}` calls resolve to the set's definitions, and its own `{{ define }}`s
   * override the set's for this field only (as Alertmanager parses each field into a copy of its
   * templates). Throws TemplateError, naming `name`, for a problem in the field or in a template
   * it calls with the dot it passes.
   */
  compile(source: string, name = 'template'): Template {
    return this.compileAs(source, name, DATA);
  }

  /** @internal compile against another root type (a check's data, or `T.any`). */
  compileAs(source: string, name: string, root: SType): Template {
    const { src, parsed } = parseSource(source, name);
    let templates = this.#defs;
    if (parsed.defines.size > 0) {
      const own = new Map(templates);
      for (const d of parsed.defines.values()) associate(own, d);
      templates = own;
    }
    check(src, parsed.root, root, templates);
    checkDefinitions(parsed.defines.values(), templates);
    return new CompiledTemplate(name, src.text, parsed.root, templates);
  }
}

function parseSource(source: string, name: string): { src: Source; parsed: Parsed } {
  const src = new Source(String(source), String(name));
  if (src.text.length > MAX_SOURCE_LENGTH) throw src.error(0, `template longer than ${MAX_SOURCE_LENGTH} characters`);
  return { src, parsed: parse(src, lex(src)) };
}

/**
 * Go's Template.associate: a definition from a later parse replaces one of the same name,
 * unless it is empty (white space and comments only) and the earlier one is not.
 */
function associate(defs: Map<string, Definition>, d: Definition): void {
  if (defs.has(d.name) && isEmptyBody(d.body)) return;
  defs.set(d.name, d);
}

/** What a file defines, its own text included under its base name (Go's ParseFiles). */
function fileDefinitions(file: TemplateFile, ownText: boolean): Map<string, Definition> {
  const { src, parsed } = parseSource(file.text, file.name);
  const defs = new Map(parsed.defines);
  const base = src.name.slice(src.name.lastIndexOf('/') + 1);
  if (ownText && base) addDefinition(defs, { name: base, pos: 0, body: parsed.root, src });
  return defs;
}

let defaultDefs: ReadonlyMap<string, Definition> | undefined;

/** Alertmanager's default names, parsed once (definitions are immutable, so sets share them). */
function defaults(): ReadonlyMap<string, Definition> {
  if (!defaultDefs) {
    const defs = fileDefinitions(ALERTMANAGER_DEFAULTS, false);
    checkDefinitions(defs.values(), defs);
    defaultDefs = defs;
  }
  return defaultDefs;
}

/**
 * Compile template files into a set, in Alertmanager's loading order: its default templates
 * first (unless `defaults: false`), then `files` in the order given, which should be the order
 * Alertmanager reads them: each `templates:` glob in turn, each glob's matches sorted by name
 * (Go's filepath.Glob). A name defined again in a later file replaces the earlier definition
 * (an empty redefinition does not); defining a name twice in one file is an error, as in Go.
 *
 * Each definition is checked on its own (syntax, functions, variables, that every template it
 * calls exists); checks that depend on the data are made where a field calls it. Throws
 * TemplateError naming the file, line and column.
 */
export function compileTemplateSet(files: readonly TemplateFile[], opts: { defaults?: boolean } = {}): TemplateSet {
  const base = opts.defaults === false ? undefined : defaults();
  const defs = new Map<string, Definition>(base);
  let total = 0;
  files.forEach((file, i) => {
    const where = (): Source => new Source(String(file.text), String(file.name));
    if (i >= MAX_SET_FILES) throw where().error(0, `more than ${MAX_SET_FILES} template files`);
    total += String(file.text).length;
    if (total > MAX_SET_SOURCE_LENGTH) throw where().error(0, `template files longer than ${MAX_SET_SOURCE_LENGTH} characters together`);
    for (const d of fileDefinitions(file, true).values()) associate(defs, d);
  });
  // The defaults were checked once; check what the files brought (defaults they call come along).
  checkDefinitions([...defs.values()].filter((d) => base?.get(d.name) !== d), defs);
  return new TemplateSet(defs);
}

let defaultSet: TemplateSet | undefined;
const EMPTY_SET = new TemplateSet(new Map());

/** The set of Alertmanager's default names alone: what a field template sees when no set is given. */
export function defaultTemplateSet(): TemplateSet {
  return (defaultSet ??= compileTemplateSet([]));
}

/**
 * Compile a template in Go's text/template syntax (the subset in README), checked against the
 * notification data model. `{{ template "name" }}` resolves in `set` (default: Alertmanager's
 * default names). Throws TemplateError (`template <name>:<line>:<col>: <problem>`).
 */
export function compileTemplate(source: string, name = 'template', set: TemplateSet = defaultTemplateSet()): Template {
  return set.compileAs(source, name, DATA);
}

/**
 * A template over a threshold check's data (`.Value`, `.Severity`, `.Threshold`, `.Name`,
 * `.Condition`, `.Labels`): a check's annotations. Render it with CheckTemplateData. It sees no
 * named templates but its own `{{ define }}`s (Alertmanager's defaults expect notification data).
 */
export function compileCheckTemplate(source: string, name = 'template'): Template {
  return EMPTY_SET.compileAs(source, name, CHECK_DATA);
}

/** compileTemplate against another root type; `T.any` leaves every field check to run time. */
export function compileWith(source: string, name: string, root: SType, set: TemplateSet = defaultTemplateSet()): Template {
  return set.compileAs(source, name, root);
}
