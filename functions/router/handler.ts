import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dispatch, type DispatchDeps } from '../../shared/dispatch/dispatch';
import { unpackBody } from '../../shared/queues/body';
import { RouterMessage } from '../../shared/queues/messages';
import { awsQueues, awsScheduler, lazyHandler } from '../../shared/runtime/aws';
import { awsTable } from '../../shared/runtime/aws-table';
import type { Ports } from '../../shared/runtime/ports';
import { cachedSilences, SILENCE_CACHE_MS } from '../../shared/silences/cache';
import { batchHandler } from '../../shared/runtime/middleware';
import { ALERTS_QUEUE } from '../../shared/queues/names';
import { pingsIn, recordPings } from '../../shared/heartbeats/service';
import { isProbe, probeTarget, sendProbes } from '../../shared/self-monitoring/probe';

/**
 * Router adapter. The records of a batch (alerts and group timers) are dispatched together (one read
 * and at most one write per group per batch); failures are reported per record, so only the
 * affected messages are retried.
 */
export function createHandler(ports: Pick<Ports, 'config' | 'stores' | 'queues' | 'scheduler' | 'clock' | 'log' | 'metrics'>) {
  // Periodic reloads read only the silences not ended yet, from the listing index.
  const loadSilences = cachedSilences(ports.stores.silences, SILENCE_CACHE_MS, ports.clock);
  const base: Omit<DispatchDeps, 'silences'> = {
    config: ports.config,
    groups: ports.stores.groups,
    inhibitions: ports.stores.inhibitions,
    cooldowns: ports.stores.cooldowns,
    storms: ports.stores.storms,
    deliveries: ports.stores.deliveries,
    payloads: ports.stores.payloads,
    incidents: ports.stores.incidents,
    history: ports.stores.history,
    queues: ports.queues,
    scheduler: ports.scheduler,
    clock: ports.clock,
    log: ports.log,
    metrics: ports.metrics,
  };
  const heartbeatDeps = { config: ports.config, heartbeats: ports.stores.heartbeats, queues: ports.queues, clock: ports.clock, log: ports.log };
  // The deadline comes with the invocation (shared/runtime/middleware.ts): groups not started by then go back.
  return batchHandler(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    const parsed: Array<{ recordId: string; message: RouterMessage }> = [];
    for (const record of event.Records) {
      try {
        parsed.push({ recordId: record.messageId, message: RouterMessage.parse(JSON.parse(unpackBody(record.body))) });
      } catch (err) {
        // Retried, then dead-lettered: a message that never parses ends in the DLQ, not dropped.
        ports.log.error('unreadable router message', { messageId: record.messageId, err });
        failures.push(record.messageId);
      }
    }
    // A flush sent because a silence was expired must not see the list from before the expiry.
    const silenceFlushes = parsed.flatMap((p) => (p.message.kind === 'flush' && p.message.reason === 'silence' ? [p.message.at] : []));
    const freshAfter = silenceFlushes.length > 0 ? Math.max(...silenceFlushes) : undefined;
    try {
      const result = await dispatch(
        parsed.map((p) => p.message),
        { ...base, silences: () => loadSilences(freshAfter === undefined ? {} : { freshAfter }), deadline: context.deadline },
      );
      for (const p of parsed) if (result.failed.has(p.message.id)) failures.push(p.recordId);
      ports.log.debug('dispatched', { records: event.Records.length, groups: result.groups, changed: result.changedGroups, notifications: result.notifications });
    } catch (err) {
      ports.log.error('dispatch failed; the batch will be retried', { records: parsed.length, err });
      failures.push(...parsed.map((p) => p.recordId));
    }
    // Heartbeat pings: ping messages, and firing alerts that match a heartbeat (a Watchdog). A ping
    // message whose ping was not recorded is retried; an alert's is not (its routing succeeded, and
    // the Watchdog comes again with Prometheus's next evaluation, long before the deadline).
    const pings = pingsIn(parsed.flatMap((p) => (p.message.kind === 'alerts' ? [p.message] : [])), ports.config.heartbeats);
    const pingMessages = parsed.flatMap((p) => (p.message.kind === 'ping' ? [{ recordId: p.recordId, ping: p.message }] : []));
    // The synthetic ping is not recorded here: it goes on as a probe to a sender, which records it
    // and emits the metric the out-of-band alarm watches, so the proof crosses a sender too (ADR 0019).
    const target = probeTarget(ports.config.raw);
    for (const { ping } of pingMessages) if (!isProbe(ping, target)) pings.set(ping.heartbeat, Math.max(pings.get(ping.heartbeat) ?? ping.at, ping.at));
    const probes = pingMessages.flatMap(({ ping }) => (isProbe(ping, target) ? [ping] : []));
    const [unrecorded, unsent] = await Promise.all([recordPings(pings, heartbeatDeps), sendProbes(probes, target, ports)]);
    for (const { recordId, ping } of pingMessages) if (isProbe(ping, target) ? unsent.has(ping.id) : unrecorded.has(ping.heartbeat)) failures.push(recordId);
    // Past the deadline, what failed is mostly what was not started: it comes back at once
    // rather than after the visibility timeout (a real failure is retried a little sooner, too).
    if (Date.now() > (context.deadline ?? Infinity)) {
      const handles = new Map(event.Records.map((r) => [r.messageId, r.receiptHandle]));
      await Promise.all(failures.map((id) => ports.queues.changeVisibility(ALERTS_QUEUE, handles.get(id)!, 0).catch(() => undefined)));
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  }, { log: ports.log, metrics: ports.metrics });
}

export const handler = lazyHandler('router', (base) => ({ ...base, ...awsTable(base), ...awsQueues(), ...awsScheduler(base) }), createHandler);
