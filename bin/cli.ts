/**
 * `npm run alertflow -- <command>` (or `npx alertflow <command>`, through bin/alertflow.mjs):
 * operator commands against a running alertflow and on config files; `alertflow --help` lists
 * them. The commands are in shared/cli/ (program.ts has the tree).
 *
 * Exit codes: 0 done, 1 the command ran and failed (alertflow answered an error or is not
 * reachable, a channel failed, a config does not load), 2 bad usage (unknown command or option,
 * missing or malformed argument).
 */
import { run } from '../shared/cli/program';

process.exitCode = await run(process.argv);
