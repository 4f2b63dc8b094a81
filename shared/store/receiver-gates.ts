import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions';
import { dayAfterUse, DEFAULT_GATE_SLOTS, type GateDecision, type GateHealth, type GateLease, type ReceiverGateOptions } from './model';
import type { ReceiverGates as ReceiverGatesPort } from './port';

const key = (gate: string) => ({ pk: `GATE#${gate}`, sk: 'GATE' });

export { DEFAULT_GATE_SLOTS } from './model';
export type { GateDecision, GateHealth, GateLease, ReceiverGateOptions } from './model';

/**
 * A gate's choice among its slots (each one's lease expiry, undefined if never taken) at `now`: a free
 * slot, picked at random, or, when none may be taken, how long the most recently taken has been held.
 * While the receiver is failing (`failures` > 0), a slot already held is a probe in flight, so no
 * other is taken: a failing receiver is probed by one invocation at a time. Both adapters decide
 * with it.
 */
export function pickFreeSlot(
  expiries: ReadonlyArray<number | undefined>,
  failures: number | undefined,
  leaseMs: number,
  now: number,
  random: () => number,
): { slot: number } | { heldForMs: number } {
  const free = expiries.flatMap((exp, i) => ((exp ?? 0) <= now ? [i] : []));
  if (free.length === 0 || ((failures ?? 0) > 0 && free.length < expiries.length)) {
    const held = expiries.filter((exp): exp is number => exp !== undefined && exp > now);
    return { heldForMs: Math.max(0, now - Math.max(...held.map((exp) => exp - leaseMs))) };
  }
  return { slot: free[Math.floor(random() * free.length) % free.length]! };
}

interface GateItem {
  failures?: number;
  openUntil?: number;
  [slot: `s${number}`]: { id: string; exp: number } | undefined;
}

/**
 * One gate per receiver entry (receiver + channel entry), shared by every sender invocation through
 * one DynamoDB item. It bounds the invocations sending to that receiver at once (a receiver that
 * hangs holds at most `slots` invocations, so the others keep delivering) and remembers that the
 * receiver is failing: after a retryable failure nothing is sent to it until its own back-off (1 s
 * doubling to 5 min, full jitter; a Retry-After wins) has passed, and then one probe at a time (one
 * slot held, whatever `slots` allows) until a send succeeds. A healthy receiver costs two writes per
 * invocation (take and free a slot).
 */
export class DynamoReceiverGates implements ReceiverGatesPort {
  private readonly slots: number;
  private readonly leaseMs: number;
  private readonly random: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly opts: ReceiverGateOptions,
  ) {
    this.slots = Math.max(1, opts.slots ?? DEFAULT_GATE_SLOTS);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.random = opts.random ?? Math.random;
  }

  async acquire(gate: string, now: number): Promise<GateDecision> {
    let slot = Math.floor(this.random() * this.slots) % this.slots;
    const id = randomUUID();
    for (let attempt = 0; attempt <= this.slots; attempt++) {
      try {
        // While failing (failures > 0), every other slot must be free too: one probe at a time.
        const others = Array.from({ length: this.slots }, (_, i) => i).filter((i) => i !== slot);
        const othersFree = others.map((i) => `(attribute_not_exists(#o${i}) OR #o${i}.exp <= :now)`).join(' AND ');
        const res = await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key(gate),
            UpdateExpression: 'SET #slot = :lease, expiresAt = :ttl',
            ConditionExpression:
              '(attribute_not_exists(#slot) OR #slot.exp <= :now) AND (attribute_not_exists(openUntil) OR openUntil <= :now)' +
              // (DynamoDB refuses redundant parentheses: one other slot's term is not wrapped again.)
              (others.length > 0 ? ` AND (attribute_not_exists(failures) OR failures = :zero OR ${others.length > 1 ? `(${othersFree})` : othersFree})` : ''),
            ExpressionAttributeNames: { '#slot': `s${slot}`, ...Object.fromEntries(others.map((i) => [`#o${i}`, `s${i}`])) },
            ExpressionAttributeValues: { ':lease': { id, exp: now + this.leaseMs }, ':now': now, ':ttl': dayAfterUse(now), ...(others.length > 0 ? { ':zero': 0 } : {}) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const item = res.Attributes as GateItem;
        return { kind: 'granted', lease: { gate, slot, id }, probe: (item.failures ?? 0) > 0, proven: item.failures === 0 };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      // Taken or closed: look at the item to tell which, and try a free slot if there is one.
      const res = await this.db.send(new GetCommand({ TableName: this.table, Key: key(gate), ConsistentRead: true }));
      const item = (res.Item ?? {}) as GateItem;
      if ((item.openUntil ?? 0) > now) return { kind: 'backing_off', untilMs: item.openUntil! };
      const pick = pickFreeSlot(
        Array.from({ length: this.slots }, (_, i) => item[`s${i}`]?.exp),
        item.failures,
        this.leaseMs,
        now,
        this.random,
      );
      if ('heldForMs' in pick) return { kind: 'busy', heldForMs: pick.heldForMs };
      slot = pick.slot;
    }
    return { kind: 'busy', heldForMs: 0 };
  }

  /**
   * Free the slot (if it is still ours: an expired lease may have been taken over) and record how the
   * receiver did. Returns when the gate reopens after a failure (epoch ms), so the failed messages
   * come back no earlier.
   */
  async release(lease: GateLease, health: GateHealth, now: number): Promise<number | undefined> {
    const names = { '#slot': `s${lease.slot}` };
    const ours = { ConditionExpression: '#slot.id = :id', ExpressionAttributeValues: { ':id': lease.id } };
    try {
      if (health.kind === 'up') {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key(lease.gate),
            UpdateExpression: 'REMOVE #slot, openUntil SET failures = :zero',
            ExpressionAttributeNames: names,
            ...ours,
            ExpressionAttributeValues: { ...ours.ExpressionAttributeValues, ':zero': 0 },
          }),
        );
        return undefined;
      }
      if (health.kind === 'unknown') {
        await this.db.send(new UpdateCommand({ TableName: this.table, Key: key(lease.gate), UpdateExpression: 'REMOVE #slot', ExpressionAttributeNames: names, ...ours }));
        return undefined;
      }
      const res = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(lease.gate),
          UpdateExpression: 'REMOVE #slot SET failures = if_not_exists(failures, :zero) + :one',
          ExpressionAttributeNames: names,
          ...ours,
          ExpressionAttributeValues: { ...ours.ExpressionAttributeValues, ':zero': 0, ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const failures = (res.Attributes?.failures as number | undefined) ?? 1;
      const until = now + this.opts.reopenAfterMs(failures, health.retryAfterMs);
      // Concurrent failures may each set it: any of their back-offs will do.
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(lease.gate),
          UpdateExpression: 'SET openUntil = :until',
          ExpressionAttributeValues: { ':until': until },
        }),
      );
      return until;
    } catch (err) {
      // Our lease expired and was taken over: the slot is someone else's now; leave it.
      if (!isConditionFailure(err)) throw err;
      return undefined;
    }
  }
}
