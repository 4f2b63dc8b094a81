import { ConfigError } from '../errors';
import { loadConfigFile } from '../config/loader';
import type { Config, SecretRef } from '../config/schema';
import { collectSecretRefs } from '../config/secrets';
import { configWarnings } from '../config/validate';
import { compileConfig } from '../runtime/compiled-config';
import { describePolicy } from '../escalation/policy';
import { describeHeartbeat } from '../heartbeats/heartbeat';
import { describeCheck } from '../checks/check';
import { describeSelfMonitoring } from '../self-monitoring/config';

/**
 * `npm run config:check [file]` and `alertflow config check [file]`: validate a config file and
 * print every problem with its key path (stderr, exit 1); when it loads, print what it sets up
 * (escalation timelines, heartbeats, checks, self-monitoring) and every secret reference with
 * whether this environment sets its variable. A secret's value is never printed.
 */
export interface CheckIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Variables the local runtime supplies a value for when they are unset (see README: the local runtime). */
const LOCAL_DEFAULTS: Readonly<Record<string, string>> = {
  ALERTFLOW_WEBHOOK_TOKEN: 'the local runtime uses its default token',
  ALERTFLOW_LINK_KEY: 'the local runtime makes a key in its data dir',
};

export interface SecretStatus {
  path: string;
  /** Where the value is read from, never the value: `env:NAME (set)`, `ssm:/name`, `inline`. */
  source: string;
  /** A warning when the local runtime cannot read it here. */
  warning?: string;
}

/** Each secret reference of the config, and whether `env` sets it. */
export function secretStatuses(config: Config, env: NodeJS.ProcessEnv): SecretStatus[] {
  return collectSecretRefs(config).map(({ path, ref }) => secretStatus(path, ref, env));
}

function secretStatus(path: string, ref: SecretRef, env: NodeJS.ProcessEnv): SecretStatus {
  if (typeof ref === 'string') return { path, source: 'inline value (local only: cdk synth refuses it)' };
  const parts: string[] = [];
  let warning: string | undefined;
  if (ref.env) {
    const set = Boolean(env[ref.env]);
    const fallback = LOCAL_DEFAULTS[ref.env];
    parts.push(`env:${ref.env} (${set ? 'set' : fallback ? `not set: ${fallback}` : 'NOT SET'})`);
    if (!set && !fallback) warning = `${path}: secret env:${ref.env} is not set in this environment: export ${ref.env} to run locally`;
  }
  if (ref.ssm) parts.push(`ssm:${ref.ssm}`);
  const source = parts.join(' / ') + (ref.env ? '' : ' (no env: the local runtime cannot read it)');
  return { path, source, ...(warning ? { warning } : {}) };
}

/** Check `file`; the exit code: 0 it loads (warnings or not), 1 it does not. */
export function checkConfigFile(file: string, io: CheckIo): number {
  let config;
  try {
    config = compileConfig(loadConfigFile(file));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.message}\n`);
    return 1;
  }
  for (const warning of configWarnings(config.raw)) io.err(`${file}: warning: ${warning}\n`);
  io.out(`${file}: OK (${config.raw.receivers.length} receivers)\n`);
  for (const policy of config.escalationPolicies.values()) io.out(`${describePolicy(policy).join('\n')}\n`);
  for (const hb of config.heartbeats.values()) io.out(`${describeHeartbeat(hb)}\n`);
  for (const check of config.checks.values()) io.out(`${describeCheck(check)}\n`);
  if (config.raw.self_monitoring) io.out(`${describeSelfMonitoring(config.raw.self_monitoring)}\n`);
  const secrets = secretStatuses(config.raw, io.env);
  if (secrets.length > 0) {
    const width = Math.max(...secrets.map((s) => s.path.length));
    io.out(`secrets (${secrets.length}):\n${secrets.map((s) => `  ${s.path.padEnd(width)}  ${s.source}\n`).join('')}`);
  }
  for (const s of secrets) if (s.warning) io.err(`${file}: warning: ${s.warning}\n`);
  return 0;
}
