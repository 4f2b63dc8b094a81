import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERTFLOW_VERSION } from './version';

describe('ALERTFLOW_VERSION', () => {
  it('is the version package.json states (GET /api/v2/status reports it)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(ALERTFLOW_VERSION).toBe(pkg.version);
  });
});
