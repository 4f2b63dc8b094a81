import { decodeGroup } from './groups';
import { groupListKeys, LIST_PK, SILENCES_PK, silenceListKeys } from './keys';

/**
 * An item with the listing keys it should carry (groups and silences; others unchanged), for
 * copying items written before the index existed.
 */
export function withListKeys(item: Record<string, unknown>): Record<string, unknown> {
  if (item[LIST_PK] !== undefined) return item;
  if (typeof item.pk === 'string' && item.pk.startsWith('GROUP#') && item.sk === 'STATE') return { ...item, ...groupListKeys(decodeGroup(item)) };
  if (item.pk === SILENCES_PK && typeof item.id === 'string' && typeof item.ends_at === 'string') {
    return { ...item, ...silenceListKeys({ id: item.id, ends_at: item.ends_at }) };
  }
  return item;
}
