import * as z from 'zod';
import { formatDuration, parseDuration } from '../primitives/duration';
import { Duration } from '../primitives/schemas';
import { CONFIG_KEYS, type ConfigKey } from '../channel-types';

/**
 * `self_monitoring:` in the config (ADR 0019): where alerts about alertflow itself go, the address
 * of the out-of-band email, and how often the synthetic heartbeat crosses the pipeline. Like every
 * domain's part of the file, it lives with its domain and imports only shared/primitives and the
 * channel registry; the whole file's schema (shared/config/schema.ts) composes the parts (ADR 0030).
 */

/** The built-in heartbeat the synthetic pings record (reserved: the config's heartbeats may not use it). */
export const SYNTHETIC_HEARTBEAT = 'alertflow-pipeline';
/** Every CloudWatch alarm the stack makes about itself is named `<prefix><deployment>-<what>`. */
export const SELF_ALARM_PREFIX = 'alertflow-self-';
export const DEFAULT_SYNTHETIC_EVERY = '5m';
/** Scheduler rate schedules count in whole minutes; the local runtime takes seconds (tests). */
export const MIN_DEPLOYED_SYNTHETIC_MS = 60_000;

export const SelfMonitoringConfig = z
  .object({
    /** The receiver alerts about alertflow itself go to, ahead of the route tree. */
    receiver: z.string().min(1),
    /** Where the out-of-band alarm emails when the synthetic heartbeat stops (SNS, not alertflow). */
    email: z.email({ error: 'an email address' }).optional(),
    /** How often the synthetic heartbeat is sent (at least 1s; deployed, whole minutes from 1m). */
    synthetic_every: Duration.refine((text) => {
      try {
        return parseDuration(text) >= 1000;
      } catch {
        return true; // Duration reported it.
      }
    }, 'at least 1s').default(DEFAULT_SYNTHETIC_EVERY),
  })
  .strict();
export type SelfMonitoringConfig = z.infer<typeof SelfMonitoringConfig>;

/** A receiver's channel entry lists (one per type of the channel registry, a leaf). */
const CHANNEL_LISTS: readonly ConfigKey[] = Object.values(CONFIG_KEYS);

/** The config keys the cross-checks read (a structural type: this module must not import schema.ts). */
interface Checked {
  self_monitoring?: SelfMonitoringConfig | undefined;
  receivers: ReadonlyArray<{ name: string } & Record<ConfigKey, readonly unknown[]>>;
  heartbeats: ReadonlyArray<{ name: string }>;
}

/**
 * The checks that need the rest of the config: a known receiver with a channel (its first channel's
 * sender records the synthetic heartbeat, and alerts about alertflow must reach someone), and the
 * reserved heartbeat name.
 */
export function checkSelfMonitoring(config: Checked, ctx: z.RefinementCtx): void {
  const sm = config.self_monitoring;
  if (!sm) return;
  const names = config.receivers.map((r) => r.name);
  const receiver = config.receivers.find((r) => r.name === sm.receiver);
  if (!receiver) {
    ctx.addIssue({ code: 'custom', path: ['self_monitoring', 'receiver'], message: `unknown receiver ${JSON.stringify(sm.receiver)} (defined: ${names.join(', ')})` });
  } else if (CHANNEL_LISTS.every((key) => receiver[key].length === 0)) {
    ctx.addIssue({
      code: 'custom',
      path: ['self_monitoring', 'receiver'],
      message: `receiver ${JSON.stringify(sm.receiver)} has no channel: alerts about alertflow would reach no one, and the synthetic heartbeat is recorded by its first channel's sender`,
    });
  }
  config.heartbeats.forEach((hb, i) => {
    if (hb.name === SYNTHETIC_HEARTBEAT) {
      ctx.addIssue({ code: 'custom', path: ['heartbeats', i, 'name'], message: `${JSON.stringify(SYNTHETIC_HEARTBEAT)} is reserved for self_monitoring's synthetic heartbeat` });
    }
  });
}

export const syntheticEveryMs = (sm: SelfMonitoringConfig): number => parseDuration(sm.synthetic_every);

/** What config:check prints for `self_monitoring`. */
export function describeSelfMonitoring(sm: SelfMonitoringConfig): string {
  const rate = deployedSyntheticMinutes(sm);
  return (
    `self_monitoring: alertflow's own alarms (${SELF_ALARM_PREFIX}*) and its pipeline's HeartbeatMissing go to ${sm.receiver} ahead of the route; ` +
    `a synthetic heartbeat every ${formatDuration(syntheticEveryMs(sm))}${'problem' in rate ? ` (local only: ${rate.problem})` : ''}; ` +
    `out-of-band email: ${sm.email ?? 'none (set email)'}`
  );
}

/**
 * The deployed rate in minutes, or the problem with it: Scheduler's rate expressions take whole
 * minutes, and a period under a minute would also be under CloudWatch's standard alarm period.
 */
export function deployedSyntheticMinutes(sm: SelfMonitoringConfig): { minutes: number } | { problem: string } {
  const ms = syntheticEveryMs(sm);
  if (ms < MIN_DEPLOYED_SYNTHETIC_MS || ms % 60_000 !== 0) {
    return { problem: `${formatDuration(ms)} cannot be deployed: a whole number of minutes, at least 1m (shorter periods are for the local runtime)` };
  }
  return { minutes: ms / 60_000 };
}
