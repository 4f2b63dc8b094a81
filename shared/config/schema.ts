import * as z from 'zod';
import { parseDuration } from './duration';
import { compileMatcherRegex, parseMatchers } from '../routing/matchers';

/**
 * The schema of alertflow.yaml. Keys are snake_case; `route`, `receivers[].webhook_configs` and the
 * matcher grammar follow Alertmanager so a routing tree can be pasted from an alertmanager.yml.
 * This is the single contract for the file: the loader, `config:check`, the local runtime, the
 * Lambdas and `cdk synth` all validate with it.
 */

/** A duration string ("30s", "5m", "1h30m"), validated here and parsed where it is used. */
export const Duration = z.string().superRefine((text, ctx) => {
  try {
    parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/**
 * A secret, by reference: `{ ssm: "/alertflow/slack/oncall" }` names an SSM SecureString parameter
 * (read by the deployed Lambdas), `{ env: "SLACK_URL" }` an environment variable (read by the local
 * runtime); give both to use one file in both places. A plain string is an inline secret: accepted
 * by the local runtime, rejected by `cdk synth`.
 */
export const SecretRef = z.union(
  [
  z.string().min(1),
  z
    .object({
      ssm: z.string().regex(/^\/?[a-zA-Z0-9_.\-/]+$/, 'an SSM parameter name').optional(),
      env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    })
    .strict()
    .refine((r) => r.ssm !== undefined || r.env !== undefined, 'a secret reference needs `ssm` or `env`'),
  ],
  { error: (iss) => (iss.input === undefined ? 'required' : 'expected a string or { ssm: <parameter name>, env: <variable> }') },
);
export type SecretRef = z.infer<typeof SecretRef>;

/** One matcher string in Alertmanager's grammar, e.g. `severity=~"critical|page"`. */
const MatcherString = z.string().superRefine((text, ctx) => {
  try {
    parseMatchers(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid matcher ${JSON.stringify(text)}: ${(err as Error).message}` });
  }
});

const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name ([a-zA-Z_][a-zA-Z0-9_]*)');

/** A `match_re` value: Go RE2 syntax, checked with the same translation the matchers use. */
const RegexString = z.string().superRefine((text, ctx) => {
  try {
    compileMatcherRegex(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

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
  routes?: RouteConfig[] | undefined;
}

export const Route: z.ZodType<RouteConfig> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      group_by: z
        .array(z.union([z.literal('...'), LabelName]))
        .refine((g) => !g.includes('...') || g.length === 1, "'...' must be the only entry of group_by")
        .optional(),
      continue: z.boolean().optional(),
      matchers: z.array(MatcherString).optional(),
      match: z.record(LabelName, z.string()).optional(),
      match_re: z.record(LabelName, RegexString).optional(),
      group_wait: Duration.optional(),
      group_interval: Duration.optional(),
      repeat_interval: Duration.optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      active_time_intervals: z.array(z.string()).optional(),
      routes: z.array(Route).optional(),
    })
    .strict(),
);

const ChannelCommon = {
  /** Also notify when the alerts of a group resolve. */
  send_resolved: z.boolean().default(true),
};

export const SlackConfig = z
  .object({
    ...ChannelCommon,
    /** The incoming-webhook URL (it embeds a credential, so it is a secret). */
    webhook_url: SecretRef,
    /** Shown in the message header; the webhook decides the channel. */
    channel: z.string().optional(),
    username: z.string().optional(),
    icon_emoji: z.string().optional(),
  })
  .strict();
export type SlackConfig = z.infer<typeof SlackConfig>;

export const WebhookConfig = z
  .object({
    ...ChannelCommon,
    /** Target URL; a secret reference when the URL itself carries a credential. */
    url: SecretRef,
    /** `alertflow` (documented JSON body) or `alertmanager` (Alertmanager webhook v4 body). */
    format: z.enum(['alertflow', 'alertmanager']).default('alertflow'),
    /** Key for the `X-Alertflow-Signature` HMAC-SHA256 header over `timestamp.body`. */
    hmac_secret: SecretRef.optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'), z.string()).default({}),
    /** Per-request timeout. */
    timeout: Duration.default('10s'),
    /** With format alertmanager: cap on alerts per message (0 = no cap), as Alertmanager's max_alerts. */
    max_alerts: z.number().int().nonnegative().default(0),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfig>;

export const Receiver = z
  .object({
    name: z.string().min(1),
    slack_configs: z.array(SlackConfig).default([]),
    webhook_configs: z.array(WebhookConfig).default([]),
  })
  .strict();
export type Receiver = z.infer<typeof Receiver>;

export const AuthConfig = z
  .object({
    /** Accepted bearer tokens for the webhook and API routes. Any one of them authenticates. */
    bearer_tokens: z.array(SecretRef).min(1),
  })
  .strict();

export const Config = z
  .object({
    /** Base URL people reach alertflow at; used for links in notifications. */
    external_url: z.url().optional(),
    auth: AuthConfig.default({ bearer_tokens: [{ ssm: '/alertflow/webhook-token', env: 'ALERTFLOW_WEBHOOK_TOKEN' }] }),
    ingest: z
      .object({
        /** Largest request body accepted; larger bodies get 413. */
        max_body_bytes: z.number().int().positive().max(6 * 1024 * 1024).default(1024 * 1024),
        /** Largest number of alerts in one request. */
        max_alerts_per_request: z.number().int().positive().default(1000),
        /** How long a generic alert without ends_at stays firing without being re-sent. */
        default_alert_timeout: Duration.default('24h'),
      })
      .strict()
      .default({ max_body_bytes: 1024 * 1024, max_alerts_per_request: 1000, default_alert_timeout: '24h' }),
    cloudwatch: z
      .object({
        /** What an INSUFFICIENT_DATA state means: ignore it, or treat it as firing or resolved. */
        insufficient_data: z.enum(['ignore', 'firing', 'resolved']).default('ignore'),
      })
      .strict()
      .default({ insufficient_data: 'ignore' }),
    route: Route,
    receivers: z.array(Receiver).min(1),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Map<string, number>();
    config.receivers.forEach((r, i) => {
      if (names.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `duplicate receiver name ${JSON.stringify(r.name)}` });
      }
      names.set(r.name, i);
    });
    if (!config.route.receiver) {
      ctx.addIssue({ code: 'custom', path: ['route', 'receiver'], message: 'the root route must name a receiver' });
    }
    if (config.route.matchers?.length || config.route.match || config.route.match_re) {
      ctx.addIssue({ code: 'custom', path: ['route'], message: 'the root route must not have matchers' });
    }
    if (config.route.continue) {
      ctx.addIssue({ code: 'custom', path: ['route', 'continue'], message: 'the root route cannot have continue' });
    }
    const visit = (route: RouteConfig, path: (string | number)[]) => {
      if (route.receiver !== undefined && !names.has(route.receiver)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'receiver'],
          message: `unknown receiver ${JSON.stringify(route.receiver)} (defined: ${[...names.keys()].join(', ')})`,
        });
      }
      route.routes?.forEach((child, i) => visit(child, [...path, 'routes', i]));
    };
    visit(config.route, ['route']);
  });

export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
