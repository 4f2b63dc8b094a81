import { ALERTMANAGER_BIN, alertmanagerMissing } from './alertmanager';

/**
 * vitest globalSetup of the Alertmanager tests: without the binary, stop the whole run before any
 * test starts, with one line saying what to install. Exiting here (rather than throwing) keeps the
 * output to that line: a thrown error comes wrapped in vitest's "No test files found" report.
 */
export default function setup(): void {
  const problem = alertmanagerMissing(ALERTMANAGER_BIN);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
