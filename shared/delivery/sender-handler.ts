import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ChannelSender } from '../channels/channel';
import { backoffSeconds } from '../channels/outcome';
import type { ChannelConfigs, SenderLookup } from '../channels/registry';
import { unpackBody } from '../queues/body';
import { ChannelQueueMessage, type ChannelType, type NotificationMessage, type ProbeMessage } from '../queues/messages';
import { channelQueueName, CONSUMER_TIMEOUT_S, MAX_RECEIVES } from '../queues/names';
import { encodeBody, SQS_MAX_DELAY_S, SQS_MAX_VISIBILITY_S } from '../queues/port';
import type { Ports } from '../runtime/ports';
import { processSqsBatch, receiveCount } from '../runtime/sqs-batch';
import { batchHandler } from '../runtime/middleware';
import { recordProbes } from '../self-monitoring/probe';
import type { DeliveryStore } from '../store/port';
import type { GateDecision, GateHealth } from '../store/receiver-gates';
import { completeDelivery, type ClaimDeps } from './claims';
import { countOutcome, deliver, type DeliverResult } from './deliver';
import type { MetricsPort } from '../metrics/catalog';
import { loadNotification } from './payload';

/**
 * Pauses before asking a busy gate again. A healthy receiver frees its slots within milliseconds, so
 * a burst to it waits here (doubling, about 1.3 s in all) rather than a whole back-off: a burst of
 * hundreds of notifications to one webhook then goes out in rounds of `slots` batches, not in rounds
 * seconds apart. Slots held longer than SLOW_HOLD_MS mean a slow receiver: its records are re-queued
 * unsent at once, so this invocation does not sit on them.
 */
const BUSY_RETRY_MS = [20, 40, 80, 160, 320, 640];
const SLOW_HOLD_MS = 1_000;

/**
 * How many of a group's records one slot sends at once at first. A batch larger than this (the
 * local runtime's) goes out in windows that grow WINDOW_GROWTH-fold while the receiver answers:
 * every send of the windows so far delivered or failed for good, none slower than SLOW_HOLD_MS. A
 * retryable failure or a slow answer stops the group there, so a receiver that fails or hangs sees
 * at most this many requests per slot at first. The deployed batch (10) is one window.
 */
const FIRST_WINDOW = 10;
/**
 * Each window after the first is this many times the one before (10, 100, 1000, …). A window
 * waits for the slowest send of the one before it, and on one thread busy with a storm each wait is
 * several turns of the event loop: growing tenfold, a batch of 100 is two windows, not four (ADR 0028).
 */
const WINDOW_GROWTH = 10;
/**
 * The first window at a gate whose receiver was up at its last release, with no failure since
 * (`proven`): the window the growth reaches next. A receiver never sent to, or failing, starts at
 * FIRST_WINDOW.
 */
const PROVEN_WINDOW = FIRST_WINDOW * WINDOW_GROWTH;

/**
 * What a sender needs; only the email sender has a mail port, only the sms sender an SMS port.
 * Metrics are for self_monitoring's probes (deployed, only the probed sender has a deployment to emit under).
 */
export type SenderPorts = Pick<Ports, 'config' | 'stores' | 'queues' | 'secrets' | 'http' | 'clock' | 'log' | 'retryBaseMs' | 'retryJitter' | 'publicUrl'> &
  Partial<Pick<Ports, 'mail' | 'sms' | 'metrics'>>;

/**
 * The body shared by every channel's sender Lambda, bound to that channel's sender (and so to its
 * queue): parse, pass the receiver's gate, deliver, and on
 * a retryable failure back the message off through its visibility timeout before reporting it
 * failed. A rate-limited notification is re-queued with a delay to its reserved send slot instead.
 *
 * Records are grouped by receiver entry and each group passes that receiver's gate once: a receiver
 * that hangs holds at most a few invocations (the rest of its notifications are re-queued unsent, so
 * this invocation ends at once), and one that fails is left alone for its back-off, then probed with
 * one message. A `probe` message is another thing: self_monitoring's synthetic heartbeat, which the
 * sender records instead of sending (ADR 0019).
 */
export function createSenderHandler<T extends ChannelType>(sender: ChannelSender<ChannelConfigs[T]>, ports: SenderPorts) {
  const type: ChannelType = sender.type;
  const queue = channelQueueName(type);
  const deliveries = ports.stores.deliveries;
  const payloads = ports.stores.payloads;
  const missing = (port: string) => ({ send: () => Promise.reject(new Error(`the ${type} sender has no ${port} port`)) });
  const deps = {
    config: ports.config,
    deliveries,
    // Only this channel's notifications reach this handler (checked per record below).
    senderFor: (() => sender) as SenderLookup,
    http: ports.http,
    mail: ports.mail ?? missing('mail'),
    sms: ports.sms ?? missing('sms'),
    secrets: ports.secrets,
    clock: ports.clock,
    log: ports.log,
    retryBaseMs: ports.retryBaseMs,
    retryJitter: ports.retryJitter,
    rateLimiter: ports.stores.rateLimiter,
    queues: ports.queues,
    publicUrl: ports.publicUrl,
    payloads,
    metrics: ports.metrics,
  };
  const probeDeps = { config: ports.config, heartbeats: ports.stores.heartbeats, queues: ports.queues, clock: ports.clock, log: ports.log, metrics: ports.metrics };
  const gates = ports.stores.receiverGates({
    leaseMs: CONSUMER_TIMEOUT_S.sender * 1000,
    reopenAfterMs: receiverBackoffMs(ports.retryJitter, ports.retryBaseMs),
    ...(ports.retryJitter === undefined ? {} : { random: ports.retryJitter }),
  });

  // The deadline comes with the invocation (shared/runtime/middleware.ts): a record whose turn to
  // send comes after it goes back to the queue unsent, so the function is not killed mid-send.
  return batchHandler(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    const started = Date.now();
    /** Back a record off through its visibility, within SQS's 12 h from the receive. */
    const backOff = async (record: SQSRecord, seconds: number): Promise<'retry'> => {
      const left = SQS_MAX_VISIBILITY_S - Math.ceil((Date.now() - started) / 1000) - 1;
      await ports.queues.changeVisibility(queue, record.receiptHandle, Math.max(1, Math.min(left, seconds)));
      return 'retry';
    };

    const parsed = new Map<string, ChannelQueueMessage>();
    const groups = new Map<string, SQSRecord[]>();
    const probes: ProbeMessage[] = [];
    for (const record of event.Records) {
      const m = parseRecord(record, type);
      if (!m) continue;
      parsed.set(record.messageId, m);
      // A probe (self_monitoring's synthetic heartbeat) calls no receiver: it passes no gate and takes no send slot.
      if (m.kind === 'probe') {
        probes.push(m);
        continue;
      }
      const gate = gateOf(m);
      groups.set(gate, [...(groups.get(gate) ?? []), record]);
    }
    // Recorded once for the batch: its probes are deleted like successes, or retried together.
    const probed = probes.length > 0 ? recordProbes(probes, type, probeDeps) : undefined;
    const admissions = new Map<string, Promise<Admission>>();
    const admit = (gate: string, records: SQSRecord[]) => {
      let a = admissions.get(gate);
      if (!a) {
        a = (async () => {
          let decision = await gates.acquire(gate, Date.now());
          for (const pause of BUSY_RETRY_MS) {
            if (decision.kind !== 'busy' || decision.heldForMs >= SLOW_HOLD_MS) break;
            await new Promise((r) => setTimeout(r, pause));
            decision = await gates.acquire(gate, Date.now());
          }
          return new Admission(decision, records);
        })();
        admissions.set(gate, a);
      }
      return a;
    };

    return processSqsBatch(event, ports.log, async (record) => {
      const n = parsed.get(record.messageId) ?? parseRecord(record, type, true)!;
      if (n.kind === 'probe') return (await (probed ?? recordProbes([n], type, probeDeps))) ? 'ok' : 'retry';
      const gate = gateOf(n);
      const admission = await admit(gate, groups.get(gate)!);
      const attempt = receiveCount(record);
      const release = async (health: GateHealth) => {
        try {
          return await gates.release(admission.lease!, health, Date.now());
        } catch (err) {
          // The lease expires by itself; a lost release only delays the next send to this receiver.
          ports.log.warn('could not release the receiver gate', { gate, err });
          return undefined;
        }
      };
      const turn = await admission.turn(record);
      if (turn !== 'send') {
        let { decision } = admission;
        if (turn === 'slow') {
          // Admitted, but an earlier window of its group answered slowly: as if the gate were busy.
          void admission.done(record, undefined, release);
          decision = { kind: 'busy', heldForMs: SLOW_HOLD_MS };
        } else if (turn === 'failing') {
          // An earlier window failed: back off until the gate reopens, which its release decides.
          decision = { kind: 'backing_off', untilMs: (await admission.done(record, undefined, release)) ?? Date.now() };
        }
        if (decision.kind === 'busy') {
          // A slow receiver: wait without using up a receive (a fresh message), longer each time.
          const waits = (n.waits ?? 0) + 1;
          const delaySeconds = Math.min(SQS_MAX_DELAY_S, backoffSeconds(waits, undefined, ports.retryJitter, ports.retryBaseMs));
          const why = turn === 'slow' ? 'receiver answering slowly (an earlier window of this batch took over a second)' : 'receiver busy (its send slots are held by slower sends)';
          ports.log.info(`${why}; re-queued unsent`, { notificationId: n.id, receiver: n.receiver, gate, waits, delaySeconds });
          await ports.queues.send(queue, [{ id: 'waiting', body: encodeBody(ports.queues, JSON.stringify({ ...n, waits })), delaySeconds }]);
          return 'ok';
        }
        // A failing receiver: this receive counts, as a failed attempt would, so the DLQ still comes.
        const reason = decision.kind === 'backing_off' ? 'receiver backing off after a failure' : 'receiver failing; probed with one notification at a time';
        ports.log.info('not sending now; backing off', { notificationId: n.id, receiver: n.receiver, gate, attempt, reason });
        if (attempt >= MAX_RECEIVES.channel) await recordNotSent(deps, n, attempt, reason, ports.clock());
        const own = backoffSeconds(attempt, undefined, ports.retryJitter, ports.retryBaseMs);
        const until = decision.kind === 'backing_off' ? Math.ceil((decision.untilMs - Date.now()) / 1000) : 0;
        return backOff(record, Math.max(own, until));
      }
      if (Date.now() > (context.deadline ?? Infinity)) {
        ports.log.warn('too close to the function timeout to send; back to the queue unsent', { notificationId: n.id, receiver: n.receiver });
        await admission.done(record, undefined, release);
        return backOff(record, 1);
      }
      let result: DeliverResult;
      const sendStarted = Date.now();
      try {
        // Loaded only to send: a message re-queued unsent (busy, deferred) keeps its reference.
        result = await deliver(await loadNotification(n, payloads, ports.log), attempt, MAX_RECEIVES.channel, deps);
      } catch (err) {
        await admission.done(record, undefined, release);
        throw err;
      }
      const reopensAt = await admission.done(record, result, release, Date.now() - sendStarted);
      if (result.kind === 'defer') {
        // A fresh message keeps the receive count (the retry budget) for real failures.
        await ports.queues.send(queue, [{ id: 'deferred', body: encodeBody(ports.queues, JSON.stringify({ ...n, slot: result.slot })), delaySeconds: result.delaySeconds }]);
        return 'ok';
      }
      if (result.kind !== 'retry') return 'ok';
      // Not back before the receiver's gate reopens: a receive spent waiting at it would be wasted.
      return backOff(record, Math.max(result.delaySeconds, reopensAt === undefined ? 0 : Math.ceil((reopensAt - Date.now()) / 1000)));
    });
  }, { log: ports.log, metrics: ports.metrics });
}

/**
 * A failing receiver's own back-off, kept by its gate: the messages' schedule after its `failures`-th
 * failure in a row, in whole seconds as theirs, so the gate never reopens sooner than they return.
 * A Retry-After wins.
 */
export function receiverBackoffMs(random?: () => number, baseMs?: number): (failures: number, retryAfterMs: number | undefined) => number {
  return (failures, retryAfterMs) => 1000 * backoffSeconds(failures, retryAfterMs, random, baseMs);
}

/** One receiver entry's gate: its receiver and channel entry (two entries never share a budget). */
export const gateOf = (n: NotificationMessage): string => `${n.receiver}/${n.channel.type}[${n.channel.index}]`;

function parseRecord(record: SQSRecord, type: ChannelType, rethrow = false): ChannelQueueMessage | undefined {
  try {
    const m = ChannelQueueMessage.parse(JSON.parse(unpackBody(record.body)));
    if (m.channel.type !== type) throw new Error(`a ${m.channel.type} ${m.kind} reached the ${type} queue`);
    return m;
  } catch (err) {
    if (rethrow) throw err;
    return undefined;
  }
}

/**
 * A group's pass through its gate: which of its records send (all, one probe, or none), in windows
 * that grow while the receiver keeps up (FIRST_WINDOW), and, once every admitted record is done,
 * how the receiver did, for the release.
 */
class Admission {
  readonly lease;
  /** Admitted records' window numbers. */
  private readonly windowOf = new Map<string, number>();
  /** Per window: records not yet done, and a promise of the window's end. */
  private readonly windows: Array<{ left: number; ended: Promise<void>; end: () => void }> = [];
  private readonly results: DeliverResult[] = [];
  private left: number;
  /** Set once a send failed retryably ('failing') or answered slowly ('slow'): later windows stop. */
  private stop: 'failing' | 'slow' | undefined;

  constructor(
    readonly decision: GateDecision,
    records: SQSRecord[],
  ) {
    this.lease = decision.kind === 'granted' ? decision.lease : undefined;
    const admitted = decision.kind !== 'granted' ? [] : decision.probe ? records.slice(0, 1) : records;
    const first = decision.kind === 'granted' && decision.proven ? PROVEN_WINDOW : FIRST_WINDOW;
    for (let i = 0, size = first; i < admitted.length; i += size, size *= WINDOW_GROWTH) {
      const w = this.windows.length;
      const members = admitted.slice(i, i + size);
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      this.windows.push({ left: members.length, ended, end });
      for (const r of members) this.windowOf.set(r.messageId, w);
    }
    this.left = admitted.length;
  }

  /**
   * Whether this record sends: 'held' if the gate did not admit it; otherwise, once the windows
   * before its own have ended, 'send', or why its group stopped short.
   */
  async turn(record: SQSRecord): Promise<'send' | 'held' | 'failing' | 'slow'> {
    const w = this.windowOf.get(record.messageId);
    if (w === undefined) return 'held';
    if (w > 0) await this.windows[w - 1]!.ended;
    return this.stop ?? 'send';
  }

  private released?: Promise<number | undefined>;
  private resolveReleased?: (reopensAt: number | undefined) => void;

  /**
   * An admitted record is done (sent, or stopped short without a result). Resolves, for every one,
   * once the last is done and the gate is released.
   */
  done(record: SQSRecord, result: DeliverResult | undefined, release: (health: GateHealth) => Promise<number | undefined>, tookMs = 0): Promise<number | undefined> {
    this.released ??= new Promise((resolve) => (this.resolveReleased = resolve));
    const w = this.windowOf.get(record.messageId);
    if (w === undefined) return this.released;
    this.windowOf.delete(record.messageId);
    if (result) this.results.push(result);
    if (result?.kind === 'retry') this.stop = 'failing';
    else if (tookMs >= SLOW_HOLD_MS) this.stop ??= 'slow';
    const window = this.windows[w]!;
    if (--window.left === 0) window.end();
    if (--this.left === 0) void release(healthOf(this.results)).then(this.resolveReleased);
    return this.released;
  }
}

/** A success anywhere says the receiver is up; otherwise a retryable failure says it is down. */
function healthOf(results: DeliverResult[]): GateHealth {
  if (results.some((r) => r.kind === 'delivered')) return { kind: 'up' };
  const retries = results.filter((r): r is Extract<DeliverResult, { kind: 'retry' }> => r.kind === 'retry');
  if (retries.length === 0) return { kind: 'unknown' };
  const retryAfterMs = Math.max(...retries.map((r) => r.retryAfterMs ?? 0));
  return retryAfterMs > 0 ? { kind: 'down', retryAfterMs } : { kind: 'down' };
}

/** The last receive was spent waiting at the gate: say so, since SQS dead-letters it next. */
async function recordNotSent(deps: ClaimDeps & { deliveries: DeliveryStore; metrics?: MetricsPort | undefined }, n: NotificationMessage, attempt: number, reason: string, now: Date): Promise<void> {
  const prior = await deps.deliveries.get(n.id);
  if (prior?.status === 'delivered') return;
  await completeDelivery(
    deps,
    n,
    { notificationId: n.id, channel: `${n.channel.type}[${n.channel.index}]`, receiver: n.receiver, target: prior?.target ?? n.channel.type, status: 'dead_lettered' },
    { attempt, at: now.toISOString(), outcome: 'retryable', reason: `not sent: ${reason}`, latencyMs: 0 },
    now,
  );
  countOutcome(deps.metrics, n, 'dead_lettered', now);
}
