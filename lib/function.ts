import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { CHANNEL_TYPES, senderFunctionName, type SenderFunctionName } from '../shared/channel-types';
import { CONSUMER_TIMEOUT_S } from '../shared/queues/names';
import { parseConfig } from '../shared/config/validate';
import { buildFunctionBundle } from './bundle';

/** The Lambda entries under `functions/<name>/handler.ts`. */
export type FunctionName = 'ingest' | 'router' | SenderFunctionName | 'api' | 'escalator' | 'checks';

/** The esbuild `define` key the runtime reads the validated config from. */
export const CONFIG_DEFINE = '__ALERTFLOW_CONFIG__';

/** The repository root: entries, the lockfile and tsconfig.json are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Pinned to the project's Node major (package.json engines), so an upgrade is a deliberate change. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

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
 * One Lambda function for `functions/<name>/handler.ts`: Node.js 22 on arm64; its code built by
 * lib/bundle.ts (minified ESM, the AWS SDK bundled with only the clients and commands the function
 * uses, lazy imports in chunks of their own: docs/adr/0008-cold-start.md); its own log group with
 * a retention; and its own role whose only built-in permission is writing to that log group (no
 * AWSLambdaBasicExecutionRole, which would allow every log group in the account).
 */
export class AlertflowFunction extends Construct {
  readonly fn: LambdaFunction;
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

    const define = { [CONFIG_DEFINE]: configDefine(props.config), ...props.define };
    this.fn = new LambdaFunction(this, 'Function', {
      // Built in this process with esbuild's API (never Docker): lib/bundle.ts. The image is only a
      // required field; the local build either succeeds or fails the synth with esbuild's errors.
      code: Code.fromAsset(join(root, 'functions', props.name), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('alertflow-builds-locally'),
          local: {
            tryBundle: (outputDir) => {
              buildFunctionBundle(outputDir, { root, name: props.name, define, sourceMaps: props.sourceMaps ?? false });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment,
      description: `alertflow ${props.name}`,
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
  return JSON.stringify(JSON.stringify(parseConfig(config, 'the config to deploy')));
}
