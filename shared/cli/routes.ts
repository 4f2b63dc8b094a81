import { formatDuration } from '../primitives/duration';
import { formatMatchers } from '../labels/matchers';
import { matchRoutes, type RouteNode } from '../routing/route-tree';

/**
 * `config routes show` and `config routes test`, as amtool prints them (`amtool config routes
 * show|test`), from the route tree alertflow builds (shared/routing/route-tree.ts).
 */

/** What one node shows: amtool's slug (matchers, continue, receiver), then group_by and alertflow's additions. */
function slug(node: RouteNode): string {
  const parts = [node.matchers.length === 0 ? 'default-route' : formatMatchers(node.matchers)];
  if (node.continue) parts.push('continue: true');
  parts.push(`receiver: ${node.receiver}`);
  parts.push(`group_by: ${node.groupByAll ? '[...]' : `[${node.groupBy.join(', ')}]`}`);
  if (node.escalationPolicy) parts.push(`escalation_policy: ${node.escalationPolicy}`);
  if (node.muteTimeIntervals.length > 0) parts.push(`mute_time_intervals: [${node.muteTimeIntervals.join(', ')}]`);
  if (node.activeTimeIntervals.length > 0) parts.push(`active_time_intervals: [${node.activeTimeIntervals.join(', ')}]`);
  return parts.join('  ');
}

/**
 * The tree as `amtool config routes show` draws it (`.` then `└──`/`├──` branches), each node with
 * its matchers, `continue: true` when set, its receiver, its group_by (inherited ones included),
 * and alertflow's escalation policy and time intervals where set.
 */
export function formatRouteTree(root: RouteNode): string {
  const lines = ['Routing tree:', '.'];
  const visit = (node: RouteNode, prefix: string, last: boolean) => {
    lines.push(`${prefix}${last ? '└── ' : '├── '}${slug(node)}`);
    // amtool's tree (xlab/treeprint) continues a branch with "│", two no-break spaces and a space.
    const childPrefix = prefix + (last ? '    ' : '│\u00a0\u00a0 ');
    node.routes.forEach((child, i) => visit(child, childPrefix, i === node.routes.length - 1));
  };
  visit(root, '', true);
  return `${lines.join('\n')}\n`;
}

/** The receivers an alert with `labels` is routed to, in the tree's order, as `amtool config routes test` lists them. */
export function routeReceivers(root: RouteNode, labels: Readonly<Record<string, string>>): string[] {
  return matchRoutes(root, labels).map((node) => node.receiver);
}

/** A route as `config routes show --output json` prints it: its own matchers and its effective (inherited) options. */
export interface RouteJson {
  matchers: string[];
  receiver: string;
  group_by: string[];
  continue: boolean;
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
  escalation_policy?: string;
  mute_time_intervals: string[];
  active_time_intervals: string[];
  routes: RouteJson[];
}

export function routeTreeJson(node: RouteNode): RouteJson {
  return {
    matchers: node.matchers.map((m) => m.toString()),
    receiver: node.receiver,
    group_by: node.groupByAll ? ['...'] : node.groupBy,
    continue: node.continue,
    group_wait: formatDuration(node.groupWaitMs),
    group_interval: formatDuration(node.groupIntervalMs),
    repeat_interval: formatDuration(node.repeatIntervalMs),
    ...(node.escalationPolicy ? { escalation_policy: node.escalationPolicy } : {}),
    mute_time_intervals: node.muteTimeIntervals,
    active_time_intervals: node.activeTimeIntervals,
    routes: node.routes.map(routeTreeJson),
  };
}
