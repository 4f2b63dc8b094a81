/** Whether a DynamoDB write was refused by its ConditionExpression (the SDK names the error so). */
export const isConditionFailure = (err: unknown): boolean => (err as Error).name === 'ConditionalCheckFailedException';
