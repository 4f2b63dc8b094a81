import { Config } from './schema';
import { describeIssue, formatPath } from '../primitives/issues';
import { ConfigError, type Issue } from '../errors';
import { useTemplateFiles } from '../channels/templating';
import { TemplateError, type TemplateFile } from '../templates';

// Kept apart from loader.ts: validating a config object (synth, tests) needs no YAML parser. Deployed
// functions import none of this (shared/config/bundled.ts); request validation takes paths from shared/primitives/issues.ts.
export { describeIssue, formatPath } from '../primitives/issues';

/**
 * Validate an already-parsed config object (from YAML, or the JSON bundled into a Lambda). `locate`
 * may add where a key path stands in the source file (the YAML loader adds `(file:line:col)`).
 */
export function parseConfig(raw: unknown, source = 'config', locate: (path: readonly PropertyKey[]) => string = () => ''): Config {
  // The entries' templates compile against the config's template files.
  try {
    useTemplateFiles(templateFilesOf(raw));
  } catch (err) {
    const message = err instanceof TemplateError ? err.message : String(err);
    throw new ConfigError(`${source} is invalid:\n  templates${locate(['templates'])}: ${message}`, [{ path: `templates${locate(['templates'])}`, message }]);
  }
  const result = Config.safeParse(raw);
  if (!result.success) {
    const issues: Issue[] = result.error.issues.map((issue) => ({ path: `${formatPath(issue.path)}${locate(issue.path)}`, message: describeIssue(issue) }));
    throw new ConfigError(`${source} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return result.data;
}

// Kept in warnings.ts so a deployed function logs them without loading the config schema.
export { configWarnings } from './warnings';

/** The template files of a config not validated yet (the schema checks their shape after). */
function templateFilesOf(raw: unknown): TemplateFile[] {
  const files = (raw as { template_files?: unknown } | null)?.template_files;
  if (!Array.isArray(files)) return [];
  return files.filter((f): f is TemplateFile => typeof f?.name === 'string' && typeof f?.text === 'string');
}
