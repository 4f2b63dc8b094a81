import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors';
import type { Logger } from '../log';
import { Silence } from '../silences/model';
import type { DeliveryRecord } from '../store/deliveries';
import { decodeGroup } from '../store/groups';
import { isLive, SILENCES_PK } from '../store/keys';
import type { Stores } from '../store/port';
import { startLocalDynamo } from './dynamo';

/** Where earlier versions kept the state (dynalite's LevelDB files) under the data dir. */
export const DYNALITE_DIR = 'db';

/**
 * Bring the state an earlier version kept in dynalite (`<dataDir>/db`) into the SQLite stores, once:
 * groups (with their notification log), silences, delivery outcomes, inhibition sources and
 * cooldowns, so upgrading loses no silence and re-sends nothing. Storm windows, send slots and
 * receiver gates last minutes and start afresh. The directory is then renamed `db.imported`, kept as
 * a backup. Idempotent: a crash midway re-imports at the next start, and what is already there
 * (a group, a silence) is kept.
 */
export async function importDynaliteState(dataDir: string, table: string, stores: Stores, log: Logger): Promise<void> {
  const dir = join(dataDir, DYNALITE_DIR);
  if (!existsSync(dir)) return;
  const dynamo = await startLocalDynamo(table, dir);
  const now = new Date();
  const counts: Record<Imported, number> = { groups: 0, silences: 0, deliveries: 0, inhibitionSources: 0, cooldowns: 0 };
  try {
    let start: Record<string, unknown> | undefined;
    do {
      // A Scan, once, at start: never on a request path.
      const page = await dynamo.db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        if (!isLive(item as { expiresAt?: number }, now)) continue;
        const kind = await importItem(item, stores, now);
        if (kind) counts[kind]++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    await dynamo.close();
  }
  renameSync(dir, `${dir}.imported`);
  log.info('imported the state kept in dynalite by an earlier version into alertflow.sqlite', { ...counts, backup: `${dir}.imported` });
}

type Imported = 'groups' | 'silences' | 'deliveries' | 'inhibitionSources' | 'cooldowns';

async function importItem(item: Record<string, unknown>, stores: Stores, now: Date): Promise<Imported | undefined> {
  const pk = String(item.pk);
  const sk = String(item.sk);
  try {
    if (pk.startsWith('GROUP#') && sk === 'STATE') {
      // Versions only order concurrent writers; a group starts over at 1 here. Groups stored in
      // parts (over 350 KB gzip'd) are not imported: dynalite's parts need the DynamoDB adapter.
      if (item.stateParts) return undefined;
      await stores.groups.put({ ...decodeGroup(item), version: 1 });
      return 'groups';
    }
    if (pk === SILENCES_PK) {
      const silence = Silence.safeParse(item);
      if (!silence.success) return undefined;
      await stores.silences.create(silence.data);
      return 'silences';
    }
    if (pk.startsWith('NOTIF#') && sk === 'DELIVERY') {
      const rec = item as unknown as DeliveryRecord;
      // What matters later is the verdict and its attempts; an open claim has lapsed by now.
      if (rec.status === 'in_progress' || rec.attempts.length === 0 || (await stores.deliveries.get(rec.notificationId))) return undefined;
      for (const attempt of rec.attempts) await stores.deliveries.recordAttempt({ notificationId: rec.notificationId, channel: rec.channel, receiver: rec.receiver, target: rec.target, status: rec.status }, attempt, now);
      return 'deliveries';
    }
    if (pk.startsWith('INHIBIT#') && sk.startsWith('SRC#')) {
      await stores.inhibitions.put(pk, { fingerprint: item.fingerprint as string, labels: item.labels as Record<string, string>, status: 'firing', endsAt: item.endsAt as string | undefined }, now);
      return 'inhibitionSources';
    }
    if (pk.startsWith('COOLDOWN#')) {
      await stores.cooldowns.start({ pk, sk }, item.until as number);
      return 'cooldowns';
    }
  } catch (err) {
    // Already imported by a run that stopped before renaming the directory.
    if (!(err instanceof ConflictError)) throw err;
  }
  return undefined;
}
