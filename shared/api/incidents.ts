import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { parseDuration } from '../primitives/duration';
import { LimitExceededError, NotFoundError, ValidationError } from '../errors';
import { pendingTimer, type Incident, type IncidentEvent, type IncidentState } from '../escalation/incident';
import { act, type EscalationDeps, type IncidentAction } from '../escalation/service';
import type { IncidentSegment, ListKey } from '../store/keys';
import { prepareNewSilence, type SilenceDeps, type SilenceView } from './silences';
import { channelEntries } from '../channels/keys';
import type { DeliveryStore, IncidentStore } from '../store/port';
import { decodeCursor, encodeCursor, ListKeySchema, parseLimit, READ_BUDGET, type PageQuery } from './paging';

/**
 * The incident API: GET /v1/incidents[?state=][&limit=][&cursor=], GET /v1/incidents/{id} with its
 * timeline, and POST /v1/incidents/{id}/ack|unack|resolve|escalate. Fields are snake_case, as the
 * silences'. An action the incident's state forbids is a 409 naming the state.
 */
export type IncidentDeps = Omit<EscalationDeps, 'incidents'> & {
  /** The store's incidents: the API pages them with cursors of the store's keys. */
  incidents: IncidentStore;
  /** Where the pages' delivery outcomes are read for the timeline. */
  deliveries?: Pick<DeliveryStore, 'get'> | undefined;
};

const STATES = ['triggered', 'acknowledged', 'resolved'] as const satisfies readonly IncidentState[];

function at(ms: number): string;
function at(ms: number | undefined): string | undefined;
function at(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export function incidentView(i: Incident) {
  const timer = pendingTimer(i);
  const next = i.state === 'triggered' && i.next ? i.next : undefined;
  return {
    id: i.id,
    state: i.state,
    group_id: i.groupId,
    group_key: i.groupKey,
    group_labels: i.groupLabels,
    policy: i.policy.name,
    started_at: at(i.startedAt),
    /** The step that ran last (1-based), of which run of the chain. */
    step: i.ran ? { run: i.ran.loop + 1, step: i.ran.step + 1, at: at(i.ran.at) } : null,
    next_step: next ? { run: next.loop + 1, step: next.step + 1, at: at(next.at), notify: i.policy.steps[next.step]!.notify } : null,
    steps: i.policy.steps.length,
    runs: i.policy.repeat + 1,
    paged: i.paged,
    acknowledged_by: i.acknowledged?.by ?? null,
    acknowledged_at: at(i.acknowledged?.at) ?? null,
    ack_expires_at: at(i.ackExpiresAt) ?? null,
    ack_allowed: i.policy.ackAllowed,
    resolved_by: i.resolved?.by ?? null,
    resolved_at: at(i.resolved?.at) ?? null,
    next_timer_at: at(timer?.at) ?? null,
    /** While every firing alert of the group is silenced or inhibited: the chain waits. */
    suspended: i.suspended ? { reason: i.suspended.reason, since: at(i.suspended.at) } : null,
    updated_at: at(i.updatedAt),
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

const eventView = (e: IncidentEvent, deliveries: readonly StepPage[] | undefined) => ({
  at: new Date(e.at).toISOString(),
  kind: e.kind,
  actor: e.actor,
  ...(e.step !== undefined ? { run: (e.loop ?? 0) + 1, step: e.step + 1, notify: e.notify ?? [], ...(deliveries ? { deliveries } : {}) } : {}),
  ...(e.text !== undefined ? { text: e.text } : {}),
});

/** A step's page and what became of it: its delivery record's status, attempts and last error (GET /v1/deliveries/{id}). */
export interface StepPage {
  id: string;
  receiver: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/**
 * The pages of each step event and what became of them: one per channel entry of each receiver
 * paged, under the id the escalation service gave it; `pending` until a sender recorded a verdict.
 * Each page's record is read (a timeline holds a few steps of a few receivers).
 */
async function stepDeliveries(deps: Pick<IncidentDeps, 'config' | 'deliveries'>, i: Incident, events: readonly IncidentEvent[]): Promise<Map<IncidentEvent, StepPage[]>> {
  const out = new Map<IncidentEvent, Array<{ receiver: string; channel: string; status: string; id: string }>>();
  for (const e of events) {
    if (e.step === undefined || e.token === undefined) continue;
    const pages = (e.notify ?? []).flatMap((name) => {
      const receiver = deps.config.receivers.get(name);
      return receiver ? channelEntries(receiver).map((ch) => ({ receiver: name, channel: `${ch.type}[${ch.index}]`, status: 'pending', id: `esc.${i.id}.${e.token}.${e.loop ?? 0}.${e.step}.${name}.${ch.type}.${ch.index}` })) : [];
    });
    out.set(e, pages);
  }
  const ids = [...new Set([...out.values()].flat().map((p) => p.id))];
  const records = new Map(deps.deliveries ? (await Promise.all(ids.map(async (id) => [id, await deps.deliveries!.get(id)] as const))).filter(([, r]) => r !== undefined) : []);
  return new Map(
    [...out].map(([e, pages]) => [
      e,
      pages.map((p): StepPage => {
        const r = records.get(p.id);
        const failure = r?.status === 'delivered' ? undefined : [...(r?.attempts ?? [])].reverse().find((a) => a.outcome !== 'success');
        return { ...p, status: r?.status ?? p.status, attempts: r?.attempts.length ?? 0, last_error: failure?.reason ?? null };
      }),
    ]),
  );
}

const Cursor = z.object({ s: z.enum(['open', 'resolved']), k: ListKeySchema.optional() }).strict();

/** GET /v1/incidents: open ones (triggered, acknowledged) newest first, then resolved ones; or one state. */
export async function listIncidents(deps: Pick<IncidentDeps, 'incidents' | 'clock'>, query: PageQuery & { state?: string | undefined }) {
  const state = parseState(query.state);
  const segments: IncidentSegment[] = state === undefined ? ['open', 'resolved'] : [state === 'resolved' ? 'resolved' : 'open'];
  return pageIncidents(deps.incidents, segments, { cursor: query.cursor, limit: parseLimit(query.limit), now: deps.clock() }, (i) => (state === undefined || i.state === state ? 'take' : 'skip'));
}

/**
 * The incident listings, segment after segment (each newest first), `limit` views a page, reading
 * at most READ_BUDGET entries; the cursor is the `next_cursor` of the previous page. `pick` says
 * what to do with each incident: take it, skip it, or end its segment (every later one is older).
 * GET /v1/incidents and GET /v1/history?kind=incidents page with it.
 */
export async function pageIncidents(
  store: Pick<IncidentStore, 'page'>,
  segments: readonly IncidentSegment[],
  opts: { cursor: string | undefined; limit: number; now: Date },
  pick: (i: Incident) => 'take' | 'skip' | 'stop',
): Promise<{ incidents: IncidentView[]; next_cursor: string | null }> {
  const { limit, now } = opts;
  const cursor = decodeCursor(opts.cursor, Cursor, (c) => segments.includes(c.s) && (c.k === undefined || c.k.lpk === `INCIDENTS#${c.s}`));
  const out: IncidentView[] = [];
  let read = 0;
  for (const segment of segments.slice(cursor ? segments.indexOf(cursor.s) : 0)) {
    let after: ListKey | undefined = cursor?.s === segment ? cursor.k : undefined;
    let ended = false;
    do {
      const page = await store.page(segment, after, Math.min(limit - out.length, READ_BUDGET - read), now);
      read += page.read;
      after = page.last;
      for (const i of page.incidents) {
        const what = pick(i);
        if (what === 'stop') {
          ended = true;
          break;
        }
        if (what === 'take') out.push(incidentView(i));
      }
      if (out.length >= limit || read >= READ_BUDGET) {
        if (after && !ended) return { incidents: out, next_cursor: encodeCursor({ s: segment, k: after }) };
        const following = segments[segments.indexOf(segment) + 1];
        return { incidents: out, next_cursor: following ? encodeCursor({ s: following }) : null };
      }
    } while (after && !ended);
  }
  return { incidents: out, next_cursor: null };
}

function parseState(text: string | undefined): IncidentState | undefined {
  if (text === undefined) return undefined;
  if ((STATES as readonly string[]).includes(text)) return text as IncidentState;
  throw new ValidationError(`state must be one of ${STATES.join(', ')} (got ${JSON.stringify(text)})`, [{ path: 'state', message: STATES.join(' | ') }]);
}

/** GET /v1/incidents/{id}: the incident and its timeline (triggered, each step, acks, resolve; each with actor and time). */
export async function getIncident(deps: Pick<IncidentDeps, 'incidents' | 'clock' | 'config' | 'deliveries'>, id: string) {
  const now = deps.clock();
  const incident = await deps.incidents.get(id, now);
  if (!incident) throw new NotFoundError(`no incident with id ${JSON.stringify(id)}`);
  const all = await deps.incidents.timeline(id, now);
  const timeline = all.slice(-INCIDENT_TIMELINE_SHOWN);
  const deliveries = await stepDeliveries(deps, incident, timeline);
  return { ...incidentView(incident), timeline: timeline.map((e) => eventView(e, deliveries.get(e))), ...(all.length > timeline.length ? { timeline_omitted: all.length - timeline.length } : {}) };
}

/** What POST /v1/incidents/{id}/resolve may carry: a silence over the group, so the source's still-firing alerts do not open the next incident. */
const ResolveBody = z
  .object({
    silence: z
      .object({
        /** How long, e.g. "2h". */
        duration: z.string().refine((t) => {
          try {
            return parseDuration(t) > 0;
          } catch {
            return false;
          }
        }, 'a duration such as "30m" or "2h"'),
        comment: z.string().min(1).max(1000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * POST /v1/incidents/{id}/ack|unack|resolve|escalate by `actor` (the token's name). `resolve` may
 * silence the group's labels for a while (`{"silence": {"duration": "2h"}}`): a manual resolve does
 * not resolve the alerts, and the next page of a group whose source still sends them starts a new
 * incident, as PagerDuty does.
 */
export async function actOnIncident(
  deps: IncidentDeps & { silenceDeps: Pick<SilenceDeps, 'silences' | 'clock' | 'limits'> },
  id: string,
  action: IncidentAction,
  actor: string,
  body: unknown,
): Promise<IncidentView & { silence?: SilenceView }> {
  const input = action === 'resolve' && body !== undefined ? ResolveBody.safeParse(body) : undefined;
  if (input && !input.success) {
    throw new ValidationError(`invalid resolve: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const silenceFor = input?.data.silence;
  // The silence is validated and checked against the limits before the incident is resolved: a
  // refused silence must not leave the incident resolved behind a 4xx (whose retry would be a 409).
  let storeSilence: (() => Promise<SilenceView>) | undefined;
  if (silenceFor) {
    const now = deps.clock();
    const current = await deps.incidents.get(id, now);
    if (current && Object.keys(current.groupLabels).length === 0) {
      throw new ValidationError(`incident ${id}'s group has no labels to silence it by (its route groups by none): resolve without a silence, and create one with POST /v1/silences`);
    }
    if (current) {
      storeSilence = await prepareNewSilence(
        deps.silenceDeps,
        {
          matchers: Object.entries(current.groupLabels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
          starts_at: now.toISOString(),
          ends_at: new Date(now.getTime() + parseDuration(silenceFor.duration)).toISOString(),
          created_by: actor,
          comment: silenceFor.comment ?? `resolved incident ${current.id}`,
        },
        actor,
      );
    }
  }
  const incident = await act(id, action, actor, deps);
  if (!storeSilence) return incidentView(incident);
  return { ...incidentView(incident), silence: await storeSilence() };
}

/** A note's most characters: a line or a paragraph, not a document. */
export const INCIDENT_NOTE_MAX_CHARS = 2000;
/** Notes one incident takes: enough for any response, and its timeline stays a page (GET /v1/incidents/{id}). */
export const INCIDENT_MAX_NOTES = 100;
/**
 * Events GET /v1/incidents/{id} shows, the latest: acks and unacks have no limit, and every event
 * shown reads its pages' delivery records. The rest are counted in `timeline_omitted`.
 */
export const INCIDENT_TIMELINE_SHOWN = 500;
const NoteBody = z.object({ text: z.string().trim().min(1, 'text must not be empty').max(INCIDENT_NOTE_MAX_CHARS, `text is at most ${INCIDENT_NOTE_MAX_CHARS} characters`) }).strict();

/**
 * POST /v1/incidents/{id}/notes (scope `manage`): a line on the incident's timeline, by whoever
 * wrote it. It changes nothing in the chain. 404 for an unknown incident.
 */
export async function addIncidentNote(deps: Pick<IncidentDeps, 'incidents' | 'clock'>, id: string, body: unknown, actor: string): Promise<ReturnType<typeof eventView>> {
  const input = NoteBody.safeParse(body);
  if (!input.success) throw new ValidationError(`invalid note: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, input.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })));
  const now = deps.clock();
  const incident = await deps.incidents.get(id, now);
  if (!incident) throw new NotFoundError(`no incident with id ${JSON.stringify(id)}`);
  // Checked, then written: two notes at once may both pass, one over the limit at most.
  const notes = (await deps.incidents.timeline(id, now)).filter((e) => e.kind === 'note').length;
  if (notes >= INCIDENT_MAX_NOTES) {
    throw new LimitExceededError(`incident ${id} has ${notes} notes, the most it takes (${INCIDENT_MAX_NOTES})`, { limit: 'incident notes', max: INCIDENT_MAX_NOTES });
  }
  const event: IncidentEvent = { id: `note-${randomUUID()}`, at: now.getTime(), kind: 'note', actor, text: input.data.text };
  await deps.incidents.record(id, event, now);
  return eventView(event, undefined);
}
