/**
 * The single-table key layout. Every item has `pk`/`sk`; items that may expire carry `expiresAt`
 * (epoch seconds, the table's TTL attribute). TTL deletion can lag by days, so readers check
 * `expiresAt` themselves (see `isLive`).
 *
 *   GROUP#<groupId>      STATE              alert group: its alerts, version, last change
 *   GROUP#<groupId>      STATE#p#<v>#<w>#<i>  part i of write w (of version v) of a group too large for one item
 *   NOTIF#<notifId>      DELIVERY           one notification's delivery: status + attempts
 *   SILENCES             SILENCE#<id>       one silence (all in one partition: one Query lists them)
 */
export const groupKey = (groupId: string) => ({ pk: `GROUP#${groupId}`, sk: 'STATE' });
export const deliveryKey = (notificationId: string) => ({ pk: `NOTIF#${notificationId}`, sk: 'DELIVERY' });
export const SILENCES_PK = 'SILENCES';
export const SILENCE_SK_PREFIX = 'SILENCE#';
export const silenceKey = (id: string) => ({ pk: SILENCES_PK, sk: `${SILENCE_SK_PREFIX}${id}` });

export const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export function isLive(item: { expiresAt?: number } | undefined, now: Date): boolean {
  return item !== undefined && (item.expiresAt === undefined || item.expiresAt > epochSeconds(now));
}
