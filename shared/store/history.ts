import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { historyKey, type HistoryEntry, type HistoryPage, type HistoryStore } from '../history/history';
import { AlertflowError } from '../errors';
import { epochSeconds, isLive } from './keys';
import { pageDays } from './day-partitions';

/**
 * History in one partition per UTC day of the resolve, `HISTORY#<yyyy-mm-dd>`, sorted by
 * `<resolvedAt>#<groupId>#<fingerprint>`: a time range is a Query per day, newest first, with no
 * index and no Scan. A day's partition takes a storm's resolves at BatchWriteItem's pace.
 */
export const historyPk = (resolvedAt: string): string => `HISTORY#${resolvedAt.slice(0, 10)}`;

/** When an entry expires: `retentionS` after it resolved. */
export const historyExpiresAt = (e: Pick<HistoryEntry, 'resolvedAt'>, retentionS: number): number => Math.floor(Date.parse(e.resolvedAt) / 1000) + retentionS;

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
    const { values, read, last } = await pageDays<HistoryEntry>(range, after, limit, async (day, { lo, hi }, n, startKey) => {
      const res = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': historyPk(day), ':lo': lo, ':hi': hi },
          ScanIndexForward: false,
          Limit: n,
          ExclusiveStartKey: startKey,
        }),
      );
      return {
        items: (res.Items ?? []).map((item) => ({ key: item.sk as string, value: isLive(item as { expiresAt?: number }, now) ? (JSON.parse(item.entry as string) as HistoryEntry) : undefined })),
        lastEvaluatedKey: res.LastEvaluatedKey,
      };
    });
    return { entries: values, read, ...(last === undefined ? {} : { last }) };
  }
}
