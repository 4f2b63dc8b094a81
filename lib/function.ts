import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { CHANNEL_TYPES, senderFunctionName, type SenderFunctionName } from '../shared/channel-types';
import { CONSUMER_TIMEOUT_S } from '../shared/queues/names';
import { ConfigError } from '../shared/errors';
import { parseConfig } from '../shared/config/validate';

/** The Lambda entries under `functions/<name>/handler.ts`. */
export type FunctionName = 'ingest' | 'router' | SenderFunctionName | 'api' | 'escalator' | 'checks';

/** The esbuild `define` key the runtime reads the validated config from. */
export const CONFIG_DEFINE = '__ALERTFLOW_CONFIG__';

/** The repository root: entries, the lockfile and tsconfig.json are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Pinned to the project's Node major (package.json engines), so an upgrade is a deliberate change. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

/**
 * Linux caps a single argv string at 128 KiB (MAX_ARG_STRLEN) and the CDK passes `define` to esbuild
 * on the command line; fail with a clear message well before that.
 */
const MAX_DEFINE_BYTES = 100 * 1024;

/** A real `require` in the ESM bundle, for bundled CommonJS code (esbuild's stub throws on `require('node:…')`). */
const ESM_REQUIRE_SHIM = "import { createRequire as __afCreateRequire } from 'node:module'; const require = __afCreateRequire(import.meta.url);";

/**
 * Packages the bundles take from elsewhere (esbuild `alias`, paths under the project root): the
 * SDK's default credential chain becomes the environment source alone, which is where Lambda puts
 * the role's credentials (shared/runtime/env-credentials.ts; ADR 0008, "Environment credentials").
 * The built-ins the SDK imports as ES modules, whose namespaces cost init time, come from
 * `process.getBuiltinModule` instead (shared/runtime/builtins/).
 */
export const bundleAliases = (root: string): Record<string, string> => ({
  '@aws-sdk/credential-provider-node': join(root, 'shared', 'runtime', 'env-credentials.ts'),
  ...Object.fromEntries(NAMESPACE_FREE_BUILTINS.map((name) => [`node:${name}`, join(root, 'shared', 'runtime', 'builtins', `${name.replace('/', '-')}.ts`)])),
});

/**
 * Built-ins imported through a module of shared/runtime/builtins/ (see bundleAliases). An alias
 * matches its sub-paths too, so `node:fs/promises` needs one of its own.
 */
export const NAMESPACE_FREE_BUILTINS = ['process', 'fs', 'fs/promises', 'util'] as const;

/** Memory and timeout of one function. */
export interface FunctionSizing {
  /** MB; CPU scales with it. */
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

/**
 * Defaults per function. Ingest and api answer HTTP (API Gateway waits at most 30 s); the router
 * does the most work per message; senders wait on remote endpoints (a webhook request alone may
 * take its configured `timeout`, 10 s by default), so they get the longest timeout.
 */
export const FUNCTION_DEFAULTS: Readonly<Record<FunctionName, Required<FunctionSizing>>> = {
  ingest: { memorySize: 512, timeout: Duration.seconds(10) },
  // The channel test waits for the senders' verdicts (up to 15 s); API Gateway allows 30 s.
  api: { memorySize: 256, timeout: Duration.seconds(25) },
  router: { memorySize: 512, timeout: Duration.seconds(CONSUMER_TIMEOUT_S.router) },
  escalator: { memorySize: 256, timeout: Duration.seconds(CONSUMER_TIMEOUT_S.escalator) },
  // A tick reads and writes a few small items: well within a tick's period.
  checks: { memorySize: 256, timeout: Duration.seconds(30) },
  ...(Object.fromEntries(
    CHANNEL_TYPES.map((t) => [senderFunctionName(t), { memorySize: 256, timeout: Duration.seconds(CONSUMER_TIMEOUT_S.sender) }]),
  ) as Record<SenderFunctionName, Required<FunctionSizing>>),
};

/** Function options every capability construct passes through from the Alertflow props. */
export interface SharedFunctionOptions {
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default false — see AlertflowFunctionProps.sourceMaps */
  readonly sourceMaps?: boolean;
  /** Overrides of FUNCTION_DEFAULTS. @default FUNCTION_DEFAULTS */
  readonly sizing?: Partial<Record<FunctionName, FunctionSizing>>;
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
}

/** The effective settings of one function (defaults merged with overrides). */
export function functionSettings(name: FunctionName, options: SharedFunctionOptions) {
  const defaults = FUNCTION_DEFAULTS[name];
  const override = options.sizing?.[name];
  return {
    name,
    memorySize: override?.memorySize ?? defaults.memorySize,
    timeout: override?.timeout ?? defaults.timeout,
    logRetention: options.logRetention,
    sourceMaps: options.sourceMaps,
    projectRoot: options.projectRoot,
  };
}

export interface AlertflowFunctionProps {
  /** Which `functions/<name>/handler.ts` to bundle. */
  readonly name: FunctionName;
  /** The validated config, bundled into the code as `__ALERTFLOW_CONFIG__`. */
  readonly config: Config;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Environment variables (names from `shared/queues/names.ts` ENV). */
  readonly environment?: Record<string, string>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Removal policy of the log group. @default RemovalPolicy.DESTROY (logs are operational, not state) */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Emit a linked source map and run with `--enable-source-maps`: readable stack traces at the cost
   * of a larger asset and slower error paths.
   * @default false
   */
  readonly sourceMaps?: boolean;
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** More esbuild `define`s besides the config (the api's dashboard files). */
  readonly define?: Readonly<Record<string, string>>;
}

/**
 * One Lambda function for `functions/<name>/handler.ts`: Node.js 22 on arm64, a minified ESM bundle
 * built with the local esbuild (never Docker) with the AWS SDK bundled (only the clients and
 * commands the function uses: docs/adr/0008-cold-start.md), its own log group with a retention,
 * and its own role whose only built-in permission is writing to that log group (no
 * AWSLambdaBasicExecutionRole, which would allow every log group in the account).
 */
export class AlertflowFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AlertflowFunctionProps) {
    super(scope, id);
    const root = props.projectRoot ?? PROJECT_ROOT;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `alertflow ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = { ...props.environment };
    if (props.sourceMaps) environment.NODE_OPTIONS = '--enable-source-maps';

    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${root}/functions/${props.name}/handler.ts`,
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: `${root}/package-lock.json`,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment,
      description: `alertflow ${props.name}`,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        // Error classes set `name` from the constructor; keep it readable after minification.
        keepNames: true,
        sourceMap: props.sourceMaps ?? false,
        // The AWS SDK is bundled, not taken from the runtime: tree-shaken to the clients and commands
        // this function uses, it loads in about half the time of the runtime's whole-client CommonJS
        // packages (docs/adr/0008-cold-start.md), and the version is the one the tests ran against.
        externalModules: [],
        tsconfig: `${root}/tsconfig.json`,
        banner: ESM_REQUIRE_SHIM,
        esbuildArgs: { '--alias': Object.entries(bundleAliases(root)).map(([from, to]) => `${from}=${to}`) },
        define: defines({ [CONFIG_DEFINE]: configDefine(props.config), ...props.define }),
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned to nodejs22.x, the Node major the project is built and tested with ' +
        '(package.json engines and the pinned `node` dev dependency); moving to a newer runtime is a ' +
        'deliberate upgrade of the toolchain, not a side effect of a CDK release.',
    });
  }
}

/**
 * The `define` value: a JS string literal holding the config JSON (esbuild parses it as JS). The
 * config is validated here, and the parser's output is what gets bundled, so the functions can
 * trust it at cold start without parsing it again (shared/config/bundled.ts).
 */
export function configDefine(config: Config): string {
  const value = JSON.stringify(JSON.stringify(parseConfig(config, 'the config to deploy')));
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_DEFINE_BYTES) {
    const message = `the validated config is ${bytes} bytes as JSON; the bundled limit is ${MAX_DEFINE_BYTES} bytes`;
    throw new ConfigError(`config cannot be deployed: ${message}`, [{ path: '(root)', message }]);
  }
  return value;
}

/**
 * The CDK runs local bundling as one `bash -c` command, so every define shares the one argv string
 * Linux caps at 128 KiB (MAX_ARG_STRLEN): fail with a clear message before it does.
 */
function defines(values: Record<string, string>): Record<string, string> {
  const bytes = Object.values(values).reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  const limit = 120 * 1024;
  if (bytes > limit) throw new ConfigError(`config cannot be deployed: the bundled config and dashboard are ${bytes} bytes; the limit is ${limit} bytes`, [{ path: '(root)', message: 'too large to bundle' }]);
  return values;
}
