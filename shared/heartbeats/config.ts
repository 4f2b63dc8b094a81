import * as z from 'zod';
import { parseDuration } from '../primitives/duration';
import { Duration, labelMap, MatcherString } from '../primitives/schemas';

/**
 * A heartbeat (dead man's switch): something that must check in at least every `every`. A ping
 * (`POST /v1/heartbeats/<name>`, or its signed URL) or a firing alert matching `matchers` (an
 * always-firing Watchdog) checks in; `every` plus `grace` without one fires `HeartbeatMissing`.
 */
export const HeartbeatConfig = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a heartbeat name: letters, digits, `_`, `.`, `-`, at most 64, starting with a letter or digit'),
    every: Duration.refine((text) => {
      try {
        return parseDuration(text) >= 1000;
      } catch {
        return true; // Duration reported it.
      }
    }, 'at least 1s'),
    /** Extra time after `every` before it fires (a job that runs long). */
    grace: Duration.default('0s'),
    /** A firing alert that matches all of these counts as a ping (Alertmanager's always-firing Watchdog). */
    matchers: z.array(MatcherString).optional(),
    /** Added to the `HeartbeatMissing` alert's labels (route on them). */
    labels: labelMap(z.string()).default({}),
    annotations: labelMap(z.string()).default({}),
  })
  .strict();
export type HeartbeatConfig = z.infer<typeof HeartbeatConfig>;
