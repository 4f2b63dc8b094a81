import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { onTimer, type EscalationDeps } from '../../shared/escalation/service';
import { statusAt } from '../../shared/alerts/model';
import { batchReads, groupMuted } from '../../shared/dispatch/noise';
import { cachedSilences, SILENCE_CACHE_MS } from '../../shared/silences/cache';
import { unpackBody } from '../../shared/queues/body';
import { EscalationsQueueMessage } from '../../shared/queues/messages';
import { auditIncidents } from '../../shared/escalation/auditor';
import { InboundSms, smsReply } from '../../shared/escalation/sms-replies';
import { awsQueues, awsScheduler, awsSecrets, lazyHandler } from '../../shared/runtime/aws';
import { auditFindings } from '../../shared/self-monitoring/metrics';
import { awsTable } from '../../shared/runtime/aws-table';
import type { Ports } from '../../shared/runtime/ports';
import type { ListKey } from '../../shared/store/keys';
import { batchHandler } from '../../shared/runtime/middleware';
import { ESCALATIONS_QUEUE } from '../../shared/queues/names';

/**
 * Escalator adapter: each record is one incident timer (a step, or an ack that lapsed), or the
 * auditor's tick (it looks for timers that were lost and runs them). Records
 * run one by one (an incident's timers are minutes apart); a failure fails only its record, which
 * SQS redelivers: the escalator then finds the step done and redoes its pages under the same ids.
 */
export function createHandler(ports: Pick<Ports, 'config' | 'stores' | 'queues' | 'scheduler' | 'secrets' | 'clock' | 'log' | 'metrics'>) {
  const { stores } = ports;
  const loadSilences = cachedSilences(stores.silences, SILENCE_CACHE_MS, ports.clock);
  // The store's cursor type flows into the auditor's and the SMS replies' paging.
  const deps: EscalationDeps<ListKey> = {
    incidents: stores.incidents,
    groups: stores.groups,
    config: ports.config,
    queues: ports.queues,
    scheduler: ports.scheduler,
    clock: ports.clock,
    log: ports.log,
    metrics: ports.metrics,
    // A step is not paged while its whole group is silenced or inhibited, nor once nothing fires.
    groupMuted: async (incident) => {
      const now = ports.clock();
      const group = (await stores.groups.getMany([incident.groupId], now)).get(incident.groupId);
      if (!group || !Object.values(group.alerts).some((a) => statusAt(a, now.getTime()) === 'firing')) return 'resolved';
      const reads = batchReads({ silences: () => loadSilences({}), inhibitions: stores.inhibitions, cooldowns: stores.cooldowns, log: ports.log }, now);
      return groupMuted(group, ports.config, reads, now);
    },
  };
  // Records run one by one until the invocation's deadline; the rest go back to the queue at once.
  return batchHandler(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    for (const record of event.Records) {
      if (Date.now() > (context.deadline ?? Infinity)) {
        failures.push(record.messageId);
        await ports.queues.changeVisibility(ESCALATIONS_QUEUE, record.receiptHandle, 0).catch(() => undefined);
        continue;
      }
      try {
        const body: unknown = JSON.parse(unpackBody(record.body));
        // An SMS reply (the two-way SMS topic delivers raw to this queue).
        const sms = InboundSms.safeParse(body);
        if (sms.success) {
          const outcome = await smsReply(sms.data, { ...deps, secrets: ports.secrets });
          ports.log.info('sms reply', outcome.acted ? { incidentId: outcome.incident, action: outcome.action } : { ignored: outcome.reason });
          continue;
        }
        const message = EscalationsQueueMessage.parse(body);
        if (message.kind === 'audit') {
          const audit = await auditIncidents(deps);
          ports.log.info('escalation audit', { ...audit });
          // Every audit, zero included: its alarm (self_monitoring) fires on findings, not on silence.
          ports.metrics?.count('auditFindings', auditFindings(audit));
          continue;
        }
        const outcome = await onTimer(message, deps);
        ports.log.info('escalation timer', { incidentId: message.incidentId, action: message.action, loop: message.loop, step: message.step, outcome });
      } catch (err) {
        // Retried, then dead-lettered (an unreadable message ends in the DLQ, not dropped).
        ports.log.error('escalation timer failed; it will be retried', { messageId: record.messageId, err });
        failures.push(record.messageId);
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  }, { log: ports.log, metrics: ports.metrics });
}

export const handler = lazyHandler('escalator', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsScheduler(base), ...awsSecrets() }), createHandler);
