/**
 * The local runtime in a child process: `node --import tsx test/support/runtime-child.ts`, with
 * the alertflow.yaml text in ALERTFLOW_TEST_CONFIG and the token in ALERTFLOW_TEST_TOKEN. Prints
 * one JSON line `{"url": ...}` once listening, then serves until killed. See runtime-process.ts.
 */
import { startRuntimeWithConfig } from './runtime';

const rt = await startRuntimeWithConfig(process.env.ALERTFLOW_TEST_CONFIG ?? '', { token: process.env.ALERTFLOW_TEST_TOKEN ?? '' });
process.stdout.write(`${JSON.stringify({ url: rt.url })}\n`);
