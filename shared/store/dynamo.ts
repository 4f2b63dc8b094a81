import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryStore } from './deliveries';
import { DynamoGroupStore } from './groups';
import { DynamoCooldownStore, DynamoInhibitionSourceStore, DynamoStormStore } from './noise';
import { DEFAULT_RETENTION_S, type StoreOptions, type Stores } from './port';
import { DynamoPayloadStore } from './payloads';
import { DynamoRateLimiter } from './rate-limits';
import { DynamoReceiverGates } from './receiver-gates';
import { DynamoSilenceStore } from './silences';
import { DynamoHeartbeatStore } from './heartbeats';
import { DynamoIncidentStore } from './incidents';
import { DynamoCheckStore } from './checks';
import { DynamoTickStore } from './ticks';
import { DynamoHistoryStore } from './history';

/** Every store over one DynamoDB table (the key layout is in keys.ts). */
export function dynamoStores(db: DynamoDBDocumentClient, table: string, opts: StoreOptions = { retentionS: DEFAULT_RETENTION_S }): Stores {
  return {
    groups: new DynamoGroupStore(db, table),
    silences: new DynamoSilenceStore(db, table),
    deliveries: new DynamoDeliveryStore(db, table, opts.retentionS),
    inhibitions: new DynamoInhibitionSourceStore(db, table),
    cooldowns: new DynamoCooldownStore(db, table),
    storms: new DynamoStormStore(db, table),
    rateLimiter: new DynamoRateLimiter(db, table),
    payloads: new DynamoPayloadStore(db, table),
    incidents: new DynamoIncidentStore(db, table, opts.retentionS),
    heartbeats: new DynamoHeartbeatStore(db, table),
    checks: new DynamoCheckStore(db, table),
    ticks: new DynamoTickStore(db, table),
    history: new DynamoHistoryStore(db, table, opts.retentionS),
    receiverGates: (opts) => new DynamoReceiverGates(db, table, opts),
  };
}
