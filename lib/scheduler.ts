import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** EventBridge Scheduler's service principal: it assumes the roles below, and only it may be passed them. */
export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

/**
 * A role EventBridge Scheduler assumes to deliver a schedule's target, with nothing granted yet.
 * aws:SourceAccount: only Scheduler acting for this account may assume it (confused deputy).
 */
export function schedulerRole(scope: Construct, id: string, description: string): Role {
  return new Role(scope, id, {
    assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    description,
  });
}
