import type { GroupAlert, GroupState } from '../../shared/grouping/model';

/**
 * A stored alert group for tests: `alerts` keyed by fingerprint, alive for a day from `at`, never
 * flushed, grouped by alertname `id` on the root route, for receiver `team`. `overrides` replace
 * any of it.
 */
export function groupState(id: string, alerts: readonly GroupAlert[], at: Date | number, overrides: Partial<GroupState> = {}): GroupState {
  const ms = typeof at === 'number' ? at : at.getTime();
  return {
    groupId: id,
    routeId: '{}',
    receiver: 'team',
    groupKey: `{}:{alertname="${id}"}`,
    groupLabels: { alertname: id },
    alerts: Object.fromEntries(alerts.map((a) => [a.fingerprint, a])),
    version: 1,
    updatedAt: new Date(ms).toISOString(),
    expiresAt: Math.floor(ms / 1000) + 86_400,
    flushSeq: 0,
    nflog: {},
    flaps: {},
    lastWrite: { ids: [] },
    ...overrides,
  };
}
