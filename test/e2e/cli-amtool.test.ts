import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../shared/config/loader';
import { buildRouteTree, walkRoutes, type RouteNode } from '../../shared/routing/route-tree';
import { formatRouteTree, routeReceivers } from '../../shared/cli/routes';

/**
 * `alertflow config routes show|test` against the real amtool 0.25 (Debian's, shipped with
 * prometheus-alertmanager, as the other Alertmanager tests use) on every alertmanager.yml fixture:
 * the same tree (alertflow adds group_by and its own keys to each line) and, for label sets made from
 * each route's equality matchers along its path, the same receivers in the same order.
 */
const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/alertmanager-configs');
const AMTOOL_BIN = process.env.AMTOOL_BIN || '/usr/bin/amtool';

function amtool(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(AMTOOL_BIN, args, (err, stdout, stderr) => (err ? reject(new Error(`amtool ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

/** The label sets to route: none, and for every route the equality matchers on its path (so each route is reached where it can be by equality). */
function labelSets(root: RouteNode): Array<Record<string, string>> {
  const paths = new Map<RouteNode, Record<string, string>>();
  walkRoutes(root, (node, parent) => {
    const labels = { ...(parent ? paths.get(parent) : {}) };
    for (const m of node.matchers) if (m.type === '=') labels[m.name] = m.value;
    paths.set(node, labels);
  });
  const seen = new Set<string>();
  return [{}, { severity: 'critical' }, ...paths.values()].filter((l) => {
    const key = JSON.stringify(Object.entries(l).sort());
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** The fixtures Alertmanager 0.25 loads (newer/ holds keys added after it). */
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yml'));

describe('alertflow config routes, against amtool 0.25', () => {
  it('has amtool to compare with', () => {
    expect(existsSync(AMTOOL_BIN), `${AMTOOL_BIN} is missing: apt-get install prometheus-alertmanager, or set AMTOOL_BIN`).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s: the same tree, and the same receivers for each label set', async (name) => {
    const file = join(FIXTURES, name);
    const tree = buildRouteTree(loadConfigFile(file).route);
    const shown = await amtool(['config', 'routes', 'show', `--config.file=${file}`]);
    // alertflow's lines are amtool's with group_by, the time intervals and the escalation policy added.
    const ours = formatRouteTree(tree).replace(/ {2}(?:group_by|mute_time_intervals|active_time_intervals): \[[^\]]*\]| {2}escalation_policy: \S+/g, '');
    expect(ours).toBe(shown.replace(/\n+$/, '\n'));

    const sets = labelSets(tree);
    const theirs = await Promise.all(sets.map((labels) => amtool(['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`)])));
    expect(sets.map((labels) => `${routeReceivers(tree, labels).join(',')}\n`)).toEqual(theirs);
  });
});
