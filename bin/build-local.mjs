/**
 * Bundles the local runtime (bin/local.ts and its ingest worker) into node_modules/.cache/alertflow/
 * for `npm start` (bin/start.mjs runs this in a child process, so that neither esbuild nor the
 * build's buffers stay in the runtime's memory). Packages stay in node_modules, imported from there
 * as usual; only the project's own sources are bundled.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const LOCAL_BUILD_DIR = join(root, 'node_modules', '.cache', 'alertflow', 'local');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['bin/local.ts', 'bin/ingest-worker.ts'],
  outdir: LOCAL_BUILD_DIR,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  tsconfig: join(root, 'tsconfig.json'),
  sourcemap: 'linked',
  write: false,
  logLevel: 'warning',
});
// Two starts at once (tests do this) each write whole files and rename them into place, so neither
// imports a file the other is halfway through writing.
mkdirSync(LOCAL_BUILD_DIR, { recursive: true });
for (const file of result.outputFiles) {
  const partial = join(LOCAL_BUILD_DIR, `.${basename(file.path)}.${process.pid}`);
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
