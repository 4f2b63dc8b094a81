import type * as z from 'zod';
import { Config } from './schema';
import { ConfigError, type Issue } from '../errors';

// Kept apart from loader.ts so deployed bundles validate config without pulling in the YAML parser.

/** `route.routes[0].matchers[1]` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return issue.message;
}

/**
 * Validate an already-parsed config object (from YAML, or the JSON bundled into a Lambda). `locate`
 * may add where a key path stands in the source file (the YAML loader adds `(file:line:col)`).
 */
export function parseConfig(raw: unknown, source = 'config', locate: (path: readonly PropertyKey[]) => string = () => ''): Config {
  const result = Config.safeParse(raw);
  if (!result.success) {
    const issues: Issue[] = result.error.issues.map((issue) => ({ path: `${formatPath(issue.path)}${locate(issue.path)}`, message: describeIssue(issue) }));
    throw new ConfigError(`${source} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return result.data;
}

// Kept in warnings.ts so a deployed function logs them without loading the config schema.
export { configWarnings } from './warnings';
