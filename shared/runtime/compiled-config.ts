import type { Config, Receiver } from '../config/schema';
import { parseDuration } from '../config/duration';
import { buildRouteTree, type RouteNode } from '../routing/route-tree';

/** The config with everything derived once per process: the route tree and lookups. */
export interface CompiledConfig {
  raw: Config;
  routeTree: RouteNode;
  receivers: ReadonlyMap<string, Receiver>;
  defaultAlertTimeoutMs: number;
}

export function compileConfig(raw: Config): CompiledConfig {
  return {
    raw,
    routeTree: buildRouteTree(raw.route),
    receivers: new Map(raw.receivers.map((r) => [r.name, r])),
    defaultAlertTimeoutMs: parseDuration(raw.ingest.default_alert_timeout),
  };
}
