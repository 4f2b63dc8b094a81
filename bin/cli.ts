/**
 * `npm run alertflow -- <command>`: operator commands against a running alertflow (the local runtime
 * by default, or a deployment: set ALERTFLOW_URL to the API URL and ALERTFLOW_TOKEN to a bearer token).
 * `npm run alertflow -- --help` (or `<command> --help`) prints the usage.
 *
 * Exit codes: 0 done, 1 the command ran and failed (a channel failed, alertflow answered an error),
 * 2 bad usage (unknown command or option, missing argument).
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_TOKEN } from '../shared/local/defaults';

const url = (process.env.ALERTFLOW_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const token = process.env.ALERTFLOW_TOKEN ?? process.env.ALERTFLOW_WEBHOOK_TOKEN ?? DEFAULT_TOKEN;

async function call(method: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new Error(`cannot reach alertflow at ${url} (${(err as Error).message}); is it running? set ALERTFLOW_URL`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new Error(`${res.status}: ${body.message ?? 'request failed'}`);
  return body;
}

interface TestResult {
  channel: string;
  status: string;
  target?: string;
  attempts: number;
  last?: { status?: number; reason?: string; latencyMs: number };
  /** PagerDuty: the resolve sent after the test trigger, closing its incident. */
  resolve?: Omit<TestResult, 'channel' | 'resolve'>;
}

async function testReceiver(name: string): Promise<void> {
  const { results } = (await call('POST', `/v1/channels/${encodeURIComponent(name)}/test`)) as { results: TestResult[] };
  if (results.length === 0) console.log(`receiver ${name} has no channels`);
  for (const r of results) {
    const detail = [r.target, r.last?.status && `HTTP ${r.last.status}`, r.last?.reason, r.last && `${r.last.latencyMs} ms`, `${r.attempts} attempt(s)`].filter(Boolean).join(', ');
    console.log(`${r.status === 'delivered' ? 'ok  ' : 'FAIL'} ${r.channel.padEnd(14)} ${r.status.padEnd(13)} ${detail}`);
    if (r.resolve) console.log(`${r.resolve.status === 'delivered' ? 'ok  ' : 'FAIL'} ${'  resolve'.padEnd(14)} ${r.resolve.status.padEnd(13)} closes the test incident`);
  }
  if (!results.every((r) => r.status === 'delivered' && (!r.resolve || r.resolve.status === 'delivered'))) process.exitCode = 1;
}

async function redrive(channel: string | undefined): Promise<void> {
  const { moved, approximate } = (await call('POST', `/v1/redrive${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`)) as {
    moved: Record<string, number>;
    approximate: boolean;
  };
  for (const [ch, n] of Object.entries(moved)) console.log(`${ch.padEnd(10)} ${approximate ? '~' : ''}${n} moved back to its queue`);
}

const program = new Command('alertflow')
  .usage('<command> [options]   (npm run alertflow -- <command>)')
  .description('Operator commands against a running alertflow (the local runtime, or a deployment).')
  .addHelpText(
    'after',
    [
      '',
      'Environment:',
      '  ALERTFLOW_URL    API URL (default http://127.0.0.1:$PORT, PORT default 3000)',
      '  ALERTFLOW_TOKEN  bearer token (default ALERTFLOW_WEBHOOK_TOKEN, else the local default)',
    ].join('\n'),
  )
  .helpCommand(true)
  .showHelpAfterError()
  // Usage errors exit 2 (below); help exits 0.
  .exitOverride();

program
  .command('test-receiver')
  .description('send a marked test notification to every channel of a receiver; exit 1 if any channel fails')
  .argument('<name>', 'the receiver, as named in alertflow.yaml')
  .action(testReceiver);

program
  .command('redrive')
  .description("move dead-lettered notifications back to their channels' queues")
  .argument('[channel]', 'one channel type (slack, email, ...); default: all')
  .action(redrive);

const config = program.command('config').description('work with config files');
config
  .command('import')
  .description("print the alertflow config an alertmanager.yml makes, and (to stderr) what of it alertflow will not honour; exit 1 if it does not load")
  .argument('<file>', 'an Alertmanager config file')
  .action(async (file: string) => {
    const { readFileSync } = await import('node:fs');
    const { stringify } = await import('yaml');
    const { importConfigYaml } = await import('../shared/config/loader');
    const text = readFileSync(file, 'utf8');
    const { document, warnings } = importConfigYaml(text, file);
    for (const w of warnings) console.error(`${file}: warning: ${w}`);
    process.stdout.write(stringify(document));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed the help or the error with the usage; a bare `alertflow` (no command)
    // shows the help as an error too.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  console.error(`alertflow: ${(err as Error).message}`);
  process.exit(1);
}
