import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Attribute names the store (`shared/store/`) relies on. */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk', ttl: 'expiresAt' } as const;

export interface StateProps {
  /**
   * What happens to the table when it leaves the stack. It holds acknowledgements, silences and
   * history, so the default keeps it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one DynamoDB table: on-demand (nothing to pay while idle), point-in-time recovery, and TTL on
 * `expiresAt` (epoch seconds). TTL deletes late, so readers ignore expired items themselves.
 */
export class State extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StateProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttl,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
