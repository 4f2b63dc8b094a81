import type { Alert } from '../alerts/model';
import type { IngestMessage } from './messages';
import { ALERTS_QUEUE } from './names';
import { encodeBody, type QueuePort } from './port';

/**
 * Alerts alertflow raises itself (missing heartbeats, threshold checks), put on the alerts queue
 * in ingest's own message shape, so the router treats them as any other alert. The message id
 * makes a replayed send idempotent at the router.
 */
export function generatedAlertsMessage(id: string, alerts: Alert[], now: number): IngestMessage {
  return { kind: 'alerts', id, receivedAt: new Date(now).toISOString(), source: 'generic', origin: {}, alerts };
}

/** At most this many bytes of alerts per queue message (SQS takes 256 KiB). */
const MESSAGE_BUDGET = 200 * 1024;

/** Send `alerts` in messages of at most MESSAGE_BUDGET bytes: ids `id`, then `id:1`, `id:2`, ... */
export async function sendGeneratedAlerts(queues: QueuePort, id: string, alerts: Alert[], now: number): Promise<void> {
  const chunks: Alert[][] = [[]];
  let size = 0;
  for (const a of alerts) {
    const bytes = Buffer.byteLength(JSON.stringify(a));
    if (size + bytes > MESSAGE_BUDGET && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks.at(-1)!.push(a);
    size += bytes;
  }
  for (const [i, chunk] of chunks.entries()) {
    await queues.send(ALERTS_QUEUE, [{ id: 'generated', body: encodeBody(queues, JSON.stringify(generatedAlertsMessage(i === 0 ? id : `${id}:${i}`, chunk, now))) }]);
  }
}
