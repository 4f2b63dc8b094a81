import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { collectSecretRefs } from '../shared/config/secrets';
import { ConfigError, type Issue } from '../shared/errors';
import type { FunctionName } from './function';
import { CHANNEL_TYPES, CONFIG_KEYS, senderFunctionName } from '../shared/channel-types';

/** One secret the deployed functions read, by SSM parameter name. */
export interface DeployedSecret {
  /** Key path in the config, e.g. `receivers[0].slack_configs[0].webhook_url`. */
  readonly path: string;
  /** SSM parameter name as written in the config (with or without a leading `/`). */
  readonly parameterName: string;
  /** The functions that resolve this secret. */
  readonly readers: readonly FunctionName[];
  /** Readers the deployment may not have (a sender of a channel type no receiver uses): granted where they exist. */
  readonly optionalReaders?: readonly FunctionName[];
}

/** Which functions read the secret at a key path; a path nobody claims fails synth (no silent gaps). */
const READERS: ReadonlyArray<{ pattern: RegExp; readers: readonly FunctionName[] | ((config: Config) => readonly FunctionName[]); optionalReaders?: readonly FunctionName[] }> = [
  // Tokens are read by the functions that authenticate, whatever their scopes: a token without the
  // route's scope must still be recognized to get a 403 naming the scope rather than a 401.
  { pattern: /^auth\.(tokens\[\d+\]\.secret|bearer_tokens\[\d+\])$/, readers: ['ingest', 'api'] },
  // Links are signed by the senders (as they send) and verified by the api (the link pages, Slack
  // buttons; it also shows heartbeat ping URLs). Ingest verifies ping URLs, where there are
  // heartbeats. The escalator, where there is one, reads them for SMS reply codes.
  {
    pattern: /^incident_links\.signing_keys\[\d+\]$/,
    readers: (config) => ['api', ...(config.heartbeats.length > 0 ? (['ingest'] as const) : [])],
    optionalReaders: ['escalator', ...CHANNEL_TYPES.map(senderFunctionName)],
  },
  // Slack's and PagerDuty's callbacks are verified by the api.
  { pattern: /^(slack_app\.signing_secret|pagerduty_webhooks\.signing_secrets\[\d+\])$/, readers: ['api'] },
  // A channel entry's secrets are read by that channel type's sender only.
  ...CHANNEL_TYPES.map((type) => ({ pattern: new RegExp(`^receivers\\[\\d+\\]\\.${CONFIG_KEYS[type]}\\[\\d+\\]\\.\\w+$`), readers: [senderFunctionName(type)] })),
];

/**
 * The secrets of a config that a deployment resolves from SSM. Throws a ConfigError naming every
 * key path whose secret is inline (a plain string) or has no `ssm` name: a deployed config must
 * never carry a secret value, and the Lambdas can only read SSM.
 */
export function deployedSecrets(config: Config): DeployedSecret[] {
  const issues: Issue[] = [];
  const out: DeployedSecret[] = [];
  for (const { path, ref } of collectSecretRefs(config)) {
    if (typeof ref === 'string') {
      issues.push({ path, message: 'inline secret; use { ssm: "/alertflow/..." } (an SSM SecureString parameter name) for a deployed config' });
      continue;
    }
    if (ref.ssm === undefined) {
      issues.push({ path, message: `secret has only env: ${ref.env}; a deployed config needs an ssm parameter name` });
      continue;
    }
    const entry = READERS.find((r) => r.pattern.test(path));
    if (!entry) throw new Error(`no function is declared to read the secret at ${path} (lib/secrets.ts READERS)`);
    out.push({ path, parameterName: ref.ssm, readers: typeof entry.readers === 'function' ? entry.readers(config) : entry.readers, ...(entry.optionalReaders ? { optionalReaders: entry.optionalReaders } : {}) });
  }
  if (issues.length > 0) {
    throw new ConfigError(
      `config cannot be deployed: secrets must be SSM references:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
      issues,
    );
  }
  return out;
}

export interface SecretsProps {
  readonly config: Config;
  /** The roles of the functions that may read secrets. */
  readonly readers: Partial<Record<FunctionName, IGrantable>>;
}

/**
 * Grants `ssm:GetParameter` on exactly the parameters the config names, each to the functions that
 * read it.
 *
 * The parameters are SecureStrings, which CloudFormation cannot create, so the operator creates them
 * before deploying, e.g. `aws ssm put-parameter --type SecureString --name /alertflow/webhook-token
 * --value ...`. Decryption uses the AWS-managed `aws/ssm` key, whose key policy already lets any
 * principal of the account decrypt through SSM, so no `kms:Decrypt` grant is needed. (A parameter
 * encrypted with a customer-managed key would also need `kms:Decrypt` on that key.)
 */
export class Secrets extends Construct {
  readonly secrets: readonly DeployedSecret[];

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.secrets = deployedSecrets(props.config);
    const stack = Stack.of(this);
    const arnsByReader = new Map<FunctionName, Set<string>>();
    for (const secret of this.secrets) {
      const arn = stack.formatArn({
        service: 'ssm',
        resource: 'parameter',
        // `/a/b` and `a/b` are both `parameter/a/b` in the ARN.
        resourceName: secret.parameterName.replace(/^\//, ''),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      for (const reader of [...secret.readers, ...(secret.optionalReaders ?? []).filter((r) => props.readers[r] !== undefined)]) {
        const set = arnsByReader.get(reader) ?? new Set<string>();
        set.add(arn);
        arnsByReader.set(reader, set);
      }
    }
    for (const [reader, arns] of arnsByReader) {
      const grantee = props.readers[reader];
      if (!grantee) throw new Error(`secrets need the ${reader} function, which this deployment does not have`);
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [...arns].sort() }),
      );
    }
  }
}
