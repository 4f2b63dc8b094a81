/**
 * `npm start`: bundle the local runtime (bin/build-local.mjs, in a child process), then run the
 * bundle. Running the TypeScript through tsx's loader instead, as the tests do, left the loader in
 * the process and in every worker: later to notify a storm's groups, and more memory (ADR 0006,
 * "npm start runs a bundle"). The build takes well under a second.
 *
 * Plain JavaScript, so that node runs it without a loader.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
try {
  execFileSync(process.execPath, [join(root, 'bin', 'build-local.mjs')], { stdio: 'inherit' });
} catch {
  // esbuild has printed what failed to build.
  process.exit(1);
}
// Source maps stay off: with them on, a 100k storm took 2.4–2.6 s to notify every group instead of
// 1.9–2.0 s. The bundle is not minified, so a stack trace still names each function;
// NODE_OPTIONS=--enable-source-maps maps it to the TypeScript sources (the build writes the maps).
await import(pathToFileURL(join(root, 'node_modules', '.cache', 'alertflow', 'local', 'local.mjs')).href);
