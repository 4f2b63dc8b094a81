import { groupIndexKey } from '../store/groups';
import { type GroupState } from '../grouping/model';
import type { ListKey } from '../store/keys';
import type { GroupPages } from './groups';
import { holdingByWalk, type GroupStore } from '../store/port';

/**
 * Test double of the group store's reads (GroupStore.page/getMany/holding): the groups in listing-index
 * order, paged as the index pages them. `reads` counts the groups each call returned.
 */
export function pagedGroups(groups: readonly GroupState[], calls: string[] = []): GroupPages &
  Pick<GroupStore, 'getMany' | 'holding'> & {
    reads: number;
  } {
  const sorted = [...groups].sort((a, b) => (groupIndexKey(a).lsk < groupIndexKey(b).lsk ? -1 : 1));
  const store = {
    reads: 0,
    async page(after: ListKey | undefined, limit: number) {
      calls.push('groups');
      let start = after ? sorted.findIndex((g) => groupIndexKey(g).lsk > after.lsk) : 0;
      if (start < 0) start = sorted.length;
      const slice = sorted.slice(start, start + limit);
      store.reads += slice.length;
      return { groups: slice, read: slice.length, last: start + limit < sorted.length ? groupIndexKey(slice.at(-1)!) : undefined };
    },
    async getMany(ids: readonly string[]) {
      calls.push('getMany');
      const found = sorted.filter((g) => ids.includes(g.groupId));
      store.reads += found.length;
      return new Map(found.map((g) => [g.groupId, g]));
    },
    holding: (fingerprint: string, now: Date) => holdingByWalk(store, fingerprint, now),
  };
  return store;
}
