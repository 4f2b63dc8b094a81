import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { historyKey, type HistoryEntry, type HistoryPage, type HistoryStore } from '../history/history';
import { AlertflowError } from '../errors';
import { epochSeconds, isLive } from './keys';

/**
 * History in one partition per UTC day of the resolve, `HISTORY#<yyyy-mm-dd>`, sorted by
 * `<resolvedAt>#<groupId>#<fingerprint>`: a time range is a Query per day, newest first, with no
 * index and no Scan. A day's partition takes a storm's resolves at BatchWriteItem's pace.
 */
export const historyPk = (resolvedAt: string): string => `HISTORY#${resolvedAt.slice(0, 10)}`;

/** When an entry expires: `retentionS` after it resolved. */
export const historyExpiresAt = (e: Pick<HistoryEntry, 'resolvedAt'>, retentionS: number): number => Math.floor(Date.parse(e.resolvedAt) / 1000) + retentionS;

const DAY_MS = 86_400_000;
/** Day partitions one page reads at most. */
export const MAX_DAYS_PER_PAGE = 31;

export class DynamoHistoryStore implements HistoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionS: number,
  ) {}

  async record(entries: readonly HistoryEntry[]): Promise<void> {
    const now = epochSeconds(new Date());
    // Already past retention (a late resolve of an old alert): nothing to keep.
    // One item per key: BatchWriteItem refuses a request that names a key twice.
    const unique = new Map(entries.map((e) => [historyKey(e), e]));
    const items = [...unique.values()]
      .filter((e) => historyExpiresAt(e, this.retentionS) > now)
      .map((e) => ({ PutRequest: { Item: { pk: historyPk(e.resolvedAt), sk: historyKey(e), entry: JSON.stringify(e), expiresAt: historyExpiresAt(e, this.retentionS) } } }));
    for (let i = 0; i < items.length; i += 25) {
      let pending: typeof items | undefined = items.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt === 6) throw new AlertflowError('history_write_failed', 500, `DynamoDB left ${pending.length} history entries unprocessed`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        const res = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = res.UnprocessedItems?.[this.table] as typeof items | undefined;
      }
    }
  }

  async page(range: { from: Date; to: Date }, after: string | undefined, limit: number, now: Date): Promise<HistoryPage> {
    const entries: HistoryEntry[] = [];
    let read = 0;
    // Newest day first: the day of `after` (a cursor) or of `to`, back to the day of `from`.
    const start = after ? Math.min(Date.parse(after.slice(0, 24)), range.to.getTime()) : range.to.getTime() - 1;
    const firstDay = Math.floor(range.from.getTime() / DAY_MS);
    const startDay = Math.floor(start / DAY_MS);
    for (let day = startDay; day >= firstDay && read < limit; day--) {
      // A long range of empty days is a Query each: stop after a month of them, with a cursor at
      // the start of the last day read (every key of that day sorts above it).
      if (startDay - day >= MAX_DAYS_PER_PAGE) return { entries, read, last: `${new Date((day + 1) * DAY_MS).toISOString()}#` };
      const pk = historyPk(new Date(day * DAY_MS).toISOString());
      let startKey: Record<string, unknown> | undefined;
      do {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
            ExpressionAttributeValues: { ':pk': pk, ':lo': range.from.toISOString(), ':hi': upperBound(range.to, after) },
            ScanIndexForward: false,
            Limit: limit - read,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of res.Items ?? []) {
          read++;
          if (isLive(item as { expiresAt?: number }, now)) entries.push(JSON.parse(item.entry as string) as HistoryEntry);
          if (read >= limit) return { entries, read, last: item.sk as string };
        }
        startKey = res.LastEvaluatedKey;
      } while (startKey);
    }
    return { entries, read };
  }
}

/**
 * The highest sort key to read: below `to` (keys start with the ISO resolve time, and `#` sorts
 * before every ISO digit, so `<to>` excludes what resolved at `to`), and below the cursor.
 */
function upperBound(to: Date, after: string | undefined): string {
  const end = to.toISOString();
  // BETWEEN is inclusive: step just below each bound (`after` itself was already returned).
  const below = (key: string) => key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) - 1) + '\uffff';
  return after !== undefined && after < end ? below(after) : below(end);
}
