import * as z from 'zod';
import { formatDuration, parseDuration } from '../primitives/duration';
import { Duration } from '../primitives/schemas';

/**
 * Escalation policies: who is paged, in what order, until a human acknowledges (PagerDuty's
 * escalation policies, which Alertmanager does not have). A route names one (`escalation_policy`,
 * inherited like its timers); an incident (an alert group) on that route runs its steps.
 */

/** Most times a chain may run again while unacknowledged (PagerDuty's `num_loops` is 0 to 9). */
export const MAX_REPEAT = 9;

/** What receivers already paged are told about besides the pages themselves. */
export const NOTIFY_ON = ['ack', 'unack', 'resolve'] as const;

const PositiveDuration = Duration.refine((text) => {
  try {
    return parseDuration(text) > 0;
  } catch {
    return true; // Duration reports the syntax error
  }
}, 'must be longer than 0');

export const EscalationStepConfig = z
  .object({
    /** Receivers (by name) paged at this step. */
    notify: z.array(z.string().min(1)).min(1, 'at least one receiver'),
    /** How long after this step the next one runs (or, after the last, the chain repeats). */
    wait: PositiveDuration.optional(),
  })
  .strict();
export type EscalationStepConfig = z.infer<typeof EscalationStepConfig>;

export const EscalationPolicyConfig = z
  .object({
    name: z.string().min(1),
    steps: z.array(EscalationStepConfig).min(1, 'at least one step'),
    /** Times the whole chain runs again while nobody has acknowledged. */
    repeat: z.number().int().min(0).max(MAX_REPEAT, `at most ${MAX_REPEAT} (as PagerDuty)`).default(0),
    /** An acknowledgement this old without a resolve triggers the chain again. */
    ack_timeout: PositiveDuration.optional(),
    /** false: only a resolve stops the chain (an ack is refused). */
    ack_allowed: z.boolean().default(true),
    notify_on: z
      .array(z.enum(NOTIFY_ON))
      .refine((list) => new Set(list).size === list.length, 'an event is listed twice')
      .default(['ack', 'resolve']),
  })
  .strict()
  .superRefine((policy, ctx) => {
    policy.steps.forEach((step, i) => {
      const last = i === policy.steps.length - 1;
      if (step.wait === undefined && !last) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'wait'], message: `step ${i + 1} needs a wait: step ${i + 2} follows it` });
      }
      if (step.wait === undefined && last && policy.repeat > 0) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'wait'], message: `the last step needs a wait with repeat: ${policy.repeat} (the chain runs again after it)` });
      }
    });
  });
export type EscalationPolicyConfig = z.infer<typeof EscalationPolicyConfig>;

export interface EscalationStep {
  notify: string[];
  /** Until the next step (or the repeat); undefined on a last step that does not repeat. */
  waitMs: number | undefined;
}

/** A policy as incidents run it (durations in ms). */
export interface EscalationPolicy {
  name: string;
  steps: EscalationStep[];
  repeat: number;
  ackTimeoutMs: number | undefined;
  ackAllowed: boolean;
  notifyOn: ReadonlyArray<(typeof NOTIFY_ON)[number]>;
}

export function compileEscalationPolicies(configs: readonly EscalationPolicyConfig[]): Map<string, EscalationPolicy> {
  return new Map(
    configs.map((c) => [
      c.name,
      {
        name: c.name,
        steps: c.steps.map((s) => ({ notify: [...s.notify], waitMs: s.wait === undefined ? undefined : parseDuration(s.wait) })),
        repeat: c.repeat,
        ackTimeoutMs: c.ack_timeout === undefined ? undefined : parseDuration(c.ack_timeout),
        ackAllowed: c.ack_allowed,
        notifyOn: [...c.notify_on],
      },
    ]),
  );
}

/** One step of one run of the chain, and when it runs if nobody acknowledges (ms from the incident's start). */
export interface TimelineEntry {
  /** 0 for the first run of the chain, 1 for its first repeat, … */
  loop: number;
  /** Index into `steps`. */
  step: number;
  atMs: number;
  notify: readonly string[];
}

/** Every step the policy would run, in order, if nobody acknowledged or resolved. */
export function policyTimeline(policy: EscalationPolicy): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let at = 0;
  for (let loop = 0; loop <= policy.repeat; loop++) {
    policy.steps.forEach((step, i) => {
      out.push({ loop, step: i, atMs: at, notify: step.notify });
      at += step.waitMs ?? 0;
    });
  }
  return out;
}

/** The policy's timeline as config:check prints it: one line per step, with its offset. */
export function describePolicy(policy: EscalationPolicy): string[] {
  const settings = [
    policy.repeat > 0 ? `repeats ${policy.repeat}x` : 'runs once',
    policy.ackAllowed ? (policy.ackTimeoutMs !== undefined ? `an ack lapses after ${formatDuration(policy.ackTimeoutMs)}` : 'an ack stops it') : 'only a resolve stops it',
    policy.notifyOn.length > 0 ? `tells the paged on ${policy.notifyOn.join(', ')}` : 'tells the paged nothing more',
  ];
  const lines = [`escalation policy ${policy.name}: ${settings.join('; ')}`];
  for (const e of policyTimeline(policy)) {
    const label = policy.repeat > 0 ? `run ${e.loop + 1} step ${e.step + 1}` : `step ${e.step + 1}`;
    lines.push(`  at ${offset(e.atMs).padEnd(9)} ${label}: ${e.notify.join(', ')}`);
  }
  return lines;
}

/** "0m", "10m", "25m", or "1m30s" when not whole minutes. */
function offset(ms: number): string {
  if (ms === 0) return '0m';
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : formatDuration(ms);
}
