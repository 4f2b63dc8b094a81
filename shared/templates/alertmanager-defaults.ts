/**
 * Alertmanager's built-in template names, written for alertflow's template language, so that a
 * receiver copied from an alertmanager.yml (`title: '{{ template "slack.default.title" . }}'`)
 * renders as it did. They are alertflow's own definitions, not Alertmanager's file: each renders
 * the text Alertmanager's definition of that name renders for the same data, and calls the same
 * names Alertmanager's does, so redefining one (say `__subject`) in a template file changes the
 * names built on it as it would in Alertmanager.
 *
 * The reference is Alertmanager 0.25's template/default.tmpl and template/email.tmpl, plus the
 * Teams names added later (`msteams.default.*` and `__text_alert_list_markdown` as in 0.27,
 * `msteamsv2.default.*` as in 0.28). The test (alertmanager-defaults.test.ts) compares each name
 * with what Alertmanager renders (test/fixtures/alertmanager-templates/).
 *
 * `email.default.html` is a simpler HTML page than Alertmanager's (no embedded style sheet): the
 * same information (the group, the firing and resolved alerts with their labels, annotations and
 * source links, a link to Alertmanager), and a source link only when it is http(s).
 *
 * Names starting `__alertflow_` are this file's helpers.
 */

/** Every name below, for documentation and tests (helpers excluded). */
export const ALERTMANAGER_DEFAULT_NAMES: readonly string[] = Object.freeze([
  '__alertmanager',
  '__alertmanagerURL',
  '__subject',
  '__description',
  '__text_alert_list',
  '__text_alert_list_markdown',
  'slack.default.title',
  'slack.default.username',
  'slack.default.fallback',
  'slack.default.callbackid',
  'slack.default.pretext',
  'slack.default.titlelink',
  'slack.default.iconemoji',
  'slack.default.iconurl',
  'slack.default.text',
  'slack.default.footer',
  'pagerduty.default.description',
  'pagerduty.default.client',
  'pagerduty.default.clientURL',
  'pagerduty.default.instances',
  'opsgenie.default.message',
  'opsgenie.default.description',
  'opsgenie.default.source',
  'wechat.default.message',
  'wechat.default.to_user',
  'wechat.default.to_party',
  'wechat.default.to_tag',
  'wechat.default.agent_id',
  'victorops.default.state_message',
  'victorops.default.entity_display_name',
  'victorops.default.monitoring_tool',
  'pushover.default.title',
  'pushover.default.message',
  'pushover.default.url',
  'sns.default.subject',
  'sns.default.message',
  'telegram.default.message',
  'discord.default.title',
  'discord.default.message',
  'webex.default.message',
  'email.default.subject',
  'email.default.html',
  'msteams.default.summary',
  'msteams.default.title',
  'msteams.default.text',
  'msteamsv2.default.title',
  'msteamsv2.default.text',
]);

const TEXT = String.raw`
{{- /* Shared pieces. */ -}}

{{- define "__alertmanager" -}} Alertmanager {{- end -}}

{{- define "__alertmanagerURL" -}}
  {{ printf "%s/#/alerts?receiver=%s" .ExternalURL (urlquery .Receiver) }}
{{- end -}}

{{- /* [FIRING:2] <group label values> (<other common label values>) */ -}}
{{- define "__subject" -}}
  {{- $firing := len .Alerts.Firing -}}
  [{{ toUpper .Status }}{{ if eq .Status "firing" }}:{{ $firing }}{{ end }}] {{ join " " .GroupLabels.SortedPairs.Values }} {{ if gt (len .CommonLabels) (len .GroupLabels) -}}
    ({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ join " " .Values }}{{ end }})
  {{- end -}}
{{- end -}}

{{- define "__description" }}{{ end -}}

{{- /* Dot: a list of alerts. */ -}}
{{- define "__text_alert_list" -}}
  {{- range . -}}
    Labels:{{ "\n" }}
    {{- range .Labels.SortedPairs }}{{ printf " - %s = %s\n" .Name .Value }}{{ end -}}
    Annotations:{{ "\n" }}
    {{- range .Annotations.SortedPairs }}{{ printf " - %s = %s\n" .Name .Value }}{{ end -}}
    Source: {{ .GeneratorURL }}{{ "\n" }}
  {{- end -}}
{{- end -}}

{{- /* Dot: a list of alerts. */ -}}
{{- define "__text_alert_list_markdown" -}}
  {{- range . }}{{ "\nLabels:\n" }}
    {{- range .Labels.SortedPairs }}{{ printf "  - %s = %s\n" .Name .Value }}{{ end }}{{ "\nAnnotations:\n" }}
    {{- range .Annotations.SortedPairs }}{{ printf "  - %s = %s\n" .Name .Value }}{{ end }}{{ "\nSource: " }}{{ .GeneratorURL }}{{ "\n" }}
  {{- end }}{{ "\n" }}
{{- end -}}

{{- /* The firing then the resolved alerts, one line between (opsgenie, victorops, wechat). */ -}}
{{- define "__alertflow_sections" -}}
  {{- with .Alerts.Firing }}Alerts Firing:{{ "\n" }}{{ template "__text_alert_list" . }}{{ end }}{{ "\n" }}
  {{- with .Alerts.Resolved }}Alerts Resolved:{{ "\n" }}{{ template "__text_alert_list" . }}{{ end }}
{{- end -}}

{{- /* The same with blank lines around each part (pushover, sns, telegram, discord, webex). */ -}}
{{- define "__alertflow_spaced_sections" -}}
  {{ "\n" }}
  {{- with .Alerts.Firing }}{{ "\nAlerts Firing:\n" }}{{ template "__text_alert_list" . }}{{ "\n" }}{{ end }}{{ "\n" }}
  {{- with .Alerts.Resolved }}{{ "\nAlerts Resolved:\n" }}{{ template "__text_alert_list" . }}{{ "\n" }}{{ end }}{{ "\n" }}
{{- end -}}

{{- /* The same in Markdown (msteams, msteamsv2). */ -}}
{{- define "__alertflow_markdown_sections" -}}
  {{ "\n" }}
  {{- with .Alerts.Firing }}{{ "\n# Alerts Firing:\n" }}{{ template "__text_alert_list_markdown" . }}{{ "\n" }}{{ end }}{{ "\n" }}
  {{- with .Alerts.Resolved }}{{ "\n# Alerts Resolved:\n" }}{{ template "__text_alert_list_markdown" . }}{{ "\n" }}{{ end }}{{ "\n" }}
{{- end -}}

{{- define "__alertflow_annotations" }}{{ join " " .CommonAnnotations.SortedPairs.Values }}{{ end -}}

{{- /* Slack. */ -}}
{{- define "slack.default.title" }}{{ template "__subject" . }}{{ end -}}
{{- define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end -}}
{{- define "slack.default.fallback" -}}
  {{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}
{{- end -}}
{{- define "slack.default.callbackid" }}{{ end -}}
{{- define "slack.default.pretext" }}{{ end -}}
{{- define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end -}}
{{- define "slack.default.iconemoji" }}{{ end -}}
{{- define "slack.default.iconurl" }}{{ end -}}
{{- define "slack.default.text" }}{{ end -}}
{{- define "slack.default.footer" }}{{ end -}}

{{- /* PagerDuty; instances takes a list of alerts. */ -}}
{{- define "pagerduty.default.description" }}{{ template "__subject" . }}{{ end -}}
{{- define "pagerduty.default.client" }}{{ template "__alertmanager" . }}{{ end -}}
{{- define "pagerduty.default.clientURL" }}{{ template "__alertmanagerURL" . }}{{ end -}}
{{- define "pagerduty.default.instances" }}{{ template "__text_alert_list" . }}{{ end -}}

{{- /* Opsgenie. */ -}}
{{- define "opsgenie.default.message" }}{{ template "__subject" . }}{{ end -}}
{{- define "opsgenie.default.description" -}}
  {{ template "__alertflow_annotations" . }}{{ "\n" }}{{ template "__alertflow_sections" . }}
{{- end -}}
{{- define "opsgenie.default.source" }}{{ template "__alertmanagerURL" . }}{{ end -}}

{{- /* WeChat. */ -}}
{{- define "wechat.default.message" -}}
  {{ template "__subject" . }}{{ "\n" }}
  {{- template "__alertflow_annotations" . }}{{ "\n" }}
  {{- template "__alertflow_sections" . }}{{ "\nAlertmanagerUrl:\n" }}
  {{- template "__alertmanagerURL" . }}
{{- end -}}
{{- define "wechat.default.to_user" }}{{ end -}}
{{- define "wechat.default.to_party" }}{{ end -}}
{{- define "wechat.default.to_tag" }}{{ end -}}
{{- define "wechat.default.agent_id" }}{{ end -}}

{{- /* VictorOps. */ -}}
{{- define "victorops.default.state_message" -}}
  {{ template "__alertflow_annotations" . }}{{ "\n" }}{{ template "__alertflow_sections" . }}
{{- end -}}
{{- define "victorops.default.entity_display_name" }}{{ template "__subject" . }}{{ end -}}
{{- define "victorops.default.monitoring_tool" }}{{ template "__alertmanager" . }}{{ end -}}

{{- /* Pushover, SNS, Telegram, Discord, Webex. */ -}}
{{- define "pushover.default.title" }}{{ template "__subject" . }}{{ end -}}
{{- define "pushover.default.message" }}{{ template "__alertflow_annotations" . }}{{ template "__alertflow_spaced_sections" . }}{{ end -}}
{{- define "pushover.default.url" }}{{ template "__alertmanagerURL" . }}{{ end -}}
{{- define "sns.default.subject" }}{{ template "__subject" . }}{{ end -}}
{{- define "sns.default.message" }}{{ template "__alertflow_annotations" . }}{{ template "__alertflow_spaced_sections" . }}{{ end -}}
{{- define "telegram.default.message" }}{{ template "__alertflow_spaced_sections" . }}{{ end -}}
{{- define "discord.default.title" }}{{ template "__subject" . }}{{ end -}}
{{- define "discord.default.message" }}{{ template "__alertflow_spaced_sections" . }}{{ end -}}
{{- define "webex.default.message" }}{{ template "__alertflow_annotations" . }}{{ template "__alertflow_spaced_sections" . }}{{ end -}}

{{- /* Microsoft Teams. */ -}}
{{- define "msteams.default.summary" }}{{ template "__subject" . }}{{ end -}}
{{- define "msteams.default.title" }}{{ template "__subject" . }}{{ end -}}
{{- define "msteams.default.text" }}{{ template "__alertflow_markdown_sections" . }}{{ end -}}
{{- define "msteamsv2.default.title" }}{{ template "__subject" . }}{{ end -}}
{{- define "msteamsv2.default.text" }}{{ template "__alertflow_markdown_sections" . }}{{ end -}}

{{- /* Email. Rendered with HTML escaping, the alerts' values are escaped and this markup is not. */ -}}
{{- define "email.default.subject" }}{{ template "__subject" . }}{{ end -}}
{{- define "email.default.html" -}}
<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ template "__subject" . }}</title>
</head>
<body style="margin:0;padding:24px 12px;background:#f6f6f6;font-family:'Helvetica Neue',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#333333;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #e9e9e9;border-radius:3px;">
<tr><td style="padding:20px;font-size:16px;color:#ffffff;background:{{ if .Alerts.Firing }}#e6522c{{ else }}#68b90f{{ end }};border-radius:3px 3px 0 0;">
{{- $n := len .Alerts }}{{ $n }} alert{{ if gt $n 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end -}}
</td></tr>
<tr><td style="padding:20px;">
<p style="margin:0 0 20px;"><a href="{{ template "__alertmanagerURL" . }}" style="display:inline-block;padding:8px 16px;border-radius:5px;background:#348eda;color:#ffffff;font-weight:bold;text-decoration:none;">View in {{ template "__alertmanager" . }}</a></p>
{{- with .Alerts.Firing }}
<h2 style="margin:0 0 8px;font-size:15px;">[{{ len . }}] Firing</h2>{{ template "__alertflow_email_alerts" . }}
{{- end }}
{{- with .Alerts.Resolved }}
<h2 style="margin:0 0 8px;font-size:15px;">[{{ len . }}] Resolved</h2>{{ template "__alertflow_email_alerts" . }}
{{- end }}
</td></tr>
</table>
<p style="margin:20px 0 0;text-align:center;font-size:12px;"><a href="{{ .ExternalURL }}" style="color:#999999;">Sent by {{ template "__alertmanager" . }}</a></p>
</body>
</html>
{{- end -}}

{{- /* Dot: a list of alerts. */ -}}
{{- define "__alertflow_email_alerts" -}}
{{- range . }}
<div style="margin:0 0 16px;padding:12px 0 0;border-top:1px solid #e9e9e9;">
<strong>Labels</strong><br>
{{- range .Labels.SortedPairs }}
{{ .Name }} = {{ .Value }}<br>
{{- end }}
{{- if .Annotations }}
<strong>Annotations</strong><br>
{{- range .Annotations.SortedPairs }}
{{ .Name }} = {{ .Value }}<br>
{{- end }}
{{- end }}
{{- if match "^https?://" .GeneratorURL }}
<a href="{{ .GeneratorURL }}" style="color:#348eda;">Source</a><br>
{{- end }}
</div>
{{- end }}
{{- end -}}
`;

/** The definitions, as a template file every set reads before the user's files. */
export const ALERTMANAGER_DEFAULTS = Object.freeze({ name: 'alertmanager-defaults', text: TEXT });
