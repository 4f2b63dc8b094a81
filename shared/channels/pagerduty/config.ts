import * as z from 'zod';
import { ChannelCommon, RequestTimeout, SecretRef } from '../../primitives/schemas';
import { checkTemplates, TemplateSource } from '../templating';

/** The optional template keys of a PagerDuty entry (Alertmanager template syntax over `.Alerts` etc.). */
export const PAGERDUTY_TEMPLATE_KEYS = ['summary', 'source', 'severity', 'component', 'group', 'class'] as const;

/** `pagerduty_configs[]`: PagerDuty Events API v2. */
export const PagerDutyConfig = z
  .object({
    ...ChannelCommon,
    /** The integration's routing key (a secret). */
    routing_key: SecretRef,
    /** Overridable for tests and EU accounts (https://events.eu.pagerduty.com/v2/enqueue). */
    events_url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).default('https://events.pagerduty.com/v2/enqueue'),
    timeout: RequestTimeout.default('10s'),
    /** `payload.summary`, cut to 1024 characters. Default: `[FIRING:2] <group label values>: <common summary>`. */
    summary: TemplateSource.optional(),
    /** `payload.source`. Default: the host of `external_url`, else "alertflow". */
    source: TemplateSource.optional(),
    /** `payload.severity`; output other than critical/error/warning/info falls back to the label mapping. */
    severity: TemplateSource.optional(),
    /** `payload.component`, `payload.group`, `payload.class`; `class` defaults to the common alertname. */
    component: TemplateSource.optional(),
    group: TemplateSource.optional(),
    class: TemplateSource.optional(),
  })
  .strict()
  .superRefine(checkTemplates(PAGERDUTY_TEMPLATE_KEYS));
export type PagerDutyConfig = z.infer<typeof PagerDutyConfig>;
