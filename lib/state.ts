import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LIST_INDEX, LIST_INDEX_PROJECTED, LIST_PK, LIST_SK } from '../shared/store/keys';

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
 * One global secondary index, `list`, serves the read API's listings (groups, silences) by key
 * range instead of a Scan; it projects the keys plus a silence's fields, which group items lack,
 * so rewriting a group costs no index write (docs/adr/0007-read-indexes.md).
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
    this.table.addGlobalSecondaryIndex({
      indexName: LIST_INDEX,
      partitionKey: { name: LIST_PK, type: AttributeType.STRING },
      sortKey: { name: LIST_SK, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...LIST_INDEX_PROJECTED],
    });
  }
}

/**
 * Grant table actions without `Table.grant`, which adds `<table>/index/*` once the table has an
 * index (a wildcard resource). With `listIndex`, also `dynamodb:Query` on the listing index, by name.
 */
export function grantTable(table: ITable, grantee: IGrantable, actions: readonly string[], opts: { listIndex?: boolean } = {}): void {
  Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [table.tableArn] });
  if (opts.listIndex) Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${LIST_INDEX}`] });
}
