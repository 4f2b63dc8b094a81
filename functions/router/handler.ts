import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatch } from '../../shared/dispatch/dispatch';
import { IngestMessage } from '../../shared/queues/messages';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';
import { GroupStore } from '../../shared/store/groups';

/**
 * Router adapter. The records of a batch are dispatched together (one read and at most one write per
 * group per batch); failures are reported per record, so only the affected messages are retried.
 */
export function createHandler(ports: Ports) {
  const deps = { config: ports.config, groups: new GroupStore(ports.db, ports.table), queues: ports.queues, clock: ports.clock, log: ports.log };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    const parsed: Array<{ recordId: string; message: IngestMessage }> = [];
    for (const record of event.Records) {
      try {
        parsed.push({ recordId: record.messageId, message: IngestMessage.parse(JSON.parse(record.body)) });
      } catch (err) {
        // Retried, then dead-lettered: a message that never parses ends in the DLQ, not dropped.
        ports.log.error('unreadable ingest message', { messageId: record.messageId, err });
        failures.push(record.messageId);
      }
    }
    try {
      const result = await dispatch(
        parsed.map((p) => p.message),
        deps,
      );
      for (const p of parsed) if (result.failed.has(p.message.id)) failures.push(p.recordId);
      ports.log.debug('dispatched', { records: event.Records.length, groups: result.groups, changed: result.changedGroups, notifications: result.notifications });
    } catch (err) {
      ports.log.error('dispatch failed; the batch will be retried', { records: parsed.length, err });
      failures.push(...parsed.map((p) => p.recordId));
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = lazyHandler('router', createHandler);
