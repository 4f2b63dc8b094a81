import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigYaml } from '../../../shared/config/loader';

/**
 * Real alertmanager.yml files from public repositories (test/fixtures/alertmanager-configs, each
 * with its source, and each accepted by `amtool check-config` of Alertmanager 0.25). Those listed
 * here load with zero errors. The others use `templates:` (template files), which the config does
 * not read yet (issue 14 point 1): they join this list when it does.
 */
const DIR = join(__dirname, '../../fixtures/alertmanager-configs');
const LOADING = [
  'alerta-webhook-basic-auth.yml',
  'ansible-discord.yml',
  'crunchy-pgmonitor-email.yml',
  'devops-toolkit-generated-slack.yml',
  'django-cms-email-slack.yml',
  'karma-demo.yml',
];

describe('real alertmanager.yml files', () => {
  it.each(LOADING)('%s loads with zero errors', (file) => {
    const { config, warnings } = importConfigYaml(readFileSync(join(DIR, file), 'utf8'), file);
    expect(config.receivers.length).toBeGreaterThan(0);
    // Every warning names a key path and its position in the file.
    for (const w of warnings) expect(w).toMatch(new RegExp(`^\\S+ \\(${file.replace(/\./g, '\\.')}:\\d+:\\d+\\): `));
  });

  it('the fixtures not listed are exactly those that use templates:', () => {
    const rest = readdirSync(DIR).filter((f) => f.endsWith('.yml') && !LOADING.includes(f));
    for (const f of rest) expect(readFileSync(join(DIR, f), 'utf8'), f).toMatch(/^templates:/m);
  });

  it('a discord receiver loads without it, saying what will not be delivered', () => {
    const { warnings } = importConfigYaml(readFileSync(join(DIR, 'ansible-discord.yml'), 'utf8'), 'ansible-discord.yml');
    expect(warnings.some((w) => /discord_configs .*alertflow has no Discord channel/.test(w))).toBe(true);
  });
});
