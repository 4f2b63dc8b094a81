import * as z from 'zod';
import { Duration, SecretRef } from '../primitives/schemas';
import { parseDuration } from '../primitives/duration';
import { SlackConfig } from '../channels/slack/config';
import { WebhookConfig } from '../channels/webhook/config';
import { EmailConfig } from '../channels/email/config';
import { SmsConfig } from '../channels/sms/config';
import { PagerDutyConfig } from '../channels/pagerduty/config';
import { TeamsConfig } from '../channels/teams/config';
import { Receiver, StormProtectionConfig } from '../channels/receiver';
import { CHANNEL_TYPES, CHANNELS, CONFIG_KEYS } from '../channel-types';
import { InhibitRuleConfig } from '../inhibition/rules';
import { TimeIntervalConfigs } from '../timeinterval/intervals';
import { CooldownBy, FlappingConfig, Route, type RouteConfig } from '../routing/config';
import { HeartbeatConfig } from '../heartbeats/config';
import { EscalationPolicyConfig } from '../escalation/policy';
import { DEFAULT_LINK_KEY, IncidentLinksConfig } from '../escalation/config';
import { SCOPES } from '../http/routes';
import { CheckConfig } from '../checks/config';
import { DigestConfig } from './digest';
import { checkSelfMonitoring, SelfMonitoringConfig } from '../self-monitoring/config';

/**
 * The schema of alertflow.yaml. Keys are snake_case; `route`, `receivers[].webhook_configs` and the
 * matcher grammar follow Alertmanager so a routing tree can be pasted from an alertmanager.yml.
 * This is the single contract for the file: the loader, `config:check`, the local runtime, the
 * Lambdas and `cdk synth` all validate with it.
 */

export { Duration, SecretRef, ChannelCommon } from '../primitives/schemas';
export { SlackConfig, WebhookConfig, EmailConfig, SmsConfig, PagerDutyConfig, TeamsConfig };
export { CooldownBy, FlappingConfig, Route, type RouteConfig, Receiver, StormProtectionConfig, HeartbeatConfig, DEFAULT_LINK_KEY, IncidentLinksConfig };

/** A credential's name: who made a change (silences record it), so printable and short. */
const TokenName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'a token name: up to 64 letters, digits, "_", ".", "@" or "-", starting with a letter or digit');

/** One bearer credential: its name (the actor it records), its secret by reference, and what it may do. */
export const AuthToken = z
  .object({
    name: TokenName,
    secret: SecretRef,
    scopes: z
      .array(z.enum(SCOPES, { error: `a scope: ${SCOPES.join(', ')}` }))
      .min(1, `at least one scope (${SCOPES.join(', ')})`)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'a scope is listed twice'),
  })
  .strict();
export type AuthToken = z.infer<typeof AuthToken>;

export const AuthConfig = z
  .object({
    /** Named bearer tokens for the webhook and API routes, each with its scopes (see the README's scopes table). */
    tokens: z.array(AuthToken).default([]),
    /**
     * Deprecated: unnamed bearer tokens, each with every scope (named `bearer_tokens[<i>]` as the
     * actor). Still accepted, with a warning at load (configWarnings); use `tokens`.
     */
    bearer_tokens: z.array(SecretRef).min(1).optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.tokens.length === 0 && auth.bearer_tokens === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'at least one token is required: [{ name, secret, scopes }]' });
    }
    const seen = new Map<string, number>();
    auth.tokens.forEach((t, i) => {
      const first = seen.get(t.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: `duplicate token name ${JSON.stringify(t.name)} (also auth.tokens[${first}].name)` });
      } else {
        seen.set(t.name, i);
      }
    });
  });
export type AuthConfig = z.infer<typeof AuthConfig>;

/** Without an `auth` section: one token with every scope, from SSM (deployed) or ALERTFLOW_WEBHOOK_TOKEN (local). */
export const DEFAULT_AUTH: z.input<typeof AuthConfig> = {
  tokens: [{ name: 'default', secret: { ssm: '/alertflow/webhook-token', env: 'ALERTFLOW_WEBHOOK_TOKEN' }, scopes: [...SCOPES] }],
};

/** Limits on silences (Alertmanager's --silences.* flags, which are off by default there). */
export const SilenceLimits = z
  .object({
    /** Most silences active or pending at once; a POST beyond it gets 409 (expire one first). */
    max_silences: z.number().int().positive().default(1000),
    /** Largest silence as stored (its JSON, in UTF-8 bytes); a larger POST gets 400. */
    max_silence_bytes: z.number().int().positive().max(64 * 1024).default(16 * 1024),
  })
  .strict();
export type SilenceLimits = z.infer<typeof SilenceLimits>;

/** A Slack app's interactivity (its buttons, clicked in Slack, come to POST /v1/slack/interactions). */
export const SlackAppConfig = z
  .object({
    /** The app's signing secret (Basic Information in the app's settings), by reference. */
    signing_secret: SecretRef,
    /** Hosts a `response_url` may point at (the message update goes there). */
    response_hosts: z.array(z.string().min(1)).min(1).default(['hooks.slack.com']),
  })
  .strict();

/** PagerDuty v3 webhook subscriptions that report acks and resolves made in PagerDuty (POST /v1/pagerduty/webhooks). */
export const PagerDutyWebhooksConfig = z
  .object({
    /** Each subscription's secret, by reference (1 or 2, to rotate one). */
    signing_secrets: z.array(SecretRef).min(1).max(2),
  })
  .strict();

export const Config = z
  .object({
    /** Base URL people reach alertflow at; used for links in notifications. */
    external_url: z.url().optional(),
    auth: AuthConfig.prefault(DEFAULT_AUTH),
    /** Alertmanager's `global` settings that alertflow honours. */
    global: z
      .object({
        /**
         * How long an alert posted to `/api/v2/alerts` without `endsAt` stays firing unless it is
         * sent again (Alertmanager's `resolve_timeout`, same default).
         */
        resolve_timeout: Duration.default('5m'),
      })
      .strict()
      .default({ resolve_timeout: '5m' }),
    /**
     * Template files, as Alertmanager's `templates:`: globs, relative to the config file. Their
     * `define`s can be called from every template field.
     */
    templates: z.array(z.string().min(1)).default([]),
    /**
     * The files `templates` matched, read by the loader (name and text), so a deployed function,
     * which has no files, gets them with the bundled config. Not for writing by hand.
     */
    template_files: z.array(z.object({ name: z.string(), text: z.string() }).strict()).default([]),
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
    silences: SilenceLimits.prefault({}),
    route: Route,
    receivers: z.array(Receiver).min(1),
    inhibit_rules: z.array(InhibitRuleConfig).default([]),
    time_intervals: TimeIntervalConfigs.default([]),
    /** Who is paged in what order until someone acknowledges; routes name them (`escalation_policy`). */
    escalation_policies: z.array(EscalationPolicyConfig).default([]),
    incident_links: IncidentLinksConfig.prefault({}),
    slack_app: SlackAppConfig.optional(),
    pagerduty_webhooks: PagerDutyWebhooksConfig.optional(),
    heartbeats: z.array(HeartbeatConfig).default([]),
    /**
     * How long resolved alerts (GET /v1/history), resolved incidents and delivery records are kept:
     * DynamoDB TTL deletes them after it, and every read skips them once it has passed.
     */
    retention: Duration.refine((text) => {
      try {
        const ms = parseDuration(text);
        return ms >= 3_600_000 && ms <= 3650 * 86_400_000;
      } catch {
        return true; // Duration reported it.
      }
    }, 'from 1h to 3650d').default('30d'),
    /** A daily digest of what happened, on a cron schedule, to a receiver. */
    digest: DigestConfig.optional(),
    /** Threshold checks on CloudWatch or Prometheus metrics (more can be made through /v1/checks). */
    checks: z.array(CheckConfig).default([]),
    /** Alarms on alertflow itself, a synthetic heartbeat through it, and where both go (ADR 0019). */
    self_monitoring: SelfMonitoringConfig.optional(),
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
      for (const key of ['mute_time_intervals', 'active_time_intervals'] as const) {
        route[key]?.forEach((name, i) => {
          if (!intervals.has(name)) {
            ctx.addIssue({ code: 'custom', path: [...path, key, i], message: `unknown time interval ${JSON.stringify(name)} (define it under time_intervals)` });
          }
        });
      }
      if (route.escalation_policy !== undefined && !policies.has(route.escalation_policy)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'escalation_policy'],
          message: `unknown escalation policy ${JSON.stringify(route.escalation_policy)} (${policies.size > 0 ? `defined: ${[...policies.keys()].join(', ')}` : 'define it under escalation_policies'})`,
        });
      }
      route.routes?.forEach((child, i) => visit(child, [...path, 'routes', i]));
    };
    const intervals = new Set(config.time_intervals.map((t) => t.name));
    const policies = new Map<string, number>();
    config.escalation_policies.forEach((policy, i) => {
      if (policies.has(policy.name)) {
        ctx.addIssue({ code: 'custom', path: ['escalation_policies', i, 'name'], message: `duplicate escalation policy name ${JSON.stringify(policy.name)}` });
      }
      policies.set(policy.name, i);
      policy.steps.forEach((step, s) =>
        step.notify.forEach((receiver, r) => {
          if (!names.has(receiver)) {
            ctx.addIssue({
              code: 'custom',
              path: ['escalation_policies', i, 'steps', s, 'notify', r],
              message: `unknown receiver ${JSON.stringify(receiver)} (defined: ${[...names.keys()].join(', ')})`,
            });
          }
        }),
      );
    });
    const heartbeats = new Set<string>();
    config.heartbeats.forEach((hb, i) => {
      if (heartbeats.has(hb.name)) ctx.addIssue({ code: 'custom', path: ['heartbeats', i, 'name'], message: `duplicate heartbeat name ${JSON.stringify(hb.name)}` });
      heartbeats.add(hb.name);
    });
    if (config.digest && !names.has(config.digest.receiver)) {
      ctx.addIssue({ code: 'custom', path: ['digest', 'receiver'], message: `unknown receiver ${JSON.stringify(config.digest.receiver)} (defined: ${[...names.keys()].join(', ')})` });
    } else if (config.digest) {
      // A digest skips PagerDuty (it is not a page): a receiver with nothing else would get nothing.
      const r = config.receivers[names.get(config.digest.receiver)!]!;
      const others = CHANNEL_TYPES.filter((t) => CHANNELS[t].digest).reduce((n, t) => n + r[CONFIG_KEYS[t]].length, 0);
      if (others === 0) ctx.addIssue({ code: 'custom', path: ['digest', 'receiver'], message: `receiver ${JSON.stringify(r.name)} has only PagerDuty, which gets no digest (it is not a page): name one with Slack, email, Teams, SMS or a webhook` });
    }
    const checks = new Set<string>();
    config.checks.forEach((c, i) => {
      if (checks.has(c.name)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `duplicate check name ${JSON.stringify(c.name)}` });
      checks.add(c.name);
    });
    visit(config.route, ['route']);
    checkSelfMonitoring(config, ctx);
  });

export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
