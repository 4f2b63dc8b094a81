/**
 * The self-monitoring alarms read two of alertflow's metrics (shared/metrics/catalog.ts):
 * `SyntheticHeartbeats` and `EscalationAuditFindings`, dimensioned by the deployment alone.
 */
export { DEPLOYMENT_DIMENSION, METRICS, METRICS_NAMESPACE } from '../metrics/catalog';

/** The audit's findings: timers it had to run because they were lost, and schedules left behind. */
export const auditFindings = (result: { overdue: number; orphaned: number }): number => result.overdue + result.orphaned;
