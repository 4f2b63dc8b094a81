import type { FlapState, GroupAlert } from './model';

/**
 * Flap detection: an alert that changed between firing and resolved more than `transitions` times
 * within `windowMs` is flapping. A flapping alert is notified once per window (see flush.ts), not on
 * every edge.
 */
export interface FlapSettings {
  transitions: number;
  windowMs: number;
}

export function isFlapping(flap: FlapState | undefined, settings: FlapSettings, now: number): boolean {
  if (!flap) return false;
  return flap.edges.filter((t) => t > now - settings.windowMs).length > settings.transitions;
}

/**
 * Record the edges between two versions of a group's alerts. An alert that comes back after it was
 * resolved and dropped from the group counts as an edge too (its flap history outlives it). Edges
 * older than the window are forgotten, and so are alerts without recent edges.
 */
export function recordEdges(
  flaps: Readonly<Record<string, FlapState>>,
  before: Readonly<Record<string, GroupAlert>>,
  after: Readonly<Record<string, GroupAlert>>,
  settings: FlapSettings,
  now: number,
): Record<string, FlapState> {
  const out: Record<string, FlapState> = {};
  const since = now - settings.windowMs;
  for (const [fp, flap] of Object.entries(flaps)) {
    const edges = flap.edges.filter((t) => t > since);
    if (edges.length > 0 || (flap.notifiedAt !== undefined && flap.notifiedAt > since)) out[fp] = { ...flap, edges };
  }
  for (const [fp, a] of Object.entries(after)) {
    const prev = before[fp];
    const edge = prev ? prev.status !== a.status : a.status === 'firing' && flaps[fp] !== undefined;
    if (!edge) continue;
    const flap = out[fp] ?? { edges: [] };
    // Only the newest transitions + 1 edges can decide anything: the list stays small.
    out[fp] = { ...flap, edges: [...flap.edges, now].slice(-(settings.transitions + 1)) };
  }
  return out;
}

/** Whether two flap records say the same (to avoid a write for nothing). */
export function sameFlaps(a: Readonly<Record<string, FlapState>>, b: Readonly<Record<string, FlapState>>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
