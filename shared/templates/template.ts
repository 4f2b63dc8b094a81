import { LimitReached, Source } from './errors';
import { Exec } from './exec';
import { lex } from './lexer';
import { CHECK_DATA, DATA, type SType } from './model';
import { parse, type Node } from './parser';
import { check } from './check';
import type { CheckTemplateData, TemplateData, Value } from './values';

/** Default cap on a render's output: 64 KB (UTF-16 code units, what `.length` counts). */
export const DEFAULT_MAX_OUTPUT = 64 * 1024;
/** Default cap on evaluation steps; enough for hundreds of alerts, small enough to stop in ~10 ms. */
export const DEFAULT_MAX_STEPS = 100_000;
/** Longest template source accepted. */
export const MAX_SOURCE_LENGTH = 256 * 1024;

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
  /** Told when a limit cut the render short. */
  onLimit?: (limit: 'output' | 'steps') => void;
  /** Told of an unexpected internal error (a bug); render still returns what it wrote. */
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

/**
 * Compile a template in Go's text/template syntax (the subset in README), checked against the
 * notification data model. Throws TemplateError (`template <name>:<line>:<col>: <problem>`).
 */
export function compileTemplate(source: string, name = 'template'): Template {
  return compileWith(source, name, DATA);
}

/**
 * A template over a threshold check's data (`.Value`, `.Severity`, `.Threshold`, `.Name`,
 * `.Condition`, `.Labels`): a check's annotations. Render it with CheckTemplateData.
 */
export function compileCheckTemplate(source: string, name = 'template'): Template {
  return compileWith(source, name, CHECK_DATA);
}

/** compileTemplate against another root type; `T.any` leaves every field check to run time. */
export function compileWith(source: string, name: string, root: SType): Template {
  const src = new Source(String(source), name);
  if (src.text.length > MAX_SOURCE_LENGTH) throw src.error(0, `template longer than ${MAX_SOURCE_LENGTH} characters`);
  const nodes = parse(src, lex(src));
  check(src, nodes, root);
  return new CompiledTemplate(name, src.text, nodes);
}
