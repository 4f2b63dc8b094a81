import type { ApiTarget } from './client';
import type { OutputFormat } from './output';

/** What every API verb runs with: where alertflow is, how to print, where to print. */
export interface CliContext {
  target: ApiTarget;
  output: OutputFormat;
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => number;
}
