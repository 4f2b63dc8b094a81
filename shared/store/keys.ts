/**
 * The single-table key layout. Every item has `pk`/`sk`; items that may expire carry `expiresAt`
 * (epoch seconds, the table's TTL attribute). TTL deletion can lag by days, so readers check
 * `expiresAt` themselves (see `isLive`).
 *
 *   GROUP#<groupId>      STATE              alert group: its alerts, version, last change
 *   GROUP#<groupId>      STATE#p#<v>#<w>#<i>  part i of write w (of version v) of a group too large for one item
 *   NOTIF#<notifId>      DELIVERY           one notification's delivery: status + attempts
 *   SILENCES             SILENCE#<id>       one silence (all in one partition: one Query lists them)
 *   PAYLOAD#<notifId>    <digest>#<i>       part i of a notification too large for its queue message (payloads.ts)
 *   INCIDENT#<id>        STATE              an incident: its state, chain position and policy snapshot (incidents.ts)
 *   INCIDENT#<id>        EVENT#<eventId>    one line of its timeline
 *   HEARTBEAT#<name>     STATE              a heartbeat's last ping and status (heartbeats.ts)
 *   CHECKS               DEF#<name>         a threshold check made through the API (checks.ts)
 *   CHECKS               STATE#<name>       a threshold check's evaluation state
 *   HISTORY#<yyyy-mm-dd> <resolvedAt>#<groupId>#<fingerprint>  a resolved alert, by the day it resolved (history.ts)
 *
 * Noise control (noise.ts), receiver gates (receiver-gates.ts) and send slots (rate-limits.ts) keep
 * items of their own beside these (INHIBIT#, COOLDOWN#, STORM#, GATE#, RATE#).
 *
 * Items the read API lists also carry the keys of the table's one global secondary index, `list`
 * (see docs/adr/0007-read-indexes.md). Its keys never change while an item lives (a silence's only
 * when it is expired or its end is edited), so writes to a listed item cost no index write after the first:
 *
 *   lpk                  lsk
 *   GROUPS               <receiver> \x01 <group key, cut to 700 bytes> \x01 <groupId>
 *   SILENCES             <ends_at ISO> # <id>
 *   INCIDENTS#open       <started ISO> # <id>     triggered and acknowledged incidents (moved on resolve)
 *   INCIDENTS#resolved   <started ISO> # <id>
 *   DELIVERIES#<yyyy-mm-dd>  <notification createdAt ISO> # <notification id>   the delivery log, by the
 *                        day its notification was made (set with the record's first write, never moved)
 */
export const groupKey = (groupId: string) => ({ pk: `GROUP#${groupId}`, sk: 'STATE' });
export const deliveryKey = (notificationId: string) => ({ pk: `NOTIF#${notificationId}`, sk: 'DELIVERY' });
export const SILENCES_PK = 'SILENCES';
export const SILENCE_SK_PREFIX = 'SILENCE#';
export const silenceKey = (id: string) => ({ pk: SILENCES_PK, sk: `${SILENCE_SK_PREFIX}${id}` });

/** The listing index: name, key attributes, and what it projects (see `LIST_INDEX_PROJECTED`). */
export const LIST_INDEX = 'list';
export const LIST_PK = 'lpk';
export const LIST_SK = 'lsk';
export const GROUPS_LIST_PK = 'GROUPS';
/** The delivery log's partition in the listing index for one UTC day (`logKey` starts with an ISO time). */
export const deliveriesListPk = (logKey: string): string => `DELIVERIES#${logKey.slice(0, 10)}`;

/**
 * Attributes the index copies besides its keys: a silence's fields, so listing silences is one
 * Query. Group items have none of them (nor is their TTL attribute copied), so a group's entry is
 * its keys only and rewriting a group never writes the index.
 */
export const LIST_INDEX_PROJECTED = ['id', 'matchers', 'starts_at', 'ends_at', 'created_by', 'comment', 'updated_at', 'actor', 'expired_by'] as const;

/** The key of an item in the listing index: its own key plus the index's. Cursors carry one. */
export interface ListKey {
  pk: string;
  sk: string;
  lpk: string;
  lsk: string;
}

const cutBytes = (text: string, max: number): string => {
  const bytes = Buffer.from(text, 'utf8');
  // Cutting may split a multi-byte character; the replacement character keeps the order close enough.
  return bytes.length <= max ? text : bytes.subarray(0, max).toString('utf8');
};

/** A group's listing keys: groups list by receiver, then group key (the order GET /v1/groups had). */
export const groupListKeys = (g: { receiver: string; groupKey: string; groupId: string }) => ({
  lpk: GROUPS_LIST_PK,
  lsk: `${cutBytes(g.receiver, 200)}\x01${cutBytes(g.groupKey, 700)}\x01${g.groupId}`,
});

/** A silence's listing keys: by end time, so one key range is "not ended yet" and the rest "expired". */
export const silenceListKeys = (s: { id: string; ends_at: string }) => ({ lpk: SILENCES_PK, lsk: `${s.ends_at}#${s.id}` });

/**
 * The `lsk` bound between silences ended at or before `at` (below) and those ending after it
 * (above): `$` sorts right after `#`, and every `ends_at` has the same ISO width.
 */
export const silenceEndBound = (at: Date): string => `${at.toISOString()}$`;

export const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'STATE' });
export const incidentEventKey = (id: string, eventId: string) => ({ pk: `INCIDENT#${id}`, sk: `EVENT#${eventId}` });
export const INCIDENT_EVENT_PREFIX = 'EVENT#';
export type { IncidentSegment } from '../escalation/incident';
export const incidentListKeys = (i: { id: string; startedAt: number; state: string }) => ({
  lpk: `INCIDENTS#${i.state === 'resolved' ? 'resolved' : 'open'}`,
  lsk: `${new Date(i.startedAt).toISOString()}#${i.id}`,
});

export const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export function isLive(item: { expiresAt?: number } | undefined, now: Date): boolean {
  return item !== undefined && (item.expiresAt === undefined || item.expiresAt > epochSeconds(now));
}
