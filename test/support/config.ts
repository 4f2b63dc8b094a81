import { expect } from 'vitest';
import { parseConfigYaml } from '../../shared/config/loader';
import { ConfigError } from '../../shared/errors';

/** The issues an invalid config is refused with, as `path (file:line:col): message` lines. */
export function configIssues(yaml: string): string[] {
  try {
    parseConfigYaml(yaml, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be invalid');
}
