import { NotFoundError } from '../../errors.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor } from '../../spec/cursor.js';
import type { PrefetchedMemories } from '../../spec/store.js';
import { LexicalIndex } from '../../search/lexical-index.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import type { MemoryDriver } from '../define-store/driver.js';
import type { Item } from './codec.js';
import { MEMORY_PREFIX, memoryPk, memorySk } from './keys.js';
import type { TableClient } from './table-client.js';

/** The memory driver plus what the store's other reads need from it. */
export interface DynamoDBMemories extends MemoryDriver {
  /** Pinned memories newest first (at most `limit`) and whether unpinned ones exist: one Query. */
  prefetch(scope: Scope, limit: number): Promise<PrefetchedMemories>;
  /** Deletes every memory of exactly `scope`; returns how many. */
  eraseScope(scope: Scope): Promise<number>;
}

/**
 * Long-term memories: one partition per scope (`mem:[tenant,user]`), one item per memory. Every
 * list, key lookup and search reads the scope's partition with one paged Query (memories per user
 * stay in the hundreds; cost grows linearly with them — see README), then sorts or ranks (BM25)
 * in process. Ownership is exact by construction: another scope is another partition.
 */
export function createDynamoDBMemories(options: { table: TableClient; clock: { now(): number } }): DynamoDBMemories {
  const { table, clock } = options;
  const position = (memory: Memory) => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });

  const toItem = (memory: Memory): Item => ({
    pk: memoryPk(memory),
    sk: memorySk(memory.id),
    updatedAt: memory.updatedAt.getTime(),
    pinned: memory.pinned,
    ...(memory.key !== undefined ? { memoryKey: memory.key } : {}),
    doc: JSON.stringify({ ...memory, createdAt: memory.createdAt.getTime(), updatedAt: memory.updatedAt.getTime() }),
  });
  const fromItem = (item: Item): Memory => {
    const raw = JSON.parse(item.doc as string) as Memory & { createdAt: number; updatedAt: number };
    return { ...raw, createdAt: new Date(raw.createdAt), updatedAt: new Date(raw.updatedAt) };
  };
  const all = async (scope: Scope): Promise<Memory[]> =>
    (await table.queryAll({ keyCondition: 'pk = :pk AND begins_with(sk, :m)', values: { ':pk': memoryPk(scope), ':m': MEMORY_PREFIX } })).map(fromItem);
  const owner = (scope: Scope) => ({ tenantId: scope.tenantId, ...(scope.userId !== undefined ? { userId: scope.userId } : {}) });

  return {
    async put(scope, input: NewMemory) {
      const now = new Date(clock.now());
      const byKey = input.key === undefined ? undefined : (await all(scope)).find((memory) => memory.key === input.key);
      const sameId = byKey ? undefined : await table.get({ pk: memoryPk(scope), sk: memorySk(input.id) });
      const previous = byKey ?? (sameId ? fromItem(sameId) : undefined);
      const memory: Memory = { ...structuredClone(input), id: previous?.id ?? input.id, ...owner(scope), createdAt: previous?.createdAt ?? now, updatedAt: now };
      await table.put(toItem(memory));
      return memory;
    },
    async get(scope, id) {
      const item = await table.get({ pk: memoryPk(scope), sk: memorySk(id) });
      return item ? fromItem(item) : null;
    },
    async list(scope, listOptions) {
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const matches = (await all(scope))
        .filter((memory) => listOptions.pinned === undefined || memory.pinned === listOptions.pinned)
        .filter((memory) => (listOptions.tags ?? []).every((tag) => memory.tags.includes(tag)))
        .filter((memory) => !cursor || isAfterCursor(position(memory), cursor))
        .sort((a, b) => compareNewestFirst(position(a), position(b)));
      const items = matches.slice(0, listOptions.limit);
      const last = items.at(-1);
      return { items, ...(matches.length > listOptions.limit && last ? { nextCursor: encodeCursor(position(last)) } : {}) };
    },
    async update(scope, id, patch) {
      const item = await table.get({ pk: memoryPk(scope), sk: memorySk(id) });
      if (!item) throw new NotFoundError({ kind: 'memory', id });
      const next: Memory = { ...fromItem(item), ...structuredClone(patch), updatedAt: new Date(clock.now()) };
      // Conditional on the version read, so a concurrent update is not silently overwritten.
      if (!(await table.put(toItem(next), { expression: 'updatedAt = :seen', values: { ':seen': item.updatedAt } }))) return this.update(scope, id, patch);
      return next;
    },
    async delete(scope, id) {
      return table.delete({ pk: memoryPk(scope), sk: memorySk(id) }, { expression: 'attribute_exists(pk)' });
    },
    async search(scope, searchOptions) {
      const memories = await all(scope);
      const byId = new Map(memories.map((memory) => [memory.id, memory]));
      const index = new LexicalIndex();
      const tags = searchOptions.tags ?? [];
      for (const memory of memories) if (tags.every((tag) => memory.tags.includes(tag))) index.add(memory.id, memory.text, 'scope');
      return index.search(searchOptions.query, { partitionKey: 'scope', limit: searchOptions.limit }).map((hit) => ({ memory: byId.get(hit.id)!, score: hit.score }));
    },
    async prefetch(scope, limit) {
      const memories = await all(scope);
      const pinned = memories.filter((memory) => memory.pinned).sort((a, b) => compareNewestFirst(position(a), position(b)));
      return { pinned: pinned.slice(0, limit), morePinned: pinned.length > limit, unpinned: memories.some((memory) => !memory.pinned) };
    },
    async eraseScope(scope) {
      const items = await table.queryAll({ keyCondition: 'pk = :pk AND begins_with(sk, :m)', values: { ':pk': memoryPk(scope), ':m': MEMORY_PREFIX } });
      await table.writeMany({ deletes: items.map((item) => ({ pk: item.pk as string, sk: item.sk as string })) });
      return items.length;
    },
  };
}
