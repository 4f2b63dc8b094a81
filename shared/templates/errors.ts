import { AlertflowError } from '../errors';

/**
 * A template failed to compile. The message is `template <name>:<line>:<column>: <problem>`, so a
 * config error can point at the exact spot; `details` carries the same parts for API responses.
 */
export class TemplateError extends AlertflowError {
  readonly template: string;
  readonly line: number;
  readonly column: number;
  readonly problem: string;

  constructor(template: string, line: number, column: number, problem: string) {
    super('invalid_template', 400, `template ${template}:${line}:${column}: ${problem}`, {
      details: { template, line, column, problem },
    });
    this.template = template;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/** The text being compiled; turns offsets into 1-based line:column for errors. */
export class Source {
  constructor(
    readonly text: string,
    readonly name: string,
  ) {}

  location(pos: number): { line: number; column: number } {
    let line = 1;
    let start = 0;
    const end = Math.min(Math.max(pos, 0), this.text.length);
    for (let i = this.text.indexOf('\n'); i !== -1 && i < end; i = this.text.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    return { line, column: end - start + 1 };
  }

  where(pos: number): string {
    const { line, column } = this.location(pos);
    return `${line}:${column}`;
  }

  error(pos: number, problem: string): TemplateError {
    const { line, column } = this.location(pos);
    return new TemplateError(this.name, line, column, problem);
  }
}

/** Thrown inside render when a limit is hit; render catches it and returns the text so far. */
export class LimitReached extends Error {
  constructor(readonly limit: 'output' | 'steps') {
    super(`template ${limit} limit reached`);
  }
}
