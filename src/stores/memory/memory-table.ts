import { NotFoundError, ValidationError } from '../../errors.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor } from '../../spec/cursor.js';
import type { MemoryPatch } from '../../spec/store.js';
import type { MemoryDriver } from '../define-store/driver.js';
import { memoryOwner, memoryVisibleTo, ownedBy } from '../define-store/records.js';
import { LexicalIndex } from '../../search/lexical-index.js';
import type { Memory, NewMemory, Scope } from '../../types.js';

/** An in-process {@link MemoryStore} plus the erasure hook its owning store calls. */
export interface InProcessMemoryTable extends MemoryDriver {
  /** Deletes every memory of `scope.userId` in the tenant, with its history; returns how many memories. */
  eraseUser(scope: Scope & { readonly userId: string }): number;
}

/**
 * Memories kept in plain maps with a BM25 index for `search` — the memory capability of the
 * in-memory store. Inputs arrive validated by the store layer (`defineStore`), with its clock's
 * `now`. Writes act on exactly the scope (tenant and `userId ?? none`); reads of a user scope also
 * see the tenant's shared (user-less) memories. `put` with a `key` updates that scope's memory with
 * the same key (keeping its id and `createdAt`); a changed text moves the current version to the
 * memory's history first. Values are deep-copied in and out. Every write mutates without
 * awaiting, so it is all-or-nothing.
 */
export function createInProcessMemoryTable(): InProcessMemoryTable {
  /** tenant + id → current version (ids are unique per tenant, as in the Postgres table). */
  const memories = new Map<string, Memory>();
  /** tenant + id → superseded versions, oldest first. */
  const superseded = new Map<string, Memory[]>();
  const index = new LexicalIndex();
  const rowKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
  const partition = (scope: Pick<Scope, 'tenantId' | 'userId'>) => `${scope.tenantId}\u0000${scope.userId ?? ''}\u0000${scope.userId === undefined ? 'tenant' : 'user'}`;
  const copy = <T>(value: T): T => structuredClone(value);

  const owned = (scope: Scope, id: string): Memory | undefined => {
    const memory = memories.get(rowKey(scope.tenantId, id));
    return memory && ownedBy(memory, scope) ? memory : undefined;
  };
  const visible = (scope: Scope, id: string): Memory | undefined => {
    const memory = memories.get(rowKey(scope.tenantId, id));
    return memory && memoryVisibleTo(memory, scope) ? memory : undefined;
  };
  /** Writes `next` as the current version; when its text differs from `previous`, keeps `previous` closed at `now`. */
  const write = (next: Memory, previous: Memory | undefined, now: Date) => {
    const key = rowKey(next.tenantId, next.id);
    if (previous && previous.text !== next.text) superseded.set(key, [...(superseded.get(key) ?? []), { ...previous, validTo: now }]);
    memories.set(key, next);
    index.add(key, next.text, partition(next));
  };
  const remove = (key: string) => {
    memories.delete(key);
    superseded.delete(key);
    index.remove(key);
  };
  /** The partitions a scope searches: its own, and the tenant's shared one for a user. */
  const partitions = (scope: Scope) => (scope.userId === undefined ? [partition(scope)] : [partition(scope), partition({ tenantId: scope.tenantId })]);

  return {
    async put(scope, input: NewMemory, { now }) {
      const byKey = input.key === undefined ? undefined : [...memories.values()].find((memory) => ownedBy(memory, scope) && memory.key === input.key);
      const taken = memories.get(rowKey(scope.tenantId, input.id));
      if (!byKey && taken && !ownedBy(taken, scope)) throw new ValidationError({ field: 'memory.id', message: 'is already used in this tenant; omit it to get a new one' });
      const previous = byKey ?? taken;
      const changed = !previous || previous.text !== input.text;
      const memory: Memory = {
        ...copy(input),
        id: previous?.id ?? input.id,
        ...memoryOwner(scope),
        createdAt: previous?.createdAt ?? now,
        updatedAt: now,
        validFrom: changed ? now : previous.validFrom,
      };
      write(memory, previous, now);
      return copy(memory);
    },

    async get(scope, id) {
      const memory = visible(scope, id);
      return memory ? copy(memory) : null;
    },

    async list(scope, listOptions) {
      const { limit } = listOptions;
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const position = (memory: Memory) => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });
      const matches = [...memories.values()]
        .filter((memory) => memoryVisibleTo(memory, scope))
        .filter((memory) => listOptions.pinned === undefined || memory.pinned === listOptions.pinned)
        .filter((memory) => (listOptions.tags ?? []).every((tag) => memory.tags.includes(tag)))
        .filter((memory) => !cursor || isAfterCursor(position(memory), cursor))
        .sort((a, b) => compareNewestFirst(position(a), position(b)));
      const items = matches.slice(0, limit);
      const last = items.at(-1);
      return { items: copy(items), ...(matches.length > limit && last ? { nextCursor: encodeCursor(position(last)) } : {}) };
    },

    async update(scope, id, patch: MemoryPatch, { now }) {
      const current = owned(scope, id);
      if (!current) throw new NotFoundError({ kind: 'memory', id });
      const changed = patch.text !== undefined && patch.text !== current.text;
      const next: Memory = { ...current, ...copy(patch), updatedAt: now, validFrom: changed ? now : current.validFrom };
      write(next, current, now);
      return copy(next);
    },

    async delete(scope, id) {
      if (!owned(scope, id)) return false;
      remove(rowKey(scope.tenantId, id));
      return true;
    },

    async search(scope, searchOptions) {
      const { limit } = searchOptions;
      const tags = searchOptions.tags ?? [];
      const filter = (key: string) => tags.every((tag) => memories.get(key)?.tags.includes(tag));
      // Each partition's best `limit` (BM25 within the partition), merged by score.
      const hits = partitions(scope)
        .flatMap((partitionKey) => index.search(searchOptions.query, { partitionKey, limit, filter }))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
      return hits.map((hit) => ({ memory: copy(memories.get(hit.id)!), score: hit.score }));
    },

    async history(scope, id, { limit }) {
      const current = visible(scope, id);
      if (!current) return [];
      const older = superseded.get(rowKey(scope.tenantId, id)) ?? [];
      return copy([current, ...[...older].reverse()].slice(0, limit));
    },

    eraseUser(scope) {
      let erased = 0;
      for (const [key, memory] of memories) {
        if (!ownedBy(memory, scope)) continue;
        remove(key);
        erased += 1;
      }
      return erased;
    },
  };
}
