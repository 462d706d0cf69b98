import { NotFoundError } from '../../errors.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor } from '../../spec/cursor.js';
import type { MemoryPatch, PrefetchedMemories } from '../../spec/store.js';
import { LexicalIndex } from '../../search/lexical-index.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import type { MemoryDriver } from '../define-store/driver.js';
import { memoryOwner } from '../define-store/records.js';
import type { Item } from './codec.js';
import { MEMORY_PREFIX, memoryPk, memorySk, memoryVersionPrefix, memoryVersionSk } from './keys.js';
import type { TableClient } from './table-client.js';

/** The memory driver plus what the store's other reads need from it. */
export interface DynamoDBMemories extends MemoryDriver {
  /** Pinned memories newest first (at most `limit`) and whether unpinned ones exist: one Query per partition read. */
  prefetch(scope: Scope, limit: number): Promise<PrefetchedMemories>;
  /** Deletes every memory of exactly `scope`, with their histories; returns how many memories. */
  eraseScope(scope: Scope): Promise<number>;
}

/** A memory as stored: the record and its revision (how many times its text was superseded). */
interface Stored {
  readonly memory: Memory;
  readonly revision: number;
  readonly item: Item;
}

/**
 * Long-term memories: one partition per scope (`mem:[tenant,user]`), one item per memory
 * (`M#<id>`), and one item per superseded version (`H#"<id>"#<revision>`). Every list, key lookup
 * and search reads the partitions with one paged Query each — the scope's own, and for a user also
 * the tenant's shared one (memories per user stay in the hundreds; cost grows linearly with them —
 * see README) — then sorts or ranks (BM25) in process. Writes touch only the scope's own
 * partition, so ownership is exact by construction.
 *
 * History without transactions (dynalite, the test backend, has none): superseding writes the
 * version item `H#…#<r>` (a copy of the current version, revision `r`) first, then the current
 * item with revision `r + 1`, conditional on the version it read. A write that loses the race, or
 * a crash in between, leaves at most a version item with revision ≥ the current one's: reads
 * ignore those, and the next supersede overwrites it with the same version. Deletion removes the
 * current item first, so a half-done delete leaves only such ignored items.
 */
export function createDynamoDBMemories(options: { table: TableClient }): DynamoDBMemories {
  const { table } = options;
  const position = (memory: Memory) => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });
  const ownKey = (scope: Scope, id: string) => ({ pk: memoryPk(scope), sk: memorySk(id) });
  /** The partitions a scope reads: its own, and the tenant's shared one for a user. */
  const readScopes = (scope: Scope): Scope[] => (scope.userId === undefined ? [scope] : [scope, { tenantId: scope.tenantId }]);

  const encode = (memory: Memory) => JSON.stringify({ ...memory, createdAt: memory.createdAt.getTime(), updatedAt: memory.updatedAt.getTime(), validFrom: memory.validFrom.getTime(), ...(memory.validTo ? { validTo: memory.validTo.getTime() } : {}) });
  const toItem = (memory: Memory, revision: number, writes: number): Item => ({
    pk: memoryPk(memory),
    sk: memorySk(memory.id),
    updatedAt: memory.updatedAt.getTime(),
    revision,
    writes,
    pinned: memory.pinned,
    ...(memory.key !== undefined ? { memoryKey: memory.key } : {}),
    doc: encode(memory),
  });
  const decode = (item: Item): Memory => {
    const raw = JSON.parse(item.doc as string) as Memory & { createdAt: number; updatedAt: number; validFrom?: number; validTo?: number };
    return {
      ...raw,
      shared: raw.userId === undefined,
      createdAt: new Date(raw.createdAt),
      updatedAt: new Date(raw.updatedAt),
      // Items written before history existed carry no validFrom: their text is the first one known.
      validFrom: new Date(raw.validFrom ?? raw.createdAt),
      ...(raw.validTo !== undefined ? { validTo: new Date(raw.validTo) } : {}),
    };
  };
  const stored = (item: Item): Stored => ({ memory: decode(item), revision: Number(item.revision ?? 0), item });
  const partition = async (scope: Scope): Promise<Stored[]> =>
    (await table.queryAll({ keyCondition: 'pk = :pk AND begins_with(sk, :m)', values: { ':pk': memoryPk(scope), ':m': MEMORY_PREFIX } })).map(stored);
  const visible = async (scope: Scope): Promise<Memory[]> => (await Promise.all(readScopes(scope).map(partition))).flat().map((entry) => entry.memory);
  const find = async (scope: Scope, id: string): Promise<Stored | undefined> => {
    for (const reader of readScopes(scope)) {
      const item = await table.get(ownKey(reader, id));
      if (item) return stored(item);
    }
    return undefined;
  };

  /**
   * Writes `next` over `current` (read with its revision): when the text changes, the current
   * version goes to its history item first. @returns false when another write got there first.
   */
  const replace = async (current: Stored, next: Memory, now: Date): Promise<boolean> => {
    const changed = next.text !== current.memory.text;
    if (changed) {
      await table.put({ pk: current.item.pk as string, sk: memoryVersionSk(current.memory.id, current.revision), revision: current.revision, doc: encode({ ...current.memory, validTo: now }) });
    }
    // Every write counts up `writes`; items from before it existed are matched by updatedAt.
    const writes = current.item.writes === undefined ? undefined : Number(current.item.writes);
    const condition =
      writes === undefined
        ? { expression: 'attribute_not_exists(writes) AND updatedAt = :seen', values: { ':seen': current.item.updatedAt } }
        : { expression: 'writes = :seen', values: { ':seen': writes } };
    return table.put(toItem(next, changed ? current.revision + 1 : current.revision, (writes ?? 0) + 1), condition);
  };

  const driver: DynamoDBMemories = {
    async put(scope, input: NewMemory, { now }) {
      for (;;) {
        const own = await partition(scope);
        const current = (input.key === undefined ? undefined : own.find((entry) => entry.memory.key === input.key)) ?? own.find((entry) => entry.memory.id === input.id);
        const base = { ...structuredClone(input), ...memoryOwner(scope), updatedAt: now };
        if (!current) {
          const memory: Memory = { ...base, createdAt: now, validFrom: now };
          if (await table.put(toItem(memory, 0, 1), { expression: 'attribute_not_exists(pk)' })) return memory;
          continue;
        }
        const memory: Memory = { ...base, id: current.memory.id, createdAt: current.memory.createdAt, validFrom: input.text === current.memory.text ? current.memory.validFrom : now };
        if (await replace(current, memory, now)) return memory;
      }
    },
    async get(scope, id) {
      return (await find(scope, id))?.memory ?? null;
    },
    async list(scope, listOptions) {
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const matches = (await visible(scope))
        .filter((memory) => listOptions.pinned === undefined || memory.pinned === listOptions.pinned)
        .filter((memory) => (listOptions.tags ?? []).every((tag) => memory.tags.includes(tag)))
        .filter((memory) => !cursor || isAfterCursor(position(memory), cursor))
        .sort((a, b) => compareNewestFirst(position(a), position(b)));
      const items = matches.slice(0, listOptions.limit);
      const last = items.at(-1);
      return { items, ...(matches.length > listOptions.limit && last ? { nextCursor: encodeCursor(position(last)) } : {}) };
    },
    async update(scope, id, patch: MemoryPatch, { now }) {
      for (;;) {
        const item = await table.get(ownKey(scope, id));
        if (!item) throw new NotFoundError({ kind: 'memory', id });
        const current = stored(item);
        const changed = patch.text !== undefined && patch.text !== current.memory.text;
        const next: Memory = { ...current.memory, ...structuredClone(patch), updatedAt: now, validFrom: changed ? now : current.memory.validFrom };
        // Conditional on the version read, so a concurrent update is not silently overwritten.
        if (await replace(current, next, now)) return next;
      }
    },
    async delete(scope, id) {
      if (!(await table.delete(ownKey(scope, id), { expression: 'attribute_exists(pk)' }))) return false;
      await deleteVersions(scope, id);
      return true;
    },
    async search(scope, searchOptions) {
      const memories = await visible(scope);
      const byId = new Map(memories.map((memory) => [memory.id, memory]));
      const index = new LexicalIndex();
      const tags = searchOptions.tags ?? [];
      for (const memory of memories) if (tags.every((tag) => memory.tags.includes(tag))) index.add(memory.id, memory.text, 'scope');
      return index.search(searchOptions.query, { partitionKey: 'scope', limit: searchOptions.limit }).map((hit) => ({ memory: byId.get(hit.id)!, score: hit.score }));
    },
    async history(scope, id, { limit }) {
      const current = await find(scope, id);
      if (!current) return [];
      const older = await table.queryAll({
        keyCondition: 'pk = :pk AND begins_with(sk, :h)',
        values: { ':pk': current.item.pk, ':h': memoryVersionPrefix(id) },
        forward: false,
      });
      // Only versions below the current revision are committed (see above).
      const committed = older.filter((item) => Number(item.revision) < current.revision).map(decode);
      return [current.memory, ...committed].slice(0, limit);
    },
    async prefetch(scope, limit) {
      const memories = await visible(scope);
      const pinned = memories.filter((memory) => memory.pinned).sort((a, b) => compareNewestFirst(position(a), position(b)));
      return { pinned: pinned.slice(0, limit), morePinned: pinned.length > limit, unpinned: memories.some((memory) => !memory.pinned) };
    },
    async eraseScope(scope) {
      const items = await table.queryAll({ keyCondition: 'pk = :pk', values: { ':pk': memoryPk(scope) } });
      await table.writeMany({ deletes: items.map((item) => ({ pk: item.pk as string, sk: item.sk as string })) });
      return items.filter((item) => (item.sk as string).startsWith(MEMORY_PREFIX)).length;
    },
  };

  async function deleteVersions(scope: Scope, id: string): Promise<void> {
    const items = await table.queryAll({ keyCondition: 'pk = :pk AND begins_with(sk, :h)', values: { ':pk': memoryPk(scope), ':h': memoryVersionPrefix(id) } });
    await table.writeMany({ deletes: items.map((item) => ({ pk: item.pk as string, sk: item.sk as string })) });
  }

  return driver;
}
