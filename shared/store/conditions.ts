/** The condition of a versioned write: the item absent for version 1, else at the previous version. */
export const versionCondition = (version: number) =>
  version === 1 ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: 'version = :prev', ExpressionAttributeValues: { ':prev': version - 1 } };

/** The condition of a write over an item read with `updated_at` = `updatedAt`: it exists and has not changed since. */
export const updatedAtCondition = (updatedAt: string) => ({ ConditionExpression: 'updated_at = :prev', ExpressionAttributeValues: { ':prev': updatedAt } });

/** Whether a DynamoDB write was refused by its ConditionExpression (the SDK names the error so). */
export const isConditionFailure = (err: unknown): boolean => (err as Error).name === 'ConditionalCheckFailedException';
