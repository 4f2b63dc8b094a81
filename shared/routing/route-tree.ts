/**
 * Alertmanager's routing tree (`dispatch/route.go`): option inheritance, depth-first matching with
 * `continue`, and the route key / route id / group key strings, reproduced exactly so a tree pasted
 * from alertmanager.yml routes the same alerts to the same groups under the same keys.
 */
import type { RouteConfig } from './config';
import { parseDuration } from '../primitives/duration';
import { ConfigError } from '../errors';
import type { Matcher } from '../labels/matchers';
import {
  compareMatchers,
  compareUtf8,
  formatMatchers,
  matcherFromMatch,
  matcherFromMatchRe,
  matchesAll,
  parseMatchers,
  quoteGoString,
} from '../labels/matchers';

export interface RouteNode {
  /** Alertmanager's `Route.ID()`: the key path plus each node's position among its siblings. */
  id: string;
  /** Alertmanager's `Route.Key()`: the matcher path; the prefix of every group key of this route. */
  key: string;
  receiver: string;
  /** Labels to group by; ignored when `groupByAll` (kept as inherited, as Alertmanager does). */
  groupBy: string[];
  groupByAll: boolean;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  continue: boolean;
  /** alertflow additions, inherited like the timers: unset means none (the receiver's may apply). */
  cooldownMs?: number | undefined;
  cooldownBy?: 'group' | 'alert' | undefined;
  flapping?: { transitions: number; windowMs: number } | undefined;
  /** The escalation policy incidents on this route run (by name); inherited. */
  escalationPolicy?: string | undefined;
  /** Sorted in Alertmanager's order (name, value, type); the key is formed from this order. */
  matchers: Matcher[];
  /** Not inherited from the parent (Alertmanager copies these from the route itself only). */
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
  routes: RouteNode[];
}

/** Alertmanager's DefaultRouteOpts, which the root starts from. */
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

interface Inherited {
  receiver: string;
  groupBy: string[];
  groupByAll: boolean;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  cooldownMs?: number | undefined;
  cooldownBy?: 'group' | 'alert' | undefined;
  flapping?: { transitions: number; windowMs: number } | undefined;
  escalationPolicy?: string | undefined;
}

interface Position {
  parentKey: string;
  parentId: string;
  index: number;
}

/**
 * Build the routing tree from the config's `route`. Throws ConfigError (with the key path) for
 * what Alertmanager refuses at load: bad matchers or regexes, `'...'` mixed with labels, duplicate
 * `group_by` labels, a zero `group_interval`/`repeat_interval`, time intervals on the root.
 */
export function buildRouteTree(route: RouteConfig): RouteNode {
  const root: Inherited = {
    receiver: '',
    groupBy: [],
    groupByAll: false,
    groupWaitMs: DEFAULT_GROUP_WAIT_MS,
    groupIntervalMs: DEFAULT_GROUP_INTERVAL_MS,
    repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS,
  };
  if (route.mute_time_intervals?.length) {
    fail('route.mute_time_intervals', 'the root route must not have mute_time_intervals');
  }
  if (route.active_time_intervals?.length) {
    fail('route.active_time_intervals', 'the root route must not have active_time_intervals');
  }
  return buildNode(route, root, undefined, 'route');
}

function buildNode(cr: RouteConfig, parent: Inherited, pos: Position | undefined, path: string): RouteNode {
  const opts: Inherited = { ...parent };
  if (cr.receiver) opts.receiver = cr.receiver;

  // As Alertmanager 0.25 reads group_by (config.Route.UnmarshalYAML, then NewRoute): the list splits
  // into labels and `'...'`; a route with labels replaces the parent's grouping, one with only
  // `'...'` (once or more) groups by all labels, and an empty list is the same as none: the route
  // inherits its parent's grouping (Go's nil and empty slices look alike there).
  const groupBy = cr.group_by ?? [];
  const labels = groupBy.filter((l) => l !== '...');
  const all = labels.length !== groupBy.length;
  if (all && labels.length > 0) {
    fail(`${path}.group_by`, "'...' (group by all labels) cannot be combined with other labels");
  }
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) fail(`${path}.group_by`, `duplicated label ${JSON.stringify(dup)} in group_by`);
  if (labels.length > 0) {
    opts.groupBy = labels;
    opts.groupByAll = false;
  } else if (all) {
    // `['...']` switches grouping to all labels but leaves the inherited list in place.
    opts.groupByAll = true;
  }

  if (cr.group_wait !== undefined) opts.groupWaitMs = duration(cr.group_wait, `${path}.group_wait`);
  if (cr.group_interval !== undefined) {
    opts.groupIntervalMs = duration(cr.group_interval, `${path}.group_interval`);
    if (opts.groupIntervalMs === 0) fail(`${path}.group_interval`, 'group_interval cannot be zero');
  }
  if (cr.repeat_interval !== undefined) {
    opts.repeatIntervalMs = duration(cr.repeat_interval, `${path}.repeat_interval`);
    if (opts.repeatIntervalMs === 0) fail(`${path}.repeat_interval`, 'repeat_interval cannot be zero');
  }

  if (cr.cooldown !== undefined) opts.cooldownMs = duration(cr.cooldown, `${path}.cooldown`);
  if (cr.cooldown_by !== undefined) opts.cooldownBy = cr.cooldown_by;
  if (cr.flapping !== undefined) {
    opts.flapping = { transitions: cr.flapping.transitions, windowMs: duration(cr.flapping.window, `${path}.flapping.window`) };
  }

  if (cr.escalation_policy !== undefined) opts.escalationPolicy = cr.escalation_policy;

  const matchers = routeMatchers(cr, path);
  const matcherText = formatMatchers(matchers);
  const key = pos ? `${pos.parentKey}/${matcherText}` : matcherText;
  const id = pos ? `${pos.parentId}/${matcherText}/${pos.index}` : matcherText;

  const node: RouteNode = {
    id,
    key,
    receiver: opts.receiver,
    groupBy: [...opts.groupBy],
    groupByAll: opts.groupByAll,
    groupWaitMs: opts.groupWaitMs,
    groupIntervalMs: opts.groupIntervalMs,
    repeatIntervalMs: opts.repeatIntervalMs,
    continue: cr.continue ?? false,
    cooldownMs: opts.cooldownMs,
    cooldownBy: opts.cooldownBy,
    flapping: opts.flapping,
    escalationPolicy: opts.escalationPolicy,
    matchers,
    muteTimeIntervals: [...(cr.mute_time_intervals ?? [])],
    activeTimeIntervals: [...(cr.active_time_intervals ?? [])],
    routes: [],
  };
  node.routes = (cr.routes ?? []).map((child, index) =>
    buildNode(child, opts, { parentKey: key, parentId: id, index }, `${path}.routes[${index}]`),
  );
  return node;
}

function routeMatchers(cr: RouteConfig, path: string): Matcher[] {
  const matchers: Matcher[] = [];
  for (const [name, value] of Object.entries(cr.match ?? {})) {
    matchers.push(matcherFromMatch(name, value));
  }
  for (const [name, regex] of Object.entries(cr.match_re ?? {})) {
    try {
      matchers.push(matcherFromMatchRe(name, regex));
    } catch (err) {
      fail(`${path}.match_re.${name}`, (err as Error).message);
    }
  }
  (cr.matchers ?? []).forEach((text, i) => {
    try {
      // One string may hold several matchers (`{a="b", c="d"}`); Alertmanager takes them all.
      matchers.push(...parseMatchers(text));
    } catch (err) {
      fail(`${path}.matchers[${i}]`, `invalid matcher ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  });
  return matchers.sort(compareMatchers);
}

function duration(text: string, path: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    return fail(path, (err as Error).message);
  }
}

function fail(path: string, message: string): never {
  throw new ConfigError(`invalid route: ${path}: ${message}`, [{ path, message }]);
}

/**
 * The routes an alert with these labels goes to, as Alertmanager's `Route.Match`: depth-first,
 * left to right; a matching child stops its later siblings unless it has `continue`; a node whose
 * children all miss is itself the match. Empty when the root's own matchers miss.
 */
export function matchRoutes(root: RouteNode, labels: Readonly<Record<string, string>>): RouteNode[] {
  if (!matchesAll(root.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const child of root.routes) {
    const matches = matchRoutes(child, labels);
    all.push(...matches);
    if (matches.length > 0 && !child.continue) break;
  }
  return all.length > 0 ? all : [root];
}

/** The labels that identify the alert's group on this route (only labels the alert has). */
export function groupLabelsFor(node: RouteNode, labels: Readonly<Record<string, string>>): Record<string, string> {
  const by = new Set(node.groupBy);
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort(compareUtf8)) {
    if (node.groupByAll || by.has(name)) out[name] = labels[name]!;
  }
  return out;
}

/**
 * The string a group's id is derived from (dispatch's `groupIdOf`): the route key, `":"`, the group
 * labels as `formatLabelSet` writes them, e.g. `{}:{alertname="HighErrorRate", service="payment-gateway"}`.
 *
 * It is Alertmanager 0.25's group key except in one form: where one group label's name is another's
 * followed by a character that sorts before `=` (in Alertmanager's label names, a digit: `env`,
 * `env1`), it lists the names sorted (`env`, `env1`) and Alertmanager 0.25 sorts the `name="value"`
 * strings (`env1=…` before `env=…`). Each label set still has exactly one key in either form, so
 * groups are the same; the form is kept because stored groups' ids hash it.
 * What a group's notifications carry is `alertmanagerGroupKeyFor`.
 */
export function groupKeyFor(node: RouteNode, labels: Readonly<Record<string, string>>): string {
  return `${node.key}:${formatLabelSet(groupLabelsFor(node, labels))}`;
}

/**
 * The aggregation group key exactly as Alertmanager 0.25 forms it (`aggrGroup.GroupKey()`:
 * `route.Key() + ":" + groupLabels.String()`), the `groupKey` of its webhook body and what its
 * PagerDuty dedup_key hashes. A new group stores it and its notifications carry it.
 */
export function alertmanagerGroupKeyFor(node: RouteNode, labels: Readonly<Record<string, string>>): string {
  return `${node.key}:${formatAlertmanagerLabelSet(groupLabelsFor(node, labels))}`;
}

/**
 * prometheus/common's `LabelSet.String()` since v0.53 (2024): names sorted bytewise, values
 * Go-quoted, `", "` between. Group ids are derived from this form (see `groupKeyFor`).
 */
export function formatLabelSet(labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort(compareUtf8)
    .map((name) => `${name}=${quoteGoString(labels[name]!)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * prometheus/common v0.38's `LabelSet.String()`, which Alertmanager 0.25 is built with: the
 * `name="value"` strings sorted bytewise. It differs from `formatLabelSet` only where one name is
 * another followed by a character that sorts before `=`, such as a digit: `{a1="2", a="1"}`, where
 * names sorted give `{a="1", a1="2"}`.
 */
export function formatAlertmanagerLabelSet(labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .map((name) => `${name}=${quoteGoString(labels[name]!)}`)
    .sort(compareUtf8);
  return `{${parts.join(', ')}}`;
}

/** Visit every node depth-first, parents before children, siblings in order (Alertmanager's Walk). */
export function walkRoutes(root: RouteNode, fn: (node: RouteNode, parent: RouteNode | undefined) => void): void {
  const visit = (node: RouteNode, parent: RouteNode | undefined) => {
    fn(node, parent);
    for (const child of node.routes) visit(child, node);
  };
  visit(root, undefined);
}

/** Every node by its id, to find the route a stored group belongs to. */
export function indexRoutesById(root: RouteNode): Map<string, RouteNode> {
  const index = new Map<string, RouteNode>();
  walkRoutes(root, (node) => index.set(node.id, node));
  return index;
}
