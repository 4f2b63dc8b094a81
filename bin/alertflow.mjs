#!/usr/bin/env node
// `npx alertflow <command>` (package.json "bin"): bin/cli.ts, run through tsx in this same Node,
// with no build step. Node 22 is what the project pins; inside the project, npx puts
// node_modules/.bin (where the `node` package's Node 22 is) first on PATH.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
