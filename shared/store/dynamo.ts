import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryStore } from './deliveries';
import { DynamoGroupStore } from './groups';
import { DynamoCooldownStore, DynamoInhibitionSourceStore, DynamoStormStore } from './noise';
import type { Stores } from './port';
import { DynamoPayloadStore } from './payloads';
import { DynamoRateLimiter } from './rate-limits';
import { DynamoReceiverGates } from './receiver-gates';
import { DynamoSilenceStore } from './silences';
import { DynamoHeartbeatStore } from './heartbeats';
import { DynamoIncidentStore } from './incidents';
import { DynamoCheckStore } from './checks';

/** Every store over one DynamoDB table (the key layout is in keys.ts). */
export function dynamoStores(db: DynamoDBDocumentClient, table: string): Stores {
  return {
    groups: new DynamoGroupStore(db, table),
    silences: new DynamoSilenceStore(db, table),
    deliveries: new DynamoDeliveryStore(db, table),
    inhibitions: new DynamoInhibitionSourceStore(db, table),
    cooldowns: new DynamoCooldownStore(db, table),
    storms: new DynamoStormStore(db, table),
    rateLimiter: new DynamoRateLimiter(db, table),
    payloads: new DynamoPayloadStore(db, table),
    incidents: new DynamoIncidentStore(db, table),
    heartbeats: new DynamoHeartbeatStore(db, table),
    checks: new DynamoCheckStore(db, table),
    receiverGates: (opts) => new DynamoReceiverGates(db, table, opts),
  };
}
