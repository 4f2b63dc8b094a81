/** The condition of a versioned write: the item absent for version 1, else at the previous version. */
export const versionCondition = (version: number) =>
  version === 1 ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': version - 1 } };

/** Whether a DynamoDB write was refused by its ConditionExpression (the SDK names the error so). */
export const isConditionFailure = (err: unknown): boolean => (err as Error).name === 'ConditionalCheckFailedException';
