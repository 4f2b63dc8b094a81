import * as z from 'zod';
import type { Heartbeat } from '../heartbeats/heartbeat';
import type { HeartbeatPingMessage } from '../queues/messages';
import { formatDuration } from '../primitives/duration';
import { SYNTHETIC_HEARTBEAT, syntheticEveryMs, type SelfMonitoringConfig } from './config';

/**
 * The synthetic heartbeat (ADR 0019): a rate schedule invokes the ingest function with
 * SYNTHETIC_EVENT, ingest puts a ping for the built-in heartbeat on the alerts queue, the router
 * passes it on as a probe to the channel queue of self_monitoring's receiver's first channel
 * (probe.ts), and that sender records it and emits the metric the out-of-band alarm watches. It is
 * a ping, not an alert: an alert would be routed and notified every repeat_interval, or need the
 * router to drop it.
 */

/** The key that marks the event (no AWS event has it). */
export const SYNTHETIC_KEY = 'alertflow';
export const SYNTHETIC_KIND = 'synthetic-heartbeat';

/**
 * What the schedule sends: one schema for the CDK (which writes it as the target's input, with
 * Scheduler's context attributes) and for ingest (which validates it).
 */
export const SyntheticEvent = z
  .object({
    [SYNTHETIC_KEY]: z.literal(SYNTHETIC_KIND),
    /** Scheduler's id of this run: a retried invocation pings under the same id. */
    execution_id: z.string().min(1).max(256).optional(),
    scheduled_at: z.string().max(64).optional(),
  })
  .strict();
export type SyntheticEvent = z.infer<typeof SyntheticEvent>;

/** The schedule's input: Scheduler fills in the `<aws.scheduler.*>` context attributes per run. */
export const SCHEDULED_SYNTHETIC_EVENT: SyntheticEvent = {
  [SYNTHETIC_KEY]: SYNTHETIC_KIND,
  execution_id: '<aws.scheduler.execution-id>',
  scheduled_at: '<aws.scheduler.scheduled-time>',
};

/** Whether an event the ingest function got is (meant to be) the synthetic heartbeat. */
export const isSyntheticEvent = (event: Record<string, unknown>): boolean => SYNTHETIC_KEY in event;

/** The ping for a synthetic event received at `now`: marked a probe, which the router passes on to a sender. */
export function syntheticPing(event: SyntheticEvent, now: Date, newId: () => string): HeartbeatPingMessage {
  return { kind: 'ping', id: `synthetic:${event.execution_id ?? newId()}`, heartbeat: SYNTHETIC_HEARTBEAT, at: now.getTime(), probe: true };
}

/**
 * The built-in heartbeat: missing once two synthetic periods pass without one (a single lost
 * run does not page anyone). Its HeartbeatMissing goes to self_monitoring's receiver (routes.ts).
 */
export function syntheticHeartbeat(sm: SelfMonitoringConfig): Heartbeat {
  const everyMs = syntheticEveryMs(sm);
  return {
    name: SYNTHETIC_HEARTBEAT,
    everyMs,
    graceMs: everyMs,
    matchers: undefined,
    labels: { severity: 'critical' },
    annotations: {
      description:
        `The synthetic heartbeat sent every ${formatDuration(everyMs)} through ingest, the alerts queue, the router and a sender stopped arriving: ` +
        'alerts may not be getting through. See the alertflow-self-* alarms and GET /v1/health?deep=1.',
    },
    builtin: true,
  };
}
