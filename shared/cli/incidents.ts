import { apiCall } from './client';
import type { CliContext } from './context';
import { formatJson, formatTable, formatTime, labelsText } from './output';

/** An incident as /v1/incidents shows it (the fields the CLI prints). */
interface IncidentRow {
  id: string;
  state: string;
  group_labels: Record<string, string>;
  policy: string;
  started_at: string;
  step: { run: number; step: number; at: string } | null;
  steps: number;
  runs: number;
  acknowledged_by: string | null;
  resolved_by: string | null;
  next_timer_at: string | null;
  suspended: { reason: string; since: string } | null;
}

const stepText = (i: IncidentRow): string => (i.step ? `${i.step.step}/${i.steps}${i.runs > 1 ? ` (run ${i.step.run}/${i.runs})` : ''}` : `-/${i.steps}`);

/** Who changed the incident last (ack or resolve), for the table. */
const byText = (i: IncidentRow): string => (i.state === 'resolved' ? (i.resolved_by ?? '') : i.state === 'acknowledged' ? (i.acknowledged_by ?? '') : '');

/** `incident list [--state s]`: GET /v1/incidents, following `next_cursor` to the end. */
export async function listIncidents(ctx: CliContext, opts: { state?: string }): Promise<void> {
  const incidents: IncidentRow[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '1000' });
    if (opts.state) q.set('state', opts.state);
    if (cursor) q.set('cursor', cursor);
    const res: { incidents: IncidentRow[]; next_cursor: string | null } = await apiCall(ctx.target, 'GET', `/v1/incidents?${q}`);
    incidents.push(...res.incidents);
    cursor = res.next_cursor;
  } while (cursor);
  if (ctx.output === 'json') return ctx.out(formatJson(incidents));
  ctx.out(
    formatTable(
      ['ID', 'State', 'Policy', 'Step', 'Started At', 'By', 'Next Step At', 'Group'],
      incidents.map((i) => [
        i.id,
        i.suspended ? `${i.state} (suspended: ${i.suspended.reason})` : i.state,
        i.policy,
        stepText(i),
        formatTime(i.started_at),
        byText(i),
        formatTime(i.next_timer_at),
        labelsText(i.group_labels),
      ]),
    ),
  );
}

export type IncidentVerb = 'ack' | 'unack' | 'resolve' | 'escalate';

/**
 * `incident ack|unack|resolve|escalate <id>`: POST /v1/incidents/{id}/<verb>; `resolve` may silence
 * the group for a while. Prints the incident's new state (and the silence's id).
 */
export async function actOnIncident(ctx: CliContext, verb: IncidentVerb, id: string, opts: { silence?: string; comment?: string } = {}): Promise<void> {
  const body = verb === 'resolve' && opts.silence ? { silence: { duration: opts.silence, ...(opts.comment ? { comment: opts.comment } : {}) } } : undefined;
  const res: IncidentRow & { silence?: { id: string; ends_at: string } } = await apiCall(ctx.target, 'POST', `/v1/incidents/${encodeURIComponent(id)}/${verb}`, body);
  if (ctx.output === 'json') return ctx.out(formatJson(res));
  const step = verb === 'escalate' && res.step ? `, step ${stepText(res)}` : '';
  ctx.out(`${res.id}: ${res.state}${step}${res.silence ? `; group silenced until ${formatTime(res.silence.ends_at)} (silence ${res.silence.id})` : ''}\n`);
}

interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  run?: number;
  step?: number;
  notify?: string[];
  deliveries?: Array<{ receiver: string; channel: string; status: string }>;
}

/** `incident show <id>`: GET /v1/incidents/{id}: the incident, then its timeline (each step with the receivers paged and each page's delivery). */
export async function showIncident(ctx: CliContext, id: string): Promise<void> {
  const res: IncidentRow & { timeline: TimelineEvent[] } = await apiCall(ctx.target, 'GET', `/v1/incidents/${encodeURIComponent(id)}`);
  if (ctx.output === 'json') return ctx.out(formatJson(res));
  const head = [
    `incident ${res.id}: ${res.state}${res.suspended ? ` (suspended: ${res.suspended.reason})` : ''}`,
    `  policy ${res.policy}, step ${stepText(res)}, started ${formatTime(res.started_at)}${res.next_timer_at ? `, next step at ${formatTime(res.next_timer_at)}` : ''}`,
    `  group ${labelsText(res.group_labels)}`,
    '',
  ].join('\n');
  const what = (e: TimelineEvent) =>
    e.step === undefined
      ? ''
      : `step ${e.step}${res.runs > 1 ? ` (run ${e.run})` : ''}: ${(e.notify ?? []).join(', ')}${e.deliveries?.length ? ` [${e.deliveries.map((d) => `${d.receiver} ${d.channel} ${d.status}`).join('; ')}]` : ''}`;
  ctx.out(`${head}\n${formatTable(['At', 'Event', 'Actor', 'Step'], res.timeline.map((e) => [formatTime(e.at), e.kind, e.actor, what(e)]))}`);
}
