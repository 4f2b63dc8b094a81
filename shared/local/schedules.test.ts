import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, type Logger } from '../log';
import type { OutgoingMessage } from '../queues/port';
import { ScheduleError } from '../schedules/errors';
import { QueueStore } from './queue-store';
import { LocalQueues } from './queues';
import { LocalSchedules, MAX_TIMER_MS } from './schedules';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const MIN = 60_000;
const DAY = 24 * 3600_000;

/** A queue stand-in that records what is sent to it. */
function recordingQueues(known = ['alerts']) {
  const sent: Array<{ queue: string; messages: OutgoingMessage[]; at: number }> = [];
  return {
    sent,
    has: (name: string) => known.includes(name),
    enqueue: vi.fn((queue: string, messages: OutgoingMessage[]) => {
      sent.push({ queue, messages, at: Date.now() });
    }),
  };
}

const at = (ms: number) => new Date(T0.getTime() + ms);
const schedule = (name: string, atMs: number, body = `body-${name}`) => ({ name, at: at(atMs), queue: 'alerts', body });

let schedules: LocalSchedules | undefined;
beforeEach(() => {
  // setImmediate stays real: the database's group commit runs on it (LocalDatabase).
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  schedules?.close();
  schedules = undefined;
  vi.useRealTimers();
});

describe('LocalSchedules', () => {
  it('sends { id: name, body } to the queue at `at`, not before, then forgets the schedule', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('flush-1', 20 * MIN));
    expect(schedules.pending()).toEqual([{ name: 'flush-1', queue: 'alerts', at: at(20 * MIN), body: 'body-flush-1' }]);

    await vi.advanceTimersByTimeAsync(20 * MIN - 1);
    expect(q.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.sent).toEqual([{ queue: 'alerts', messages: [{ id: 'flush-1', body: 'body-flush-1' }], at: T0.getTime() + 20 * MIN }]);
    expect(schedules.pending()).toEqual([]);
    expect(schedules.counts).toMatchObject({ created: 1, fired: 1, failed: 0 });
  });

  it('creates a pending name once: the first time and body stand', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('flush-1', 20 * MIN, 'first'));
    await schedules.create(schedule('flush-1', 5 * MIN, 'second'));
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(q.sent.map((s) => s.messages)).toEqual([[{ id: 'flush-1', body: 'first' }]]);
    expect(q.sent[0]!.at).toBe(T0.getTime() + 20 * MIN);
    expect(schedules.counts).toMatchObject({ created: 1, duplicates: 1, fired: 1 });
    expect(schedules.calls).toEqual({ create: 2, delete: 0 });
  });

  it('forgets a schedule whose commit failed, so that the retry writes it again', async () => {
    const q = recordingQueues();
    const store = QueueStore.inMemory();
    // As when the COMMIT fails (disk full): the group's writes are rolled back and its waiters rejected.
    vi.spyOn(store, 'flushed').mockRejectedValueOnce(new Error('disk I/O error'));
    const put = vi.spyOn(store, 'putSchedule');
    schedules = new LocalSchedules(q, silentLogger, Date.now, store);
    await expect(schedules.create(schedule('flush-1', 20 * MIN))).rejects.toThrow('disk I/O error');
    expect(schedules.pending()).toEqual([]);
    await schedules.create(schedule('flush-1', 20 * MIN));
    expect(put).toHaveBeenCalledTimes(2);
    expect(schedules.counts).toMatchObject({ created: 1, duplicates: 0 });
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(q.sent.map((s) => s.messages)).toEqual([[{ id: 'flush-1', body: 'body-flush-1' }]]);
  });

  it('answers a duplicate create once the first one is committed, and fails it with that commit', async () => {
    const q = recordingQueues();
    const store = QueueStore.inMemory();
    vi.spyOn(store, 'flushed').mockRejectedValueOnce(new Error('disk I/O error')).mockRejectedValueOnce(new Error('disk I/O error'));
    schedules = new LocalSchedules(q, silentLogger, Date.now, store);
    const first = schedules.create(schedule('flush-1', 20 * MIN));
    const duplicate = schedules.create(schedule('flush-1', 20 * MIN));
    await expect(first).rejects.toThrow('disk I/O error');
    await expect(duplicate).rejects.toThrow('disk I/O error');
  });

  it('lets a name be used again once it has fired (the AWS schedule deletes itself)', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('flush-1', MIN));
    await vi.advanceTimersByTimeAsync(MIN);
    await schedules.create(schedule('flush-1', 3 * MIN, 'again'));
    await vi.advanceTimersByTimeAsync(2 * MIN);
    expect(q.sent.map((s) => s.messages[0]!.body)).toEqual(['body-flush-1', 'again']);
  });

  it('delete cancels a pending schedule; deleting an unknown or fired one is fine', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('keep', 10 * MIN));
    await schedules.create(schedule('drop', 10 * MIN));
    await schedules.delete('drop');
    await schedules.delete('never-created');
    await vi.advanceTimersByTimeAsync(10 * MIN);
    await schedules.delete('keep');
    expect(q.sent.map((s) => s.messages[0]!.id)).toEqual(['keep']);
    expect(schedules.counts).toMatchObject({ created: 2, deleted: 1, fired: 1 });
  });

  it('fires a schedule whose time has passed on the next tick, not inside create', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('late', -5 * MIN));
    expect(q.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(q.sent.map((s) => s.messages[0]!.id)).toEqual(['late']);
  });

  it(`waits longer than Node's timer limit (${MAX_TIMER_MS} ms) by re-arming`, async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('far', 40 * DAY));
    // A single setTimeout of 40 days would be clamped to 1 ms and fire now.
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1000);
    expect(q.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(40 * DAY - (MAX_TIMER_MS + 1000) - 1);
    expect(q.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.sent).toHaveLength(1);
    expect(q.sent[0]!.at).toBe(T0.getTime() + 40 * DAY);
  });

  it('lists pending schedules soonest first', async () => {
    schedules = new LocalSchedules(recordingQueues(), silentLogger);
    await schedules.create(schedule('b', 30 * MIN));
    await schedules.create(schedule('a', 20 * MIN));
    await schedules.create(schedule('c', 40 * MIN));
    expect(schedules.pending().map((p) => p.name)).toEqual(['a', 'b', 'c']);
  });

  it('close() clears every timer: nothing fires afterwards', async () => {
    const q = recordingQueues();
    schedules = new LocalSchedules(q, silentLogger);
    await schedules.create(schedule('a', MIN));
    await schedules.create(schedule('b', 2 * MIN));
    expect(vi.getTimerCount()).toBe(2);
    schedules.close();
    expect(vi.getTimerCount()).toBe(0);
    await schedules.create(schedule('c', 0));
    await vi.advanceTimersByTimeAsync(10 * MIN);
    expect(q.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a bad name, an invalid time or an unknown queue, as the AWS adapter does', async () => {
    schedules = new LocalSchedules(recordingQueues(), silentLogger);
    await expect(schedules.create(schedule('has space', MIN))).rejects.toMatchObject({ code: 'invalid_schedule' });
    await expect(schedules.delete('a/b')).rejects.toBeInstanceOf(ScheduleError);
    await expect(schedules.create({ ...schedule('x', 0), at: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'invalid_schedule' });
    await expect(schedules.create({ ...schedule('x', 0), queue: 'nope' })).rejects.toMatchObject({ code: 'scheduler_not_configured' });
    expect(schedules.pending()).toEqual([]);
  });

  it('logs and counts a send that fails', async () => {
    const q = recordingQueues();
    q.enqueue.mockImplementationOnce(() => {
      throw new Error('queue gone');
    });
    const errors: unknown[] = [];
    const log: Logger = { ...silentLogger, error: (msg, fields) => errors.push({ msg, ...fields }) };
    schedules = new LocalSchedules(q, log);
    await schedules.create(schedule('flush-1', MIN));
    await vi.advanceTimersByTimeAsync(MIN);
    expect(schedules.counts).toMatchObject({ fired: 1, failed: 1 });
    expect(errors).toEqual([expect.objectContaining({ schedule: 'flush-1', queue: 'alerts', errorMessage: 'queue gone' })]);
  });

  it('delivers into LocalQueues, where the message waits for its consumer', async () => {
    const queues = new LocalQueues(silentLogger);
    queues.create({ name: 'alerts', visibilityTimeoutS: 30 });
    schedules = new LocalSchedules(queues, silentLogger);
    await schedules.create(schedule('flush-1', 16 * MIN, '{"kind":"flush"}'));
    await vi.advanceTimersByTimeAsync(16 * MIN);
    expect(queues.peek('alerts')).toEqual(['{"kind":"flush"}']);
    queues.close();
  });
});
