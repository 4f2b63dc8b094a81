import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that run a real Prometheus Alertmanager (see test/support/alertmanager-setup.ts). */
const ALERTMANAGER_TESTS = ['test/e2e/real-alertmanager.test.ts', 'test/e2e/alertmanager-differential.test.ts', 'test/e2e/silence-updates.test.ts', 'test/e2e/alertmanager-api.test.ts', 'test/e2e/alertmanager-api-differential.test.ts', 'test/e2e/inhibition-resolve-differential.test.ts', 'test/e2e/group-by-differential.test.ts', 'test/e2e/alertmanager-templates.test.ts', 'test/e2e/regex-syntax-differential.test.ts', 'test/e2e/large-group-differential.test.ts', 'test/e2e/cli-amtool.test.ts', 'test/e2e/relay-differential.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Focused or skipped tests must never land.
    allowOnly: false,
    // Two projects so the Alertmanager check runs only when a run includes those tests: vitest runs
    // a project's globalSetup only when the project has files to test.
    projects: [
      {
        extends: true,
        test: { name: 'alertflow', include: ['test/**/*.test.ts', 'shared/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALERTMANAGER_TESTS] },
      },
      { extends: true, test: { name: 'alertmanager', include: ALERTMANAGER_TESTS, globalSetup: ['test/support/alertmanager-setup.ts'] } },
    ],
  },
});
