import type { Config, Receiver } from '../config/schema';
import { useTemplateFiles } from '../channels/templating';
import { parseDuration } from '../primitives/duration';
import { compileInhibitRules, type InhibitRule } from '../inhibition/rules';
import { buildRouteTree, indexRoutesById, type RouteNode } from '../routing/route-tree';
import { compileTimeIntervals, type CompiledInterval } from '../timeinterval/intervals';
import { compileEscalationPolicies, type EscalationPolicy } from '../escalation/policy';
import { compileHeartbeats, type Heartbeat } from '../heartbeats/heartbeat';
import { compileChecks, type Check } from '../checks/check';
import { withSelfMonitoringRoutes } from '../self-monitoring/routes';
import { syntheticHeartbeat } from '../self-monitoring/synthetic';

/** The config with everything derived once per process: the route tree and lookups. */
export interface CompiledConfig {
  raw: Config;
  routeTree: RouteNode;
  /** Every route by its id, to find the route of a stored group. */
  routesById: ReadonlyMap<string, RouteNode>;
  receivers: ReadonlyMap<string, Receiver>;
  inhibitRules: readonly InhibitRule[];
  timeIntervals: ReadonlyMap<string, readonly CompiledInterval[]>;
  defaultAlertTimeoutMs: number;
  /** `global.resolve_timeout`: the end of an alert posted to /api/v2/alerts without one. */
  resolveTimeoutMs: number;
  escalationPolicies: ReadonlyMap<string, EscalationPolicy>;
  heartbeats: ReadonlyMap<string, Heartbeat>;
  /** The config's threshold checks (those made through the API are in the store). */
  checks: ReadonlyMap<string, Check>;
  /** `retention` in seconds: what the stores keep resolved alerts, resolved incidents and delivery records for. */
  retentionS: number;
}

export function compileConfig(raw: Config): CompiledConfig {
  // The renderers compile the entries' templates against the config's template files.
  useTemplateFiles(raw.template_files);
  // self_monitoring's implicit routes come first (they leave the user's route ids as they were).
  const routeTree = withSelfMonitoringRoutes(buildRouteTree(raw.route), raw.self_monitoring);
  const heartbeats = new Map(compileHeartbeats(raw.heartbeats));
  const synthetic = raw.self_monitoring && syntheticHeartbeat(raw.self_monitoring);
  if (synthetic) heartbeats.set(synthetic.name, synthetic);
  return {
    raw,
    routeTree,
    routesById: indexRoutesById(routeTree),
    receivers: new Map(raw.receivers.map((r) => [r.name, r])),
    inhibitRules: compileInhibitRules(raw.inhibit_rules),
    timeIntervals: compileTimeIntervals(raw.time_intervals),
    defaultAlertTimeoutMs: parseDuration(raw.ingest.default_alert_timeout),
    resolveTimeoutMs: parseDuration(raw.global.resolve_timeout),
    escalationPolicies: compileEscalationPolicies(raw.escalation_policies),
    heartbeats,
    checks: compileChecks(raw.checks),
    retentionS: Math.floor(parseDuration(raw.retention) / 1000),
  };
}
