import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatch } from '../../shared/dispatch/dispatch';
import { IngestMessage } from '../../shared/queues/messages';
import { lazyHandler } from '../../shared/runtime/aws';
import type { Ports } from '../../shared/runtime/ports';
import { processSqsBatch } from '../../shared/runtime/sqs-batch';
import { GroupStore } from '../../shared/store/groups';

/** Router adapter: each record is one ingest message; failures are reported per record. */
export function createHandler(ports: Ports) {
  const deps = { config: ports.config, groups: new GroupStore(ports.db, ports.table), queues: ports.queues, clock: ports.clock, log: ports.log };
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processSqsBatch(event, ports.log, async (record) => {
      const message = IngestMessage.parse(JSON.parse(record.body));
      const result = await dispatch(message, deps);
      ports.log.debug('dispatched', { messageId: message.id, ...result });
      return 'ok';
    });
}

export const handler = lazyHandler('router', createHandler);
