import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOutputs, NAMESPACE_FREE_BUILTINS, reachableOutputs } from '../../lib/bundle';
import { PROJECT_ROOT } from '../../lib/function';
import { CHANNEL_TYPES, CHANNELS } from '../../shared/channel-types';
import { bundleFunction, bundleSettingsFromLib } from '../bench/bundles';
import { testConfig } from './synth';
import { isBuiltin } from 'node:module';

// What each function's bundle holds, as lib/function.ts bundles it (the bench's bundling code): the
// cold-start work (docs/adr/0008-cold-start.md) is loading what is in it, so nothing may be in it
// that the function does not use.

const FUNCTIONS = readdirSync(join(PROJECT_ROOT, 'functions')).sort();

/** The SDK clients each function uses; none may be in its bundle without being used. */
const SDK: Record<string, string[]> = {
  ingest: ['client-sqs', 'client-ssm'],
  router: ['client-dynamodb', 'client-scheduler', 'client-sqs', 'lib-dynamodb'],
  // The scheduler: an ack deletes the incident's pending step when it is a one-time schedule.
  // CloudWatch: a check's evaluate on demand (loaded on first use, not at init).
  api: ['client-cloudwatch', 'client-dynamodb', 'client-scheduler', 'client-sqs', 'client-ssm', 'lib-dynamodb'],
  // SSM: the link signing key (SMS reply codes).
  escalator: ['client-dynamodb', 'client-scheduler', 'client-sqs', 'client-ssm', 'lib-dynamodb'],
  // Heartbeat and check states in the table; their alerts to the alerts queue; CloudWatch for the
  // checks on its metrics (loaded on first use, not at init).
  checks: ['client-cloudwatch', 'client-dynamodb', 'client-sqs', 'lib-dynamodb'],
  ...Object.fromEntries(
    CHANNEL_TYPES.map((t) => [
      `${t}-sender`,
      ['client-dynamodb', 'client-sqs', 'client-ssm', 'lib-dynamodb', ...CHANNELS[t].sdkClients].sort(),
    ]),
  ),
};

/** Packages only ever imported with import(). */
const LAZY_PACKAGES = ['node_modules/@aws-sdk/client-cloudwatch/', 'node_modules/@aws-sdk/client-scheduler/', 'node_modules/cron-parser/', 'node_modules/luxon/'];

interface Contents {
  /** Files with code in the outputs the function can load, the chunks loaded on first use included (tree-shaken-away modules excluded). */
  files: string[];
  /** The same, for the outputs a cold start loads (index.mjs and the chunks it imports statically). */
  initFiles: string[];
  /** Imports left to the runtime, other than Node's built-ins. */
  externals: string[];
  /** Node's built-ins the outputs import as ES modules (static imports, run when their output loads). */
  builtinImports: string[];
}

const bundles = new Map<string, Contents>();
const outDir = mkdtempSync(join(tmpdir(), 'alertflow-bundles-'));

function contents(metafile: Metafile): Contents {
  const filesOf = (outputs: Metafile['outputs'][string][]) => [
    ...new Set(outputs.flatMap((o) => Object.entries(o.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path))),
  ];
  const outputs = reachableOutputs(metafile).map((path) => metafile.outputs[path]!);
  const imports = outputs.flatMap((o) => o.imports);
  return {
    files: filesOf(outputs),
    initFiles: filesOf(initOutputs(metafile).map((path) => metafile.outputs[path]!)),
    // Node's built-ins, with or without `node:` (cron-parser imports `fs`), are the runtime's own.
    externals: [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))],
    builtinImports: [...new Set(imports.filter((i) => i.external && isBuiltin(i.path) && i.kind === 'import-statement').map((i) => i.path))],
  };
}

/** `@aws-sdk/<name>` packages the function loads: bundled, or left external. */
function sdkPackages(c: Contents): string[] {
  const names = [...c.files, ...c.externals].map((p) => /@aws-sdk\/((?:client|lib)-[^/]+)/.exec(p)?.[1]).filter((n): n is string => !!n);
  return [...new Set(names)].sort();
}

beforeAll(async () => {
  const settings = await bundleSettingsFromLib(testConfig());
  for (const fn of FUNCTIONS) bundles.set(fn, contents(bundleFunction(PROJECT_ROOT, fn, settings, join(outDir, fn))));
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('function bundles', () => {
  it('cover every function', () => {
    expect(FUNCTIONS).toEqual(Object.keys(SDK).sort());
  });

  it.each(FUNCTIONS)('%s bundles the AWS SDK it uses instead of loading whole clients from the runtime', (fn) => {
    expect(bundles.get(fn)!.externals).toEqual([]);
  });

  it.each(FUNCTIONS)('%s holds only the SDK clients it uses', (fn) => {
    expect(sdkPackages(bundles.get(fn)!)).toEqual(SDK[fn]);
  });

  it.each(CHANNEL_TYPES)('the %s sender holds its own channel only', (type) => {
    const channelDirs = new Set(bundles.get(`${type}-sender`)!.files.flatMap((f) => /^shared\/channels\/([^/]+)\//.exec(f)?.[1] ?? []));
    expect([...channelDirs]).toEqual([type]);
  });

  it.each(FUNCTIONS)('%s takes credentials from the environment only (no profile, SSO, STS or IMDS code in the bundle)', (fn) => {
    const files = bundles.get(fn)!.files;
    expect(files).toContain('shared/runtime/env-credentials.ts');
    const chain = files.filter((f) => /@aws-sdk\/(credential-provider-(?!env\/)[^/]+|nested-clients|token-providers)\/|@smithy\/(credential-provider-imds|shared-ini-file-loader)\//.test(f));
    expect(chain).toEqual([]);
  });

  // An ES module import of these makes Node build the module's namespace, reading every export:
  // node:http's lazy web-socket exports load undici (20-30 ms of init), node:process reads all of
  // `process` (about 5 ms). shared/channels/http.ts takes node:http from process.getBuiltinModule;
  // the SDK's imports of the others are aliased to shared/runtime/builtins/ (ADR 0008).
  it.each(FUNCTIONS)('%s imports node:http, node:process, node:fs and node:util without their ES module namespaces', (fn) => {
    const { builtinImports } = bundles.get(fn)!;
    expect(builtinImports.length).toBeGreaterThan(0);
    const costly = new Set(['http', ...NAMESPACE_FREE_BUILTINS].flatMap((name) => [name, `node:${name}`]));
    expect(builtinImports.filter((b) => costly.has(b))).toEqual([]);
  });

  // What a function imports with import() is in chunks of its own, loaded on first use: a single
  // file made every cold start parse it (ADR 0008, "Lazy imports in chunks of their own").
  it('keeps CloudWatch, the Scheduler client and cron-parser (with luxon) in the api, as chunks', () => {
    const { files } = bundles.get('api')!;
    for (const pkg of LAZY_PACKAGES) expect(files.some((f) => f.includes(pkg)), pkg).toBe(true);
  });

  // The api's rarely used routes (functions/api/handler.ts `lazy`): in the bundle, not at init.
  it('loads the api routes most requests never reach only on first use', () => {
    const { files, initFiles } = bundles.get('api')!;
    const lazyRoutes = [
      ...['alertmanager-v2', 'checks', 'deliveries', 'digest', 'heartbeats', 'history', 'incidents', 'links', 'pagerduty-webhooks', 'slack-interactions', 'stats'].map((m) => `shared/api/${m}.ts`),
      'shared/delivery/redrive.ts',
      'shared/delivery/test-receiver.ts',
      'shared/ui/serve.ts',
    ];
    expect(lazyRoutes.filter((f) => !files.includes(f))).toEqual([]);
    expect(lazyRoutes.filter((f) => initFiles.includes(f))).toEqual([]);
  });

  it.each(FUNCTIONS)('%s loads CloudWatch, the Scheduler client and cron-parser only on first use', (fn) => {
    const { initFiles } = bundles.get(fn)!;
    expect(LAZY_PACKAGES.filter((pkg) => initFiles.some((f) => f.includes(pkg)))).toEqual([]);
  });

  // The file's schema, and the parts of it that live with their domains (ADR 0030) which no
  // function needs at run time (the api and checks take checks/config.ts for the checks API).
  it.each(FUNCTIONS)('%s does not validate the bundled config again (no config schema in the bundle)', (fn) => {
    const files = bundles.get(fn)!.files;
    for (const schema of ['shared/config/schema.ts', 'shared/config/validate.ts', 'shared/routing/config.ts', 'shared/channels/receiver.ts', 'shared/heartbeats/config.ts', 'shared/escalation/config.ts']) {
      expect(files, schema).not.toContain(schema);
    }
  });
});

/**
 * Imports a bundle in a fresh `node` and invokes its handler once, which builds the function's ports
 * with the bundled SDK. The event cannot reach AWS: the records do not parse (or the request is
 * unauthenticated), and every endpoint points at a closed loopback port anyway.
 */
async function invokeBundle(fn: string): Promise<unknown> {
  const http = { rawPath: '/v1/health', routeKey: 'GET /v1/health', headers: {}, requestContext: { requestId: 'r', http: { method: 'GET' } } };
  const event =
    fn === 'api'
      ? http
      : fn === 'ingest'
        ? { ...http, rawPath: '/v1/alerts', routeKey: 'POST /v1/alerts', body: '[]', requestContext: { requestId: 'r', http: { method: 'POST' } } }
        : { Records: [{ messageId: 'm1', body: 'not json', receiptHandle: 'h', attributes: { ApproximateReceiveCount: '1' } }] };
  const script = `const m = await import(${JSON.stringify(pathToFileURL(join(outDir, fn, 'index.mjs')).href)}); process.stdout.write('\\nRESULT ' + JSON.stringify(await m.handler(${JSON.stringify(event)})));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      ALERTFLOW_TABLE: 'table',
    },
  });
  // The function logs JSON lines to stdout too; the answer is the marked line.
  return JSON.parse(stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length));
}

describe('function bundles run', () => {
  it.each(FUNCTIONS)('%s builds its ports and answers', async (fn) => {
    // The tick reads the checks' states from the table first: its ports reached (the closed) DynamoDB endpoint.
    if (fn === 'checks') return void (await expect(invokeBundle(fn)).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:9/));
    const result = await invokeBundle(fn);
    if (fn === 'api') expect(result).toMatchObject({ statusCode: 200 });
    else if (fn === 'ingest') expect(result).toMatchObject({ statusCode: 401 });
    else expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });
});
