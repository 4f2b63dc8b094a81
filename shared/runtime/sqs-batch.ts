import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../log';

/**
 * Run a handler per SQS record and report failures per record (ReportBatchItemFailures), so one bad
 * record is retried — and eventually dead-lettered — without redoing the rest of the batch.
 */
export async function processSqsBatch(
  event: SQSEvent,
  log: Logger,
  handle: (record: SQSRecord) => Promise<'ok' | 'retry'>,
): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(event.Records.map((record) => handle(record)));
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  results.forEach((r, i) => {
    const record = event.Records[i]!;
    if (r.status === 'rejected') {
      log.error('record failed; it will be retried, then dead-lettered', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        err: r.reason,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    } else if (r.value === 'retry') {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  });
  return { batchItemFailures };
}

export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount) || 1;
}
