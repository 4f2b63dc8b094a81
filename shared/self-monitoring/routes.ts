import { HEARTBEAT_ALERTNAME } from '../heartbeats/heartbeat';
import { compareMatchers, formatMatchers, parseMatchers } from '../labels/matchers';
import type { RouteNode } from '../routing/route-tree';
import { SELF_ALARM_PREFIX, SYNTHETIC_HEARTBEAT, type SelfMonitoringConfig } from './config';

/**
 * What alertflow says about itself: the stack's own CloudWatch alarms (ingested like any alarm,
 * named with SELF_ALARM_PREFIX) and the built-in heartbeat's HeartbeatMissing.
 */
export const SELF_ROUTE_MATCHERS = [
  `{alertname=~"${SELF_ALARM_PREFIX}.+", source="cloudwatch"}`,
  `{alertname="${HEARTBEAT_ALERTNAME}", heartbeat="${SYNTHETIC_HEARTBEAT}"}`,
] as const;

/**
 * The tree with `self_monitoring`'s implicit routes first among the root's children, so alerts
 * about alertflow reach its receiver whatever the user's tree does with them (`continue: false`:
 * they stop there). Everything else routes exactly as the user's tree says, and the user's
 * routes keep their ids (the implicit ones are added after the ids were made, with ids of their
 * own), so groups stored before self_monitoring was turned on still find their route.
 */
export function withSelfMonitoringRoutes(root: RouteNode, sm: SelfMonitoringConfig | undefined): RouteNode {
  if (!sm) return root;
  const implicit = SELF_ROUTE_MATCHERS.map((text, i): RouteNode => {
    const matchers = parseMatchers(text).sort(compareMatchers);
    const path = formatMatchers(matchers);
    return {
      ...root,
      id: `${root.id}/${path}/self-monitoring-${i}`,
      key: `${root.key}/${path}`,
      receiver: sm.receiver,
      // One notification per alarm (or per heartbeat): these say different things about the system.
      groupBy: ['alertname'],
      groupByAll: false,
      continue: false,
      matchers,
      muteTimeIntervals: [],
      activeTimeIntervals: [],
      routes: [],
    };
  });
  return { ...root, routes: [...implicit, ...root.routes] };
}
