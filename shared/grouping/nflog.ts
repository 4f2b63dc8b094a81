import type { NflogEntry } from '../store/groups';

/**
 * Alertmanager's dedup stage (`notify.DedupStage.needsUpdate`): whether a channel must be notified
 * given what it was last told. New firing alerts always notify; a group whose firing alerts all
 * resolved notifies (even without send_resolved, so the log forgets them); newly resolved alerts
 * notify channels that want resolves; otherwise only a repeat after `repeatMs`.
 */
export function needsUpdate(
  entry: NflogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatMs: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  if (!isSubset(firing, entry.firing)) return true;
  // Fired and resolved between two flushes: the channel never heard of them, nothing to say.
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return true;
  return entry.at < now - repeatMs;
}

/** Whether a repeat (rather than news) is what `needsUpdate` would answer at `at`: the next repeat time. */
export function repeatDueAt(entry: NflogEntry | undefined, repeatMs: number): number | undefined {
  return entry && entry.firing.length > 0 ? entry.at + repeatMs + 1 : undefined;
}

function isSubset(subset: ReadonlySet<string>, of: readonly string[]): boolean {
  if (subset.size > of.length) return false;
  const set = new Set(of);
  for (const x of subset) if (!set.has(x)) return false;
  return true;
}
