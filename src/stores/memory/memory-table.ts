import { NotFoundError, ValidationError } from '../../errors.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor } from '../../spec/cursor.js';
import type { MemoryDriver } from '../define-store/driver.js';
import { ownedBy, ownerOf } from '../define-store/records.js';
import { LexicalIndex } from '../../search/lexical-index.js';
import type { Memory, NewMemory, Scope } from '../../types.js';

/** An in-process {@link MemoryStore} plus the erasure hook its owning store calls. */
export interface InProcessMemoryTable extends MemoryDriver {
  /** Deletes every memory of `scope.userId` in the tenant; returns how many. */
  eraseUser(scope: Scope & { readonly userId: string }): number;
}

/**
 * Memories kept in plain maps with a BM25 index for `search` — the memory capability of the
 * in-memory store. Inputs arrive validated by the store layer (`defineStore`). Ownership is exact
 * (tenant and `userId ?? none`), like conversations; `put` with a `key` updates that scope's memory
 * with the same key (keeping its id and `createdAt`). Values are deep-copied in and out. Every write
 * mutates without awaiting, so it is all-or-nothing.
 *
 * @param options.clock ms since epoch for `createdAt`/`updatedAt`. @default Date
 */
export function createInProcessMemoryTable(options: { clock?: { now(): number } } = {}): InProcessMemoryTable {
  const clock = options.clock ?? { now: () => Date.now() };
  /** tenant + id → memory (ids are unique per tenant, as in the Postgres table). */
  const memories = new Map<string, Memory>();
  const index = new LexicalIndex();
  const rowKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
  const partition = (scope: Pick<Scope, 'tenantId' | 'userId'>) => `${scope.tenantId}\u0000${scope.userId ?? ''}\u0000${scope.userId === undefined ? 'tenant' : 'user'}`;
  const owns = (scope: Scope, memory: Memory) => ownedBy(memory, scope);
  const copy = <T>(value: T): T => structuredClone(value);

  const owned = (scope: Scope, id: string): Memory | undefined => {
    const memory = memories.get(rowKey(scope.tenantId, id));
    return memory && owns(scope, memory) ? memory : undefined;
  };
  const write = (memory: Memory) => {
    memories.set(rowKey(memory.tenantId, memory.id), memory);
    index.add(rowKey(memory.tenantId, memory.id), memory.text, partition(memory));
  };

  return {
    async put(scope, input: NewMemory) {
      const now = new Date(clock.now());
      const byKey = input.key === undefined ? undefined : [...memories.values()].find((memory) => owns(scope, memory) && memory.key === input.key);
      const taken = memories.get(rowKey(scope.tenantId, input.id));
      if (!byKey && taken && !owns(scope, taken)) throw new ValidationError({ field: 'memory.id', message: 'is already used in this tenant; omit it to get a new one' });
      const memory: Memory = {
        ...copy(input),
        id: byKey?.id ?? input.id,
        ...ownerOf(scope),
        createdAt: byKey?.createdAt ?? taken?.createdAt ?? now,
        updatedAt: now,
      };
      write(memory);
      return copy(memory);
    },

    async get(scope, id) {
      const memory = owned(scope, id);
      return memory ? copy(memory) : null;
    },

    async list(scope, listOptions) {
      const { limit } = listOptions;
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const position = (memory: Memory) => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });
      const matches = [...memories.values()]
        .filter((memory) => owns(scope, memory))
        .filter((memory) => listOptions.pinned === undefined || memory.pinned === listOptions.pinned)
        .filter((memory) => (listOptions.tags ?? []).every((tag) => memory.tags.includes(tag)))
        .filter((memory) => !cursor || isAfterCursor(position(memory), cursor))
        .sort((a, b) => compareNewestFirst(position(a), position(b)));
      const items = matches.slice(0, limit);
      const last = items.at(-1);
      return { items: copy(items), ...(matches.length > limit && last ? { nextCursor: encodeCursor(position(last)) } : {}) };
    },

    async update(scope, id, patch) {
      const current = owned(scope, id);
      if (!current) throw new NotFoundError({ kind: 'memory', id });
      const next: Memory = { ...current, ...copy(patch), updatedAt: new Date(clock.now()) };
      write(next);
      return copy(next);
    },

    async delete(scope, id) {
      if (!owned(scope, id)) return false;
      memories.delete(rowKey(scope.tenantId, id));
      index.remove(rowKey(scope.tenantId, id));
      return true;
    },

    async search(scope, searchOptions) {
      const { limit } = searchOptions;
      const tags = searchOptions.tags ?? [];
      const hits = index.search(searchOptions.query, {
        partitionKey: partition(scope),
        limit,
        filter: (key) => tags.every((tag) => memories.get(key)?.tags.includes(tag)),
      });
      return hits.map((hit) => ({ memory: copy(memories.get(hit.id)!), score: hit.score }));
    },

    eraseUser(scope) {
      let erased = 0;
      for (const [key, memory] of memories) {
        if (!owns(scope, memory)) continue;
        memories.delete(key);
        index.remove(key);
        erased += 1;
      }
      return erased;
    },
  };
}
