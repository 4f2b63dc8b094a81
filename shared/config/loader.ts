import { readFileSync, existsSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { Config } from './schema';
import { ConfigError } from '../errors';
import { parseConfig } from './validate';

/** Parse and validate YAML text; issues carry `file:line:col` when the key can be located. */
export function parseConfigYaml(text: string, file = 'alertflow.yaml'): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return { path: pos ? `${file}:${pos.line}:${pos.col}` : file, message: e.message.split('\n')[0] ?? e.message };
    });
    throw new ConfigError(`${file} is not valid YAML:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return parseConfig(doc.toJS(), file, (path) => locate(doc, lineCounter, path, file));
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
