import * as z from 'zod';
import { parseDuration } from './duration';
import { compileMatcherRegex, parseMatchers } from '../labels/matchers';

// Building blocks of the config schema, shared by schema.ts and the channel config schemas.

/** A duration string ("30s", "5m", "1h30m"), validated here and parsed where it is used. */
export const Duration = z.string().superRefine((text, ctx) => {
  try {
    parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/**
 * Longest per-request `timeout` a channel entry may set. A sender claims a notification for its
 * function's timeout (60 s, CLAIM_LEASE_MS) before it posts, and may first wait up to 5 s for a rate
 * limit slot: a request still running when the claim lapses could be posted again by a second
 * receive, and on Lambda the invocation would be killed mid-send with nothing recorded.
 */
export const MAX_REQUEST_TIMEOUT_MS = 50_000;

/** A channel's per-request timeout: a duration of at most MAX_REQUEST_TIMEOUT_MS ("0" means the default). */
export const RequestTimeout = Duration.superRefine((text, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    return; // Duration reported it.
  }
  if (ms > MAX_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_REQUEST_TIMEOUT_MS / 1000}s: a send must finish within the sender's claim on the notification (60s)` });
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

/** Keys every channel entry has. */
export const ChannelCommon = {
  /** Also notify when the alerts of a group resolve. */
  send_resolved: z.boolean().default(true),
};

/** One matcher string in Alertmanager's grammar, e.g. `severity=~"critical|page"`. */
export const MatcherString = z.string().superRefine((text, ctx) => {
  try {
    parseMatchers(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid matcher ${JSON.stringify(text)}: ${(err as Error).message}` });
  }
});

export const LabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name ([a-zA-Z_][a-zA-Z0-9_]*)');

/**
 * `match` / `match_re` (routes, inhibit rules): label names to values. A key `__proto__` is an issue
 * naming it: a record would drop it without a word (it is Object.prototype's accessor), leaving a
 * route or rule side that matches every alert. No alert can carry that label (ingest refuses it).
 */
export function labelMap<V extends z.ZodType<string>>(value: V) {
  return z.preprocess((input, ctx) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'the label name "__proto__" is not supported (alertflow refuses it on alerts); remove it' });
    }
    return input;
  }, z.record(LabelName, value));
}

/** A `match_re` value: Go RE2 syntax, checked by the RE2 engine the matchers run on. */
export const RegexString = z.string().superRefine((text, ctx) => {
  try {
    compileMatcherRegex(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});
