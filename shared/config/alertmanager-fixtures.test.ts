import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigYaml } from './loader';

/**
 * Real alertmanager.yml files from public repositories (test/fixtures/alertmanager-configs, each
 * with its source; those at the top accepted by `amtool check-config` of Alertmanager 0.25, those
 * in newer/ by later releases). Every one loads with zero errors; what alertflow cannot honour is
 * a warning naming its key path and position.
 */
const DIR = join(__dirname, '../../test/fixtures/alertmanager-configs');
const FIXTURES = [...readdirSync(DIR).filter((f) => f.endsWith('.yml')), ...readdirSync(join(DIR, 'newer')).map((f) => `newer/${f}`)];

describe('real alertmanager.yml files', () => {
  it('are at least ten', () => expect(FIXTURES.length).toBeGreaterThanOrEqual(10));

  it.each(FIXTURES)('%s loads with zero errors', (file) => {
    const { config, warnings } = importConfigYaml(readFileSync(join(DIR, file), 'utf8'), join(DIR, file));
    expect(config.receivers.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatch(/^\S+ \(\S+:\d+:\d+\): /);
  });

  it('a discord receiver loads without it, saying what will not be delivered', () => {
    const { warnings } = importConfigYaml(readFileSync(join(DIR, 'ansible-discord.yml'), 'utf8'), 'ansible-discord.yml');
    expect(warnings.some((w) => /discord_configs .*alertflow has no Discord channel/.test(w))).toBe(true);
  });
});
