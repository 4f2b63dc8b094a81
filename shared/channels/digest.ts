import type { DigestSummary } from '../queues/messages';

/**
 * The digest as people read it: a title, text lines (webhook, Teams, SMS carry them in the digest
 * alert's description), Slack blocks and an HTML email. One summary, rendered per channel.
 */

export function digestTitle(d: DigestSummary): string {
  return `alertflow daily digest: ${d.alerts.fired} fired, ${d.alerts.resolved} resolved, ${d.incidents.started} incidents`;
}

const seconds = (s: number | null): string => {
  if (s === null) return '-';
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
};

/** The window in the digest's timezone: "2026-12-06 09:00 – 2026-12-07 09:00 (Europe/Berlin)". */
export function digestPeriod(d: DigestSummary): string {
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone: d.timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return `${fmt.format(new Date(d.from))} – ${fmt.format(new Date(d.to))} (${d.timezone})`;
}

export function digestLines(d: DigestSummary): string[] {
  const lines = [
    digestPeriod(d),
    `Alerts: ${d.alerts.fired} fired, ${d.alerts.resolved} resolved, ${d.alerts.firing} of those fired still firing.`,
    `Incidents: ${d.incidents.started} started, ${d.incidents.acknowledged} acknowledged, ${d.incidents.resolved} resolved. ` +
      `Time to acknowledge: median ${seconds(d.incidents.time_to_acknowledge.median_s)}, p90 ${seconds(d.incidents.time_to_acknowledge.p90_s)}. ` +
      `Time to resolve: median ${seconds(d.incidents.time_to_resolve.median_s)}, p90 ${seconds(d.incidents.time_to_resolve.p90_s)}.`,
  ];
  if (d.noisiest.length > 0) lines.push(`Noisiest: ${d.noisiest.map((n) => `${n.alertname} (${n.count})`).join(', ')}.`);
  lines.push(d.checks.length > 0 ? `Checks breached: ${d.checks.map((c) => `${c.name} (${c.count})`).join(', ')}${more(d.omitted.checks)}.` : 'Checks breached: none.');
  lines.push(
    d.failed_deliveries.length > 0
      ? `Failing deliveries: ${d.failed_deliveries.map((f) => `${f.receiver} ${f.channel} (${f.groups} groups)`).join(', ')}${more(d.omitted.failed_deliveries)}.`
      : 'Failing deliveries: none.',
  );
  if (d.partial) lines.push('Some sources had more than the digest reads: the counts are lower bounds.');
  return lines;
}

const more = (n: number) => (n > 0 ? `, and ${n} more` : '');

type SlackBlock = Record<string, unknown>;
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function digestSlackBlocks(d: DigestSummary): SlackBlock[] {
  const list = (items: string[], empty: string) => (items.length > 0 ? items.map((i) => `• ${i}`).join('\n') : empty);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'alertflow daily digest', emoji: true } },
    { type: 'context', elements: [mrkdwn(esc(digestPeriod(d)))] },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Alerts fired*\n${d.alerts.fired}`),
        mrkdwn(`*Alerts resolved*\n${d.alerts.resolved}`),
        mrkdwn(`*Incidents*\n${d.incidents.started} started, ${d.incidents.acknowledged} acked, ${d.incidents.resolved} resolved`),
        mrkdwn(`*Still firing*\n${d.alerts.firing}`),
        mrkdwn(`*Time to acknowledge*\nmedian ${seconds(d.incidents.time_to_acknowledge.median_s)}, p90 ${seconds(d.incidents.time_to_acknowledge.p90_s)}`),
        mrkdwn(`*Time to resolve*\nmedian ${seconds(d.incidents.time_to_resolve.median_s)}, p90 ${seconds(d.incidents.time_to_resolve.p90_s)}`),
      ],
    },
    { type: 'section', text: mrkdwn(`*Noisiest alerts*\n${list(d.noisiest.map((n) => `${esc(n.alertname)}: ${n.count}`), '_none_')}`.slice(0, 3000)) },
    { type: 'section', text: mrkdwn(`*Checks breached*\n${list(d.checks.map((c) => `${esc(c.name)}: ${c.count}`), '_none_')}`.slice(0, 3000)) },
    { type: 'section', text: mrkdwn(`*Failing deliveries*\n${list(d.failed_deliveries.map((f) => `${esc(f.receiver)} ${esc(f.channel)}: ${f.groups} groups`), '_none_')}`.slice(0, 3000)) },
  ];
  if (d.partial) blocks.push({ type: 'context', elements: [mrkdwn('_Some sources had more than the digest reads: the counts are lower bounds._')] });
  return blocks;
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function digestHtml(d: DigestSummary): string {
  const rows = (items: Array<[string, string | number]>) => items.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0">${html(k)}</td><td style="padding:2px 0"><b>${html(String(v))}</b></td></tr>`).join('');
  const list = (items: string[]) => (items.length > 0 ? `<ul>${items.map((i) => `<li>${html(i)}</li>`).join('')}</ul>` : '<p>None.</p>');
  return [
    '<!doctype html><html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1a1a1a">',
    `<h2 style="margin:0 0 4px">alertflow daily digest</h2><p style="margin:0 0 12px;color:#555">${html(digestPeriod(d))}</p>`,
    `<table>${rows([
      ['Alerts fired', d.alerts.fired],
      ['Alerts resolved', d.alerts.resolved],
      ['Still firing', d.alerts.firing],
      ['Incidents started', d.incidents.started],
      ['Acknowledged', d.incidents.acknowledged],
      ['Resolved', d.incidents.resolved],
      ['Time to acknowledge (median / p90)', `${seconds(d.incidents.time_to_acknowledge.median_s)} / ${seconds(d.incidents.time_to_acknowledge.p90_s)}`],
      ['Time to resolve (median / p90)', `${seconds(d.incidents.time_to_resolve.median_s)} / ${seconds(d.incidents.time_to_resolve.p90_s)}`],
    ])}</table>`,
    `<h3>Noisiest alerts</h3>${list(d.noisiest.map((n) => `${n.alertname}: ${n.count}`))}`,
    `<h3>Checks breached</h3>${list(d.checks.map((c) => `${c.name}: ${c.count}`))}`,
    `<h3>Failing deliveries</h3>${list(d.failed_deliveries.map((f) => `${f.receiver} ${f.channel}: ${f.groups} groups`))}`,
    d.partial ? '<p style="color:#555"><i>Some sources had more than the digest reads: the counts are lower bounds.</i></p>' : '',
    '</body></html>',
  ].join('');
}
