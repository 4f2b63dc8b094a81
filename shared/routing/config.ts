import * as z from 'zod';
import { Duration, LabelName, labelMap, MatcherString, RegexString } from '../primitives/schemas';

/**
 * A route of alertflow.yaml's tree (`route:`), as Alertmanager's `route` with alertflow's own keys
 * (cooldown, flapping, escalation_policy). Part of the config schema (shared/config/schema.ts).
 */
export interface RouteConfig {
  receiver?: string | undefined;
  group_by?: string[] | undefined;
  continue?: boolean | undefined;
  matchers?: string[] | undefined;
  match?: Record<string, string> | undefined;
  match_re?: Record<string, string> | undefined;
  group_wait?: string | undefined;
  group_interval?: string | undefined;
  repeat_interval?: string | undefined;
  mute_time_intervals?: string[] | undefined;
  active_time_intervals?: string[] | undefined;
  cooldown?: string | undefined;
  cooldown_by?: 'group' | 'alert' | undefined;
  flapping?: FlappingConfig | undefined;
  escalation_policy?: string | undefined;
  routes?: RouteConfig[] | undefined;
}

/** Which notifications a cooldown spaces out: the group's, or each alert's (by fingerprint). */
export const CooldownBy = z.enum(['group', 'alert']);

/** More than `transitions` firing/resolved edges within `window` mark an alert flapping. */
export const FlappingConfig = z
  .object({
    transitions: z.number().int().positive(),
    window: Duration,
  })
  .strict();
export type FlappingConfig = z.infer<typeof FlappingConfig>;

export const Route: z.ZodType<RouteConfig> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      group_by: z
        .array(z.union([z.literal('...'), LabelName]))
        // Alertmanager 0.25 takes `'...'` more than once (['...', '...'] groups by all labels) but
        // not beside a label; an empty list is valid and means not set (see routing/route-tree.ts).
        .refine((g) => !g.includes('...') || g.every((l) => l === '...'), "'...' (group by all labels) cannot be combined with other labels")
        .optional(),
      continue: z.boolean().optional(),
      matchers: z.array(MatcherString).optional(),
      match: labelMap(z.string()).optional(),
      match_re: labelMap(RegexString).optional(),
      group_wait: Duration.optional(),
      group_interval: Duration.optional(),
      repeat_interval: Duration.optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      active_time_intervals: z.array(z.string()).optional(),
      /** alertflow: minimum time between pages for the same group (or alert, see cooldown_by). Inherited. */
      cooldown: Duration.optional(),
      cooldown_by: CooldownBy.optional(),
      /** alertflow: flap detection for alerts on this route. Inherited. */
      flapping: FlappingConfig.optional(),
      /** alertflow: the escalation policy (by name) incidents on this route run. Inherited. */
      escalation_policy: z.string().min(1).optional(),
      routes: z.array(Route).optional(),
    })
    .strict(),
);
