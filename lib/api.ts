import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Config } from '../shared/config/schema';
import { ENV } from '../shared/queues/names';
import { AlertflowFunction, type SharedFunctionOptions, functionSettings } from './function';

/**
 * Table actions of the api function: reads only, until ack/resolve/silences land. Scan because the
 * store lists group state with a filtered scan (`shared/store/groups.ts` list) until it has an index.
 */
export const API_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan'];

export interface ApiProps extends SharedFunctionOptions {
  readonly config: Config;
  readonly table: ITable;
}

/** The api function behind the read routes of the HTTP API (list, get, health). */
export class Api extends Construct {
  readonly function: AlertflowFunction;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.function = new AlertflowFunction(this, 'Function', {
      ...functionSettings('api', props),
      config: props.config,
      environment: { [ENV.table]: props.table.tableName },
    });
    props.table.grant(this.function.fn, ...API_TABLE_ACTIONS);
  }
}
