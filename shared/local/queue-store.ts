import type { StatementSync } from 'node:sqlite';
import { openLocalDatabase, type LocalDatabase } from './sqlite';

/** A queued message as LocalQueues holds it: the fields SQS keeps and reports as attributes. */
export interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  receiptHandle?: string;
  firstReceiveAt?: number;
  /** When the current receipt handle was handed out (SQS's 12 h visibility limit counts from it). */
  receivedAt?: number;
}

export interface StoredSchedule {
  name: string;
  queue: string;
  at: number;
  body: string;
}

interface MessageRow {
  id: string;
  body: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  receipt_handle: string | null;
  first_receive_at: number | null;
  received_at: number | null;
}

/**
 * Where LocalQueues and LocalSchedules keep their state: two tables in the local runtime's SQLite
 * database. Each call writes in the database's current transaction (its group commit, see
 * LocalDatabase); LocalQueues.send waits for that commit before it resolves, so a message the queues
 * accepted survives a crash of the process that accepted it.
 * LocalQueues keeps the same messages in memory and reads only from there: this store is written
 * through, and read once, when a queue is created at start.
 *
 * `held` marks a message a consumer invocation has received and not yet given a verdict on (deleted,
 * failed, or backed off with ChangeMessageVisibility). See `releaseHeld`.
 */
export class QueueStore {
  private readonly insertMessage: StatementSync;
  private readonly markReceived: StatementSync;
  private readonly setVisible: StatementSync;
  private readonly unhold: StatementSync;
  private readonly toDlq: StatementSync;
  private readonly deleteMessage: StatementSync;
  private readonly selectQueue: StatementSync;
  private readonly releaseHeldStmt: StatementSync;
  private readonly insertSchedule: StatementSync;
  private readonly deleteScheduleStmt: StatementSync;
  private readonly selectSchedules: StatementSync;

  constructor(readonly database: LocalDatabase) {
    const { db } = database;
    db.exec(`
      CREATE TABLE IF NOT EXISTS queue_messages (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL,
        receipt_handle TEXT,
        first_receive_at INTEGER,
        received_at INTEGER,
        held INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS queue_messages_by_queue ON queue_messages (queue);
      CREATE INDEX IF NOT EXISTS queue_messages_held ON queue_messages (held) WHERE held = 1;
      CREATE TABLE IF NOT EXISTS schedules (
        name TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
    `);
    this.insertMessage = db.prepare('INSERT INTO queue_messages (id, queue, body, sent_at, visible_at, receive_count) VALUES (?, ?, ?, ?, ?, ?)');
    this.markReceived = db.prepare(
      'UPDATE queue_messages SET receive_count = ?, receipt_handle = ?, first_receive_at = ?, received_at = ?, visible_at = ?, held = 1 WHERE id = ?',
    );
    this.setVisible = db.prepare('UPDATE queue_messages SET visible_at = ?, held = 0 WHERE id = ?');
    this.unhold = db.prepare('UPDATE queue_messages SET held = 0 WHERE id = ?');
    this.toDlq = db.prepare('UPDATE queue_messages SET queue = ?, visible_at = ?, receive_count = 0, receipt_handle = NULL, held = 0 WHERE id = ?');
    this.deleteMessage = db.prepare('DELETE FROM queue_messages WHERE id = ?');
    // rowid order is arrival order: a restart hands messages out in the order they came.
    this.selectQueue = db.prepare(
      'SELECT id, body, sent_at, visible_at, receive_count, receipt_handle, first_receive_at, received_at FROM queue_messages WHERE queue = ? ORDER BY rowid',
    );
    this.releaseHeldStmt = db.prepare('UPDATE queue_messages SET visible_at = MIN(visible_at, ?), held = 0 WHERE held = 1');
    this.insertSchedule = db.prepare('INSERT OR REPLACE INTO schedules (name, queue, at, body) VALUES (?, ?, ?, ?)');
    this.deleteScheduleStmt = db.prepare('DELETE FROM schedules WHERE name = ?');
    this.selectSchedules = db.prepare('SELECT name, queue, at, body FROM schedules ORDER BY at');
  }

  /** A store in a fresh in-memory database (tests, and the runtime without a data dir). */
  static inMemory(): QueueStore {
    return new QueueStore(openLocalDatabase(undefined));
  }

  /** Run `fn` in the database's current transaction (see LocalDatabase: committed with this turn's group). */
  transaction<T>(fn: () => T): T {
    return this.database.write(fn);
  }

  /** Resolves once every write so far is committed. */
  flushed(): Promise<void> {
    return this.database.flushed();
  }

  /** The messages of `queue`, in arrival order. */
  load(queue: string): StoredMessage[] {
    return (this.selectQueue.all(queue) as unknown as MessageRow[]).map((r) => ({
      messageId: r.id,
      body: r.body,
      sentAt: r.sent_at,
      visibleAt: r.visible_at,
      receiveCount: r.receive_count,
      ...(r.receipt_handle === null ? {} : { receiptHandle: r.receipt_handle }),
      ...(r.first_receive_at === null ? {} : { firstReceiveAt: r.first_receive_at }),
      ...(r.received_at === null ? {} : { receivedAt: r.received_at }),
    }));
  }

  insert(queue: string, messages: readonly StoredMessage[]): void {
    this.transaction(() => {
      for (const m of messages) this.insertMessage.run(m.messageId, queue, m.body, m.sentAt, m.visibleAt, m.receiveCount);
    });
  }

  /** A receive: the message's new receipt and visibility, and held by the consumer it goes to. */
  received(m: StoredMessage): void {
    this.transaction(() => this.markReceived.run(m.receiveCount, m.receiptHandle ?? null, m.firstReceiveAt ?? null, m.receivedAt ?? null, m.visibleAt, m.messageId));
  }

  /** ChangeMessageVisibility: the consumer said when the message comes back, so it no longer holds it. */
  visibility(messageId: string, visibleAt: number): void {
    this.transaction(() => this.setVisible.run(visibleAt, messageId));
  }

  movedToDlq(messageId: string, dlq: string, visibleAt: number): void {
    this.transaction(() => this.toDlq.run(dlq, visibleAt, messageId));
  }

  /** A batch's verdicts in one transaction: the successes deleted, the failures no longer held. */
  settle(deleted: readonly string[], failed: readonly string[]): void {
    if (deleted.length === 0 && failed.length === 0) return;
    this.transaction(() => {
      for (const id of deleted) this.deleteMessage.run(id);
      for (const id of failed) this.unhold.run(id);
    });
  }

  remove(messageIds: readonly string[]): void {
    this.transaction(() => {
      for (const id of messageIds) this.deleteMessage.run(id);
    });
  }

  /**
   * At start, before any consumer runs: messages that a consumer of an earlier process had received
   * and not yet given a verdict on become visible now. That process is gone (the exclusive lock of
   * the database file says no other one is running), so nothing will delete them or extend their
   * visibility; waiting out their visibility timeout (3 min for alerts, 6 min for notifications)
   * would only delay them. Their receive counts stand, so a message that kills the process every
   * time still reaches its DLQ. Messages backing off keep the visibility their consumer chose.
   */
  releaseHeld(now: number): number {
    return this.transaction(() => Number(this.releaseHeldStmt.run(now).changes));
  }

  loadSchedules(): StoredSchedule[] {
    return this.selectSchedules.all() as unknown as StoredSchedule[];
  }

  putSchedule(s: StoredSchedule): void {
    this.transaction(() => this.insertSchedule.run(s.name, s.queue, s.at, s.body));
  }

  deleteSchedule(name: string): void {
    this.transaction(() => this.deleteScheduleStmt.run(name));
  }
}
