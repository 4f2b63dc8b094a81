import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors';
import { silentLogger } from '../log';
import { QueueStore } from './queue-store';
import { LocalQueues } from './queues';
import { LocalSchedules } from './schedules';
import { openLocalDatabase, type LocalDatabase } from './sqlite';

/**
 * LocalQueues and LocalSchedules on a database file: what one run accepted, the next run (same data
 * dir) still has. A "crash" here is the database closed under a running queue: nothing more is
 * written, as when the process is killed (the e2e crash test kills a real process).
 */
const dirs: string[] = [];
const open: Array<{ queues?: LocalQueues; schedules?: LocalSchedules; database: LocalDatabase }> = [];

afterEach(() => {
  for (const r of open.splice(0)) {
    r.schedules?.close();
    r.queues?.close();
    r.database.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const clock = { t: 1_000_000 };

/** One run of the queues on `dir`: queue `q` (visibility 30 s) with DLQ `dlq` after 3 receives. */
function run(dir: string) {
  const database = openLocalDatabase(dir);
  const store = new QueueStore(database);
  const queues = new LocalQueues(silentLogger, () => clock.t, store);
  const schedules = new LocalSchedules(queues, silentLogger, () => clock.t, store);
  queues.create({ name: 'dlq', visibilityTimeoutS: 30 });
  queues.create({ name: 'q', visibilityTimeoutS: 30, maxReceiveCount: 3, dlq: 'dlq' });
  const r = { queues, schedules, database };
  open.push(r);
  return r;
}

/** Kill the run: its timers stop and its database closes, whatever it was doing. */
function crash(r: ReturnType<typeof run>) {
  r.schedules.close();
  r.queues.close();
  r.database.close();
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'alertflow-durable-'));
  dirs.push(dir);
  return dir;
}

/** A consumer that records what it got and answers each record with `verdict(record)`. */
type Verdict = 'ok' | 'fail' | 'hang';
function recorder(queues: LocalQueues, verdict: (r: SQSRecord) => Promise<Verdict> | Verdict = () => 'ok') {
  const got: SQSRecord[] = [];
  queues.consume('q', async (e: SQSEvent) => {
    const failures = [];
    for (const r of e.Records) {
      got.push(r);
      const v = await verdict(r);
      if (v === 'hang') await new Promise(() => {});
      if (v === 'fail') failures.push({ itemIdentifier: r.messageId });
    }
    return { batchItemFailures: failures };
  });
  return got;
}

/** Move the fake clock and let the queue look again (a send wakes it, as time would). */
async function advanceTo(queues: LocalQueues, t: number) {
  clock.t = t;
  await queues.send('dlq', [{ id: 'tick', body: 'tick' }]);
  await new Promise((r) => setTimeout(r, 20));
}

const bodies = (records: SQSRecord[]) => records.map((r) => r.body);

describe('LocalQueues on a data dir', () => {
  it('keeps what a send accepted across a crash, delays included', async () => {
    const dir = dataDir();
    const t0 = clock.t;
    const first = run(dir);
    await first.queues.send('q', [
      { id: '1', body: 'now' },
      { id: '2', body: 'in a minute', delaySeconds: 60 },
    ]);
    crash(first);

    const second = run(dir);
    expect(second.queues.stats().find((s) => s.name === 'q')).toMatchObject({ visible: 1, delayedOrInFlight: 1, total: 2 });
    const got = recorder(second.queues);
    await vi.waitFor(() => expect(bodies(got)).toEqual(['now']));
    expect(got[0]!.attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: String(t0) });
    await advanceTo(second.queues, t0 + 59_000);
    expect(bodies(got)).toEqual(['now']);
    await advanceTo(second.queues, t0 + 60_000);
    await vi.waitFor(() => expect(bodies(got)).toEqual(['now', 'in a minute']));
  });

  it('makes a message its consumer held at the crash visible at once, with its receive counted', async () => {
    const dir = dataDir();
    const first = run(dir);
    const held = recorder(first.queues, () => 'hang');
    await first.queues.send('q', [{ id: '1', body: 'm' }]);
    await vi.waitFor(() => expect(bodies(held)).toEqual(['m']));
    crash(first);

    // Not 30 s later (the visibility timeout): the consumer that held it is gone.
    const second = run(dir);
    const got = recorder(second.queues);
    await vi.waitFor(() => expect(bodies(got)).toEqual(['m']));
    expect(got[0]!.attributes.ApproximateReceiveCount).toBe('2');
    expect(got[0]!.attributes.ApproximateFirstReceiveTimestamp).toBe(held[0]!.attributes.ApproximateFirstReceiveTimestamp);
    await second.queues.idle();
    crash(second);
    expect(run(dir).queues.stats().every((s) => s.total === 0)).toBe(true);
  });

  it('keeps a back-off (ChangeMessageVisibility) and a failed batch’s visibility timeout across a crash', async () => {
    const dir = dataDir();
    const t0 = clock.t;
    const first = run(dir);
    recorder(first.queues, async (r): Promise<Verdict> => {
      if (r.body === 'backing off') await first.queues.changeVisibility('q', r.receiptHandle, 120);
      return 'fail';
    });
    await first.queues.send('q', [
      { id: '1', body: 'backing off' },
      { id: '2', body: 'failed' },
    ]);
    // The batch has ended (its verdicts are settled in the same step as the invocation is counted).
    await vi.waitFor(() => expect(first.queues.consumers()).toMatchObject([{ queue: 'q', invocations: 1, records: 2 }]));
    crash(first);

    const second = run(dir);
    const got = recorder(second.queues);
    await advanceTo(second.queues, t0 + 1_000);
    expect(bodies(got)).toEqual([]);
    await advanceTo(second.queues, t0 + 30_000);
    await vi.waitFor(() => expect(bodies(got)).toEqual(['failed']));
    await advanceTo(second.queues, t0 + 120_000);
    await vi.waitFor(() => expect(bodies(got)).toEqual(['failed', 'backing off']));
    expect(got.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
  });

  it('forgets what was deleted and keeps what was dead-lettered', async () => {
    const dir = dataDir();
    const first = run(dir);
    recorder(first.queues, async (r): Promise<Verdict> => {
      if (r.body !== 'bad') return 'ok';
      await first.queues.changeVisibility('q', r.receiptHandle, 0);
      return 'fail';
    });
    await first.queues.send('q', [
      { id: '1', body: 'good' },
      { id: '2', body: 'bad' },
    ]);
    await vi.waitFor(() => expect(first.queues.peek('dlq')).toEqual(['bad']));
    crash(first);

    const second = run(dir);
    expect(second.queues.peek('q')).toEqual([]);
    expect(second.queues.peek('dlq')).toEqual(['bad']);
    // A redrive is one transaction: after another crash the message is on q, once.
    expect(await second.queues.moveAll('dlq', 'q')).toBe(1);
    crash(second);
    const third = run(dir);
    expect([third.queues.peek('q'), third.queues.peek('dlq')]).toEqual([['bad'], []]);
  });

  // A real process, killed by its consumer before the turn of the receive ends: the crash helper
  // above closes the database, which would commit that turn.
  it('moves a message that kills the process in its first turn to the DLQ after maxReceiveCount starts', async () => {
    const dir = dataDir();
    const seed = run(dir);
    await seed.queues.send('q', [{ id: '1', body: 'poison' }]);
    crash(seed);
    const script = [
      `import { silentLogger } from ${JSON.stringify(new URL('../log.ts', import.meta.url).href)};`,
      `import { QueueStore } from ${JSON.stringify(new URL('./queue-store.ts', import.meta.url).href)};`,
      `import { LocalQueues } from ${JSON.stringify(new URL('./queues.ts', import.meta.url).href)};`,
      `import { openLocalDatabase } from ${JSON.stringify(new URL('./sqlite.ts', import.meta.url).href)};`,
      `const queues = new LocalQueues(silentLogger, Date.now, new QueueStore(openLocalDatabase(${JSON.stringify(dir)})));`,
      `queues.create({ name: 'dlq', visibilityTimeoutS: 30 });`,
      `queues.create({ name: 'q', visibilityTimeoutS: 30, maxReceiveCount: 3, dlq: 'dlq' });`,
      `queues.consume('q', () => process.kill(process.pid, 'SIGKILL'));`,
      `await new Promise((r) => setTimeout(r, 500));`,
      `process.stdout.write(JSON.stringify(queues.peek('dlq')));`,
    ].join('\n');
    const outputs: string[] = [];
    for (let start = 0; start < 6 && !outputs.at(-1)?.includes('poison'); start++) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
      outputs.push(child.signal === 'SIGKILL' ? 'killed' : `${child.stdout}${child.stderr}`);
    }
    // Three receives, each killing the process; the fourth start finds the message in the DLQ.
    expect(outputs).toEqual(['killed', 'killed', 'killed', '["poison"]']);
  }, 60_000);

  it('writes a WAL with synchronous=NORMAL: a commit survives the process, without an fsync per call', () => {
    const { database } = run(dataDir());
    expect(database.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(database.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
  });

  it('lets only one process use a data dir', () => {
    const dir = dataDir();
    run(dir);
    expect(() => openLocalDatabase(dir)).toThrow(ConfigError);
    expect(() => openLocalDatabase(dir)).toThrow(/in use by another process/);
  });
});

describe('LocalSchedules on a data dir', () => {
  it('resumes pending schedules after a crash, fires overdue ones at once, and fires each once', async () => {
    const dir = dataDir();
    const t0 = clock.t;
    const first = run(dir);
    await first.schedules.create({ name: 'soon', at: new Date(t0 + 2 * 60_000), queue: 'q', body: 'flush soon' });
    await first.schedules.create({ name: 'later', at: new Date(t0 + 20 * 60_000), queue: 'q', body: 'flush later' });
    await first.schedules.create({ name: 'cancelled', at: new Date(t0 + 3 * 60_000), queue: 'q', body: 'never' });
    await first.schedules.delete('cancelled');
    crash(first);

    // Back 5 minutes later: "soon" is overdue.
    clock.t = t0 + 5 * 60_000;
    const second = run(dir);
    expect(second.schedules.resume()).toBe(2);
    await vi.waitFor(() => expect(second.queues.peek('q')).toEqual(['flush soon']));
    expect(second.schedules.pending().map((p) => p.name)).toEqual(['later']);
    crash(second);

    const third = run(dir);
    expect(third.schedules.resume()).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(third.queues.peek('q')).toEqual(['flush soon']);
    expect(third.schedules.pending()).toEqual([{ name: 'later', queue: 'q', at: new Date(t0 + 20 * 60_000), body: 'flush later' }]);
  });
});
