/**
 * The `alertflow` CLI (bin/cli.ts runs it; `npm run alertflow -- <command>` or `npx alertflow
 * <command>`): operator commands against a running alertflow (the local runtime by default, or a
 * deployment: `--url`/ALERTFLOW_URL and `--token`/ALERTFLOW_TOKEN) and on config files.
 *
 * Exit codes: 0 done, 1 the command ran and failed (alertflow answered an error or is not
 * reachable, a channel failed, a config does not load, routes did not match --verify-receivers),
 * 2 bad usage (unknown command or option, missing or malformed argument).
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { apiCall, CliFailure, defaultToken, defaultUrl } from './client';
import type { CliContext } from './context';
import { formatJson, OUTPUT_FORMATS, type OutputFormat } from './output';
import { collect, collectKeyValue, durationArg, parseLabelArgs, parseMatcherArgs, positiveIntArg, positiveNumberArg, timeArg } from './args';
import { userInfo } from 'node:os';
import { ALERTFLOW_VERSION } from '../version';
import { CHANNEL_TYPES, type ChannelType } from '../channel-types';

const out = (text: string) => void process.stdout.write(text);
const err = (text: string) => void process.stderr.write(text);

/** The global options as a command sees them, wherever on the line they were given. */
function context(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals<{ url?: string; token?: string; output: OutputFormat }>();
  return { target: { url: o.url ?? defaultUrl(), token: o.token ?? defaultToken() }, output: o.output, out, err, now: Date.now };
}

/** The user's login name, as amtool defaults a silence's author to it; undefined when the system has none. */
function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

/** Arguments parsed inside an action: a malformed one is a usage error (exit 2) with the command's usage. */
function parsed<T>(cmd: Command, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof InvalidArgumentError) cmd.error(`error: ${e.message}`, { exitCode: 2, code: 'alertflow.invalidArgument' });
    throw e;
  }
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

async function testReceiver(name: string, _opts: unknown, cmd: Command): Promise<void> {
  const ctx = context(cmd);
  const res = await apiCall<{ results: TestResult[] }>(ctx.target, 'POST', `/v1/channels/${encodeURIComponent(name)}/test`);
  const { results } = res;
  if (ctx.output === 'json') out(formatJson(res));
  else {
    if (results.length === 0) out(`receiver ${name} has no channels\n`);
    for (const r of results) {
      const detail = [r.target, r.last?.status && `HTTP ${r.last.status}`, r.last?.reason, r.last && `${r.last.latencyMs} ms`, `${r.attempts} attempt(s)`].filter(Boolean).join(', ');
      out(`${r.status === 'delivered' ? 'ok  ' : 'FAIL'} ${r.channel.padEnd(14)} ${r.status.padEnd(13)} ${detail}\n`);
      if (r.resolve) out(`${r.resolve.status === 'delivered' ? 'ok  ' : 'FAIL'} ${'  resolve'.padEnd(14)} ${r.resolve.status.padEnd(13)} closes the test incident\n`);
    }
  }
  if (!results.every((r) => r.status === 'delivered' && (!r.resolve || r.resolve.status === 'delivered'))) process.exitCode = 1;
}

async function redrive(channel: string | undefined, _opts: unknown, cmd: Command): Promise<void> {
  const ctx = context(cmd);
  const res = await apiCall<{ moved: Record<string, number>; approximate: boolean }>(ctx.target, 'POST', `/v1/redrive${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`);
  if (ctx.output === 'json') return out(formatJson(res));
  for (const [ch, n] of Object.entries(res.moved)) out(`${ch.padEnd(10)} ${res.approximate ? '~' : ''}${n} moved back to its queue\n`);
}

/** The config file a config command reads: the argument, else $ALERTFLOW_CONFIG, else alertflow.yaml, else the example. */
async function configPath(file: string | undefined): Promise<string> {
  const { resolveConfigPath } = await import('../config/loader');
  return resolveConfigPath(file ?? process.env.ALERTFLOW_CONFIG);
}

/** The route tree of a config file; a file that does not load fails the command (exit 1) with its problems. */
async function loadRouteTree(file: string | undefined) {
  const { loadConfigFile } = await import('../config/loader');
  const { buildRouteTree } = await import('../routing/route-tree');
  const { ConfigError } = await import('../errors');
  try {
    return buildRouteTree(loadConfigFile(await configPath(file)).route);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliFailure(e.message, { cause: e });
    throw e;
  }
}

/** The command tree. Commands print to stdout/stderr and set process.exitCode; parse with `run`. */
export function buildProgram(): Command {
  const program = new Command('alertflow')
    .usage('<command> [options]   (npm run alertflow -- <command>, or npx alertflow <command>)')
    .description('Operator commands against a running alertflow (the local runtime, or a deployment), and on config files.')
    .version(ALERTFLOW_VERSION, '-V, --version')
    .option('--url <url>', 'alertflow API URL (default: $ALERTFLOW_URL, else http://127.0.0.1:$PORT, PORT default 3000)')
    .option('--token <token>', 'bearer token (default: $ALERTFLOW_TOKEN, else $ALERTFLOW_WEBHOOK_TOKEN, else the local default); prefer the variable: options show in ps')
    .addOption(new Option('-o, --output <format>', 'how results are printed').choices(OUTPUT_FORMATS).default('table'))
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  ALERTFLOW_URL    API URL (default http://127.0.0.1:$PORT, PORT default 3000)',
        '  ALERTFLOW_TOKEN  bearer token (default ALERTFLOW_WEBHOOK_TOKEN, else the local default)',
        '  ALERTFLOW_CONFIG the config file of config commands (default alertflow.yaml, else the shipped example)',
        '',
        'Exit codes: 0 done; 1 the command ran and failed (alertflow answered an error or is not reachable,',
        'a channel failed, a config does not load); 2 bad usage (unknown command or option, bad argument).',
      ].join('\n'),
    )
    .helpCommand(true)
    // Every command's --help lists --url, --token and --output too (subcommands inherit this).
    .configureHelp({ showGlobalOptions: true })
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

  const deliveries = program.command('deliveries').description('the delivery log: every notification, what became of it, and a retry for one that failed for good');
  deliveries
    .command('list', { isDefault: true })
    .description('list notifications newest first (GET /v1/deliveries): status, attempts, last error')
    .option('--status <status>', 'only these statuses, comma-separated: failed (failed for good or dead-lettered), delivered, retrying, in_progress, dead_lettered')
    .option('--receiver <name>', 'only this receiver')
    .option('--channel <type>', 'only this channel type (slack, email, webhook, ...)')
    .option('--since <time>', 'made since: a duration back from now (24h, 7d) or an RFC 3339 time; default 24h')
    .option('--limit <n>', `at most this many rows (default 100)`)
    .action(async (opts: { status?: string; receiver?: string; channel?: string; since?: string; limit?: string }, cmd: Command) => {
      const { listDeliveries } = await import('./deliveries');
      await listDeliveries(context(cmd), opts);
    });
  deliveries
    .command('show')
    .description('one notification and each attempt (GET /v1/deliveries/{id})')
    .argument('<id>', 'the notification id (deliveries list shows it)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { showDelivery } = await import('./deliveries');
      await showDelivery(context(cmd), id);
    });
  deliveries
    .command('retry')
    .description('send a notification that failed for good again, once its cause is fixed (POST /v1/deliveries/{id}/retry)')
    .argument('<id>', 'the notification id (deliveries list --status failed shows it)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { retryDelivery } = await import('./deliveries');
      await retryDelivery(context(cmd), id);
    });

  // ---------------------------------------------------------------------------------------------
  // config

  const config = program.command('config').description('work with config files (no running alertflow needed)');
  config
    .command('import')
    .description("print the alertflow config an alertmanager.yml makes, and (to stderr) what of it alertflow will not honour; exit 1 if it does not load")
    .argument('<file>', 'an Alertmanager config file')
    .action(async (file: string) => {
      const { readFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      const { importConfigYaml } = await import('../config/loader');
      const text = readFileSync(file, 'utf8');
      const { document, warnings } = importConfigYaml(text, file);
      for (const w of warnings) console.error(`${file}: warning: ${w}`);
      process.stdout.write(stringify(document));
    });

  config
    .command('check')
    .description('validate a config file (as npm run config:check): every problem with its key path, escalation timelines, heartbeats, checks, and every secret reference with whether its env var is set here (never its value); exit 1 if it does not load')
    .argument('[file]', 'the config file (default: $ALERTFLOW_CONFIG, else alertflow.yaml, else the shipped example); an alertmanager.yml works too')
    .action(async (file: string | undefined) => {
      const { checkConfigFile } = await import('./config-check');
      process.exitCode = checkConfigFile(await configPath(file), { out, err, env: process.env });
    });

  const routes = config.command('routes').description("a config file's routing tree, as amtool config routes shows and tests it");
  routes
    .command('show')
    .description('print the routing tree: each route with its matchers, continue, receiver and group_by (and escalation policy, time intervals), indented')
    .argument('[file]', 'the config file (default: as config check)')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      const { formatRouteTree, routeTreeJson } = await import('./routes');
      const tree = await loadRouteTree(file);
      out(context(cmd).output === 'json' ? formatJson(routeTreeJson(tree)) : formatRouteTree(tree));
    });
  routes
    .command('test')
    .description('print the receivers an alert with these labels is routed to, in order, comma-separated (as amtool config routes test)')
    .argument('[file]', 'the config file (default: as config check)')
    .option('--labels <labels>', 'the labels, comma-separated: a=b,c="d e"', collect)
    .option('--label <label>', 'one label a=b (repeatable)', collect)
    .option('--verify-receivers <receivers>', 'exit 1 unless the receivers are exactly these (comma-separated, in order)')
    .action(async (file: string | undefined, opts: { labels?: string[]; label?: string[]; verifyReceivers?: string }, cmd: Command) => {
      const labels = parsed(cmd, () => parseLabelArgs([...(opts.labels ?? []), ...(opts.label ?? [])]));
      const { routeReceivers } = await import('./routes');
      const receivers = routeReceivers(await loadRouteTree(file), labels);
      out(context(cmd).output === 'json' ? formatJson(receivers) : `${receivers.join(',')}\n`);
      if (opts.verifyReceivers !== undefined && opts.verifyReceivers !== receivers.join(',')) {
        throw new CliFailure(`expected receivers ${opts.verifyReceivers}, the labels route to ${receivers.join(',') || 'none'}`);
      }
    });

  // ---------------------------------------------------------------------------------------------
  // template

  const template = program.command('template').description('try notification templates (no running alertflow needed)');
  template
    .command('render')
    .description("render a template against an alert group, as a channel's template field renders (Alertmanager's data model and default names, e.g. '{{ template \"slack.default.title\" . }}'); with --channel, the whole notification that channel would send; exit 1 if it does not compile")
    .argument('[template]', 'the template text, or a file holding it (not with --channel)')
    .option('--templates <glob>', 'template files whose defines it may call, as a config\'s templates: (repeatable)', collect)
    .option('--alert <file>', 'the alert group: an Alertmanager webhook body, a list of alerts or one alert (JSON); default: one firing DiskFull alert')
    .addOption(new Option('--channel <type>', "render the whole notification as this channel's renderer builds it (-o json: the payload)").choices(CHANNEL_TYPES))
    .option('--config <file>', "with --channel: take the channel's entry (its templates, format, ...) from this config file")
    .option('--receiver <name>', "with --config: the receiver whose first entry of the channel's type is used (default: the first receiver that has one)")
    .action(async (source: string | undefined, opts: { templates?: string[]; alert?: string; channel?: ChannelType; config?: string; receiver?: string }, cmd: Command) => {
      const { readAlertGroup, renderTemplate, SAMPLE_GROUP } = await import('./templates');
      if (opts.channel && source !== undefined) cmd.error('error: give a template or --channel, not both', { exitCode: 2, code: 'alertflow.invalidArgument' });
      if (!opts.channel && source === undefined) cmd.error("error: missing required argument 'template' (or --channel <type>)", { exitCode: 2, code: 'alertflow.invalidArgument' });
      if (!opts.channel && (opts.config || opts.receiver)) cmd.error('error: --config and --receiver go with --channel', { exitCode: 2, code: 'alertflow.invalidArgument' });
      if (opts.receiver && !opts.config) cmd.error('error: --receiver needs --config <file>', { exitCode: 2, code: 'alertflow.invalidArgument' });
      const group = opts.alert ? readAlertGroup(opts.alert) : SAMPLE_GROUP;
      if (opts.channel) {
        const { channelEntry, formatRendered, notificationOf, renderChannel } = await import('./render-channel');
        const { readTemplateFiles } = await import('./templates');
        const { receiver, entry, templateFiles } = await channelEntry(opts.channel, opts);
        const files = [...templateFiles, ...readTemplateFiles(opts.templates ?? [])];
        const payload = renderChannel(opts.channel, notificationOf(group, opts.channel, receiver), entry, files);
        out(context(cmd).output === 'json' ? formatJson(payload) : formatRendered(opts.channel, payload));
        return;
      }
      const text = renderTemplate(source!, { ...(opts.templates ? { templateGlobs: opts.templates } : {}), group, warn: err });
      out(text.endsWith('\n') ? text : `${text}\n`);
    });

  // ---------------------------------------------------------------------------------------------
  // alert

  const alert = program.command('alert').description('query and add alerts');
  alert
    .command('query', { isDefault: true })
    .description('list firing alerts (GET /v1/alerts): alertname, state, starts, summary')
    .argument('[matchers...]', 'keep alerts matching all of these: alertname=DiskFull instance=~"db-.*" (a first bare word is the alertname)')
    .option('-a, --all', 'resolved alerts too (alertflow lists them for an hour after they resolve)')
    .option('--state <states>', 'only these states, comma-separated: firing, silenced, inhibited, throttled, cooldown, failed, resolved')
    .option('--receiver <name>', 'only alerts routed to this receiver')
    .action(async (args: string[], opts: { all?: boolean; state?: string; receiver?: string }, cmd: Command) => {
      const matchers = parsed(cmd, () => parseMatcherArgs(args, { alertnameFirst: true }));
      const { queryAlerts } = await import('./alerts');
      await queryAlerts(context(cmd), matchers, opts);
    });
  alert
    .command('add')
    .description('fire an alert (POST /api/v2/alerts, as amtool alert add); it resolves at --end, else after global.resolve_timeout unless added again')
    .argument('<labels...>', 'its labels: alertname=DiskFull instance=db-1 (or DiskFull instance=db-1)')
    .option('--annotation <name=value>', 'an annotation (repeatable): --annotation summary="disk 95% full"', collectKeyValue)
    .option('--start <time>', 'when it started: an RFC 3339 time (default now)', (v: string) => timeArg(v))
    .option('--end <time|duration>', 'when it resolves: an RFC 3339 time, or a duration from now (2h)', (v: string) => timeArg(v))
    .option('--generator-url <url>', 'a link back to its source')
    .action(async (args: string[], opts: { annotation?: Record<string, string>; start?: Date; end?: Date; generatorUrl?: string }, cmd: Command) => {
      const labels = parsed(cmd, () => parseLabelArgs(args, { alertnameFirst: true }));
      const { addAlert } = await import('./alerts');
      await addAlert(context(cmd), labels, {
        ...(opts.annotation ? { annotations: opts.annotation } : {}),
        ...(opts.start ? { start: opts.start } : {}),
        ...(opts.end ? { end: opts.end } : {}),
        ...(opts.generatorUrl ? { generatorUrl: opts.generatorUrl } : {}),
      });
    });

  program
    .command('fire')
    .description("replay a scenario: timed steps of firing and resolved alerts, posted to POST /api/v2/alerts, one line per step; exit 1 if a post is refused (the replay stops there)")
    .argument('<scenario>', 'the scenario file (YAML): steps: [{ after: 5s, fire: [{ labels, annotations }], resolve: [{ labels }] }]')
    .option('--speed <factor>', 'divide every wait by this (2: twice as fast, 0.5: half)', positiveNumberArg, 1)
    .action(async (file: string, opts: { speed: number }, cmd: Command) => {
      const { fireScenario, readScenario } = await import('./load');
      await fireScenario(context(cmd), await readScenario(file), opts);
    });

  program
    .command('storm')
    .description('post a generated storm (alertname storm-<group>, instance <i>), then summarize what got through: alerts accepted, requests refused by status, elapsed, rate, and the groups alertflow holds and notified (GET /v1/groups, polled until they stop growing or --wait); exit 1 if a request was refused')
    .requiredOption('--alerts <n>', 'how many alerts', positiveIntArg)
    .requiredOption('--groups <n>', 'how many groups (distinct alertnames) they fall into', positiveIntArg)
    .option('--batch <n>', 'alerts per request', positiveIntArg, 100)
    .option('--concurrency <n>', 'requests in flight at once', positiveIntArg, 8)
    .addOption(new Option('--api <api>', 'post to /api/v2/alerts (v2) or /v1/alerts (v1)').choices(['v2', 'v1']).default('v2'))
    .option('--wait <duration>', 'the longest to poll GET /v1/groups for', (v: string) => (v === '0' || v === '0s' ? 0 : durationArg(v)), 10_000)
    .action(async (opts: { alerts: number; groups: number; batch: number; concurrency: number; api: 'v2' | 'v1'; wait: number }, cmd: Command) => {
      const { formatStorm, storm } = await import('./load');
      const ctx = context(cmd);
      const summary = await storm(ctx, { ...opts, waitMs: opts.wait, ...(process.stderr.isTTY ? { progress: err } : {}) });
      out(ctx.output === 'json' ? formatJson(summary) : formatStorm(summary));
      if (Object.keys(summary.refused).length > 0) process.exitCode = 1;
    });

  // ---------------------------------------------------------------------------------------------
  // silence

  const silence = program.command('silence').description('add, query, expire and import silences');
  silence
    .command('add')
    .description('silence the alerts these matchers match (POST /v1/silences); prints the new silence id')
    .argument('<matchers...>', 'alertname=DiskFull instance=~"db-.*" (a first bare word is the alertname)')
    .addOption(new Option('-d, --duration <duration>', 'how long, from now').argParser(durationArg).default(3_600_000, '1h'))
    .addOption(new Option('--end <time|duration>', 'when it ends instead: an RFC 3339 time, or a duration from now').argParser((v: string) => timeArg(v)).conflicts('duration'))
    .requiredOption('-c, --comment <text>', 'why (required)')
    .option('-a, --author <name>', "who (default: $USER, else the system's name for you)")
    .action(async (args: string[], opts: { duration: number; end?: Date; comment: string; author?: string }, cmd: Command) => {
      const matchers = parsed(cmd, () => parseMatcherArgs(args, { alertnameFirst: true }));
      const author = opts.author || process.env.USER || process.env.USERNAME || osUser();
      if (!author) cmd.error('error: no author: pass --author (USER is not set)', { exitCode: 2, code: 'alertflow.missingAuthor' });
      const { addSilence } = await import('./silences');
      await addSilence(context(cmd), matchers, { durationMs: opts.duration, ...(opts.end ? { end: opts.end } : {}), author: author!, comment: opts.comment });
    });
  silence
    .command('query', { isDefault: true })
    .description('list active and pending silences (or expired ones): id, matchers, start, end, author, comment')
    .argument('[matchers...]', 'keep silences holding each of these matchers exactly, as Alertmanager filters them')
    .option('--expired', 'expired silences instead (kept 5 days)')
    .option('-q, --quiet', 'ids only')
    .action(async (args: string[], opts: { expired?: boolean; quiet?: boolean }, cmd: Command) => {
      const matchers = parsed(cmd, () => parseMatcherArgs(args, { alertnameFirst: true }));
      const { querySilences } = await import('./silences');
      await querySilences(context(cmd), matchers, opts);
    });
  silence
    .command('expire')
    .description('expire silences now (DELETE /v1/silences/{id}); exit 1 if any could not be')
    .argument('<ids...>', 'silence ids')
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const { expireSilences } = await import('./silences');
      await expireSilences(context(cmd), ids);
    });
  silence
    .command('import')
    .description("create the silences of an amtool JSON export (amtool silence query -o json), new ids, through /api/v2/silences; ended ones are skipped; exit 1 if any is refused")
    .argument('<file>', 'the JSON file: a list of silences with camelCase keys')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { importSilences } = await import('./silences');
      await importSilences(context(cmd), file);
    });

  // ---------------------------------------------------------------------------------------------
  // incident

  const incident = program.command('incident').description('list incidents, and acknowledge, resolve or escalate one');
  incident
    .command('list', { isDefault: true })
    .description('list incidents (GET /v1/incidents): open ones newest first, then resolved ones')
    .addOption(new Option('--state <state>', 'only this state').choices(['triggered', 'acknowledged', 'resolved']))
    .action(async (opts: { state?: string }, cmd: Command) => {
      const { listIncidents } = await import('./incidents');
      await listIncidents(context(cmd), opts);
    });
  incident
    .command('show')
    .description('an incident and its timeline (GET /v1/incidents/{id}): each step with the receivers paged and what became of each page, acks, resolve, with who and when')
    .argument('<id>', 'the incident id (incident list shows it)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { showIncident } = await import('./incidents');
      await showIncident(context(cmd), id);
    });
  for (const [verb, description] of [
    ['ack', "acknowledge: stop the escalation chain (until the policy's ack_timeout, if it has one)"],
    ['unack', 'back to triggered: the current step runs again now'],
    ['escalate', 'run the next step now'],
  ] as const) {
    incident
      .command(verb)
      .description(description)
      .addArgument(new Argument('<id>', 'the incident id (incident list shows it)'))
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const { actOnIncident } = await import('./incidents');
        await actOnIncident(context(cmd), verb, id);
      });
  }
  incident
    .command('resolve')
    .description('end the incident (not its alerts); --silence also silences the group so a source that still fires does not page again')
    .argument('<id>', 'the incident id (incident list shows it)')
    .option('--silence <duration>', 'silence the group for this long (2h)', (v: string) => (durationArg(v), v))
    .option('-c, --comment <text>', "the silence's comment")
    .action(async (id: string, opts: { silence?: string; comment?: string }, cmd: Command) => {
      const { actOnIncident } = await import('./incidents');
      await actOnIncident(context(cmd), 'resolve', id, opts);
    });
  return program;
}

/** Parse `argv` (process.argv's shape) and run the command; the exit code (see the top of this file). */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed the help or the error with the usage; a bare `alertflow` (no command)
      // shows the help as an error too.
      return e.exitCode === 0 ? 0 : 2;
    }
    err(`alertflow: ${(e as Error).message}\n`);
    return 1;
  }
}
