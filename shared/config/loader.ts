import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { Config } from './schema';
import { ConfigError } from '../errors';
import { parseConfig } from './validate';
import { fromAlertmanager } from './alertmanager';
import type { TemplateFile } from '../templates';
import { templateSetOf, undefinedTemplateName } from '../channels/templating';
import type { Issue } from '../errors';
import { noteLoadWarnings } from './warnings';

/** Parse and validate YAML text; issues carry `file:line:col` when the key can be located. */
export function parseConfigYaml(text: string, file = 'alertflow.yaml'): Config {
  return loadYaml(text, file).config;
}

/**
 * An alertmanager.yml (or an alertflow.yaml) as alertflow reads it: the document translated to
 * alertflow's keys (before defaults), the validated config, and the warnings with their key paths
 * and file positions. ConfigError when it does not load.
 */
export function importConfigYaml(text: string, file = 'alertmanager.yml'): { document: unknown; config: Config; warnings: string[] } {
  return loadYaml(text, file);
}

function loadYaml(text: string, file: string): { document: unknown; config: Config; warnings: string[] } {
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *defaults`) as Alertmanager's YAML reads them.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: pos ? `${file}:${pos.line}:${pos.col}` : file, message: e.message.split('\n')[0] ?? e.message };
    });
    throw new ConfigError(`${file} is not valid YAML:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  const { config: document, warnings } = fromAlertmanager(doc.toJS());
  const where = (path: readonly PropertyKey[]) => locate(doc, lineCounter, path, file);
  readTemplateFiles(document, dirname(file), warnings);
  const config = parseConfig(document, file, where);
  const lines = warnings.map((w) => `${w.path}${where(pathKeys(w.path))}: ${w.message}`);
  noteLoadWarnings(config, lines);
  return { document, config, warnings: lines };
}

/** `receivers[0].slack_configs[1]` as the key list `locate` walks. */
function pathKeys(path: string): PropertyKey[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function locate(doc: Document, lines: LineCounter, path: readonly PropertyKey[], file: string): string {
  // Walk up until a node exists (a missing key is reported at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return ` (${file}:${pos.line}:${pos.col})`;
    }
  }
  return '';
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, [{ path: file, message: 'cannot read file' }], { cause: err });
  }
  return parseConfigYaml(text, file);
}

export const EXAMPLE_CONFIG = 'alertflow.example.yaml';

/** The config file to use: the given path, else alertflow.yaml, else the shipped example. */
export function resolveConfigPath(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) return explicit;
  const preferred = `${cwd}/alertflow.yaml`;
  return existsSync(preferred) ? preferred : `${cwd}/${EXAMPLE_CONFIG}`;
}

/**
 * Read the files `templates` globs match (relative to the config file's directory, each glob's
 * matches in sorted order, as Alertmanager's FromGlobs reads them) into `template_files`. A field
 * template that calls a name no file or default defines is dropped with a warning: Alertmanager
 * loads such a file and fails only when it sends; alertflow uses its default rendering there.
 */
function readTemplateFiles(document: unknown, baseDir: string, warnings: Issue[]): void {
  if (typeof document !== 'object' || document === null) return;
  const doc = document as { templates?: unknown; template_files?: unknown; receivers?: unknown };
  if (!Array.isArray(doc.templates) || doc.template_files !== undefined) return;
  const files: TemplateFile[] = [];
  for (const glob of doc.templates) {
    if (typeof glob !== 'string' || glob === '') continue;
    const pattern = isAbsolute(glob) ? glob : join(baseDir, glob);
    for (const name of globSync(pattern).sort()) files.push({ name, text: readFileSync(name, 'utf8') });
  }
  doc.template_files = files;
  let set;
  try {
    set = templateSetOf(files);
  } catch {
    return; // The config check reports the file's error with its position.
  }
  if (!Array.isArray(doc.receivers)) return;
  doc.receivers.forEach((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) return;
    for (const [key, entries] of Object.entries(r)) {
      if (!key.endsWith('_configs') || !Array.isArray(entries)) continue;
      entries.forEach((e: unknown, j) => {
        if (typeof e !== 'object' || e === null) return;
        const entry = e as Record<string, unknown>;
        for (const [field, value] of Object.entries(entry)) {
          if (typeof value !== 'string' || !value.includes('{{')) continue;
          const missing = undefinedTemplateName(value, set);
          if (missing === undefined) continue;
          delete entry[field];
          warnings.push({
            path: `receivers[${i}].${key}[${j}].${field}`,
            message: `calls template ${JSON.stringify(missing)}, which no templates: file defines (${files.length} file${files.length === 1 ? '' : 's'} read): alertflow renders its default ${field} here (Alertmanager would fail to send)`,
          });
        }
      });
    }
  });
}
