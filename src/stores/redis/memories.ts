import { NotFoundError, StoreError } from '../../errors.js';
import { analyzeText } from '../../search/analyze-text.js';
import { MAX_POSTINGS_SCANNED } from '../../search/lexical-index.js';
import { decodeCursor, encodeCursor } from '../../spec/cursor.js';
import type { PrefetchedMemories } from '../../spec/store.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import type { MemoryDriver } from '../define-store/driver.js';
import { ownerOf } from '../define-store/records.js';
import { fixedMemoryKeys, memoryKeys, type MemoryKeys } from './memory-keys.js';
import * as scripts from './memory-scripts.js';
import { runScript, type RedisClientLike } from './redis-client.js';

/** The memory driver plus what the store's other operations need from it. */
export interface RedisMemories extends MemoryDriver {
  /** Pinned memories newest first (at most `limit`), whether more are pinned, whether any is unpinned: one script. */
  prefetch(scope: Scope, limit: number): Promise<PrefetchedMemories>;
  /** Deletes every memory of exactly `scope` (all its keys); returns how many memories there were. */
  eraseScope(scope: Scope): Promise<number>;
}

/** BM25 parameters, the defaults of `LexicalIndex` (src/search/lexical-index.ts), so scores match the other stores'. */
const BM25 = { k1: 1.2, b: 0.75 };

/**
 * Compare-and-set rounds a write makes before it gives up. Each round fails only because another
 * write to the same memory (or upsert key) committed in between, so N concurrent writers of one
 * memory finish within N rounds; 50 covers any plausible burst.
 */
const MAX_WRITE_ATTEMPTS = 50;

type MemoryPatch = Parameters<MemoryDriver['update']>[2];

/** A memory as read for a compare-and-set write: its stored document, indexed terms and decoded value. */
interface Stored {
  readonly doc: string;
  readonly terms: readonly string[];
  readonly memory: Memory;
}

/**
 * Long-term memories kept natively in Redis, one owner (tenant + user, or the tenant-level scope)
 * per hash tag (see memory-keys.ts), so every operation is one script on one cluster slot.
 *
 * - **Writes** (`put`, `update`, `delete`) read the memory (`READ`: by upsert key, else by id),
 *   build the new document in process, and commit it with `WRITE`, which applies only if the stored
 *   document is still the one read: the document, upsert key, listing and tag sets and the
 *   inverted index change together or not at all. Two round trips; a lost race starts again.
 * - **Lexical search** keeps an inverted index per owner: a posting list per term (memory ids
 *   scored by term frequency), lengths and the collection statistics BM25 needs, all maintained by
 *   `WRITE`. Terms come from `analyzeText` (src/search/), the analyzer of every other store
 *   (stemming, stop words, CJK bigrams). `SEARCH` ranks in Redis, as `LexicalIndex` does, reading
 *   only the query terms' posting lists (at most {@link MAX_POSTINGS_SCANNED} each), so the cost
 *   grows with matches, not with the memories held. Nothing is left out silently: every match of
 *   a term is a candidate unless the term has more postings than that bound, and then the term
 *   only re-scores memories a rarer query term found (as in every store using `LexicalIndex`).
 * - **Listing** walks the smallest of the sorted sets a result must be in (a tag's, the pinned
 *   set, or all memories, each scored by `updatedAt`), newest first with a keyset cursor.
 *
 * Ids are unique per owner (two users may each hold a memory with one id), as in the DynamoDB store.
 * Memories never expire: they carry no TTL in the store specification.
 */
export function createRedisMemories(options: { client: RedisClientLike; prefix: string; clock: { now(): number } }): RedisMemories {
  const { client, prefix, clock } = options;
  const keysOf = (scope: Scope) => memoryKeys(prefix, scope);

  const read = async (scope: Scope, keys: MemoryKeys, upsertKey: string | undefined, id: string): Promise<{ id: string; stored: Stored | null }> => {
    const [resolved, doc, terms] = (await runScript(client, scripts.READ, fixedMemoryKeys(keys), [upsertKey ?? '', id])) as [string, string, string];
    if (doc === '') return { id: resolved, stored: null };
    return { id: resolved, stored: { doc, terms: JSON.parse(terms) as string[], memory: decodeMemory(doc, scope) } };
  };

  /** One compare-and-set write: `after` null deletes. Returns the stored document ('' on delete), or null when `before` is no longer current. */
  const commit = async (keys: MemoryKeys, id: string, before: Stored | null, after: Memory | null, upsertKey: string | undefined): Promise<string | null> => {
    const terms = after ? analyzeText(after.text) : [];
    const frequencies = new Map<string, number>();
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    const oldTerms = new Set(before?.terms ?? []);
    const termNames = [...new Set([...oldTerms, ...frequencies.keys()])];
    const oldTags = new Set(before?.memory.tags ?? []);
    const newTags = new Set(after?.tags ?? []);
    const tagNames = [...new Set([...oldTags, ...newTags])];
    const args: Array<string | number> = [
      id,
      before?.doc ?? '',
      upsertKey ?? '',
      after ? encodeMemory(after) : '',
      after ? after.updatedAt.getTime() : 0,
      after?.pinned ? '1' : '0',
      before?.memory.key ?? '',
      after?.key ?? '',
      terms.length,
      JSON.stringify([...frequencies.keys()]),
      tagNames.length,
      termNames.length,
    ];
    for (const tag of tagNames) args.push(tag, oldTags.has(tag) ? '1' : '0', newTags.has(tag) ? '1' : '0');
    for (const term of termNames) args.push(term, oldTerms.has(term) ? '1' : '0', frequencies.get(term) ?? 0);
    const reply = (await runScript(client, scripts.WRITE, [...fixedMemoryKeys(keys), ...tagNames.map(keys.tag), ...termNames.map(keys.term)], args)) as string[];
    return reply[0] === 'ok' ? reply[1]! : null;
  };

  /** Runs `attempt` until it commits; it returns undefined when it lost a race and must start again. */
  const retrying = async <T>(operation: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    for (let round = 0; round < MAX_WRITE_ATTEMPTS; round += 1) {
      const result = await attempt();
      if (result !== undefined) return result;
    }
    throw new StoreError({ store: 'redis', operation, detail: `the memory changed concurrently ${MAX_WRITE_ATTEMPTS} times in a row; retry the call`, retryable: true });
  };

  const list = async (scope: Scope, listOptions: { readonly tags?: readonly string[]; readonly pinned?: boolean; readonly limit: number; readonly cursor?: string }) => {
    const keys = keysOf(scope);
    const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
    const tags = [...new Set(listOptions.tags ?? [])];
    const pinned = listOptions.pinned === undefined ? '' : listOptions.pinned ? '1' : '0';
    const [docs, more, all, pinnedCount] = (await runScript(client, scripts.LIST, [keys.docs, keys.all, keys.pinned, ...tags.map(keys.tag)], [
      listOptions.limit,
      pinned,
      cursor ? String(cursor.updatedAt) : '',
      cursor?.id ?? '',
    ])) as [string[], string, number, number];
    const items = docs.map((doc) => decodeMemory(doc, scope));
    const last = items.at(-1);
    return { items, more: more === '1' && last !== undefined, last, all: Number(all), pinnedCount: Number(pinnedCount) };
  };

  return {
    async put(scope, input: NewMemory) {
      const keys = keysOf(scope);
      return retrying('memories.put', async () => {
        const { id, stored } = await read(scope, keys, input.key, input.id);
        const now = new Date(clock.now());
        const memory: Memory = { ...withoutUndefined(input), id, ...ownerOf(scope), createdAt: stored?.memory.createdAt ?? now, updatedAt: now };
        const doc = await commit(keys, id, stored, memory, input.key);
        return doc === null ? undefined : decodeMemory(doc, scope);
      });
    },

    async get(scope, id) {
      const doc = await client.hget(keysOf(scope).docs, id);
      return doc === null ? null : decodeMemory(doc, scope);
    },

    async list(scope, listOptions) {
      const page = await list(scope, listOptions);
      return { items: page.items, ...(page.more && page.last ? { nextCursor: encodeCursor({ updatedAt: page.last.updatedAt.getTime(), id: page.last.id }) } : {}) };
    },

    async update(scope, id, patch) {
      const keys = keysOf(scope);
      return retrying('memories.update', async () => {
        const { stored } = await read(scope, keys, undefined, id);
        if (!stored) throw new NotFoundError({ kind: 'memory', id });
        const memory: Memory = { ...stored.memory, ...pickPatch(patch), updatedAt: new Date(clock.now()) };
        const doc = await commit(keys, id, stored, memory, undefined);
        return doc === null ? undefined : decodeMemory(doc, scope);
      });
    },

    async delete(scope, id) {
      const keys = keysOf(scope);
      return retrying('memories.delete', async () => {
        const { stored } = await read(scope, keys, undefined, id);
        if (!stored) return false;
        return (await commit(keys, id, stored, null, undefined)) === null ? undefined : true;
      });
    },

    async search(scope, searchOptions) {
      const terms = [...new Set(analyzeText(searchOptions.query))];
      if (terms.length === 0) return [];
      const keys = keysOf(scope);
      const tags = [...new Set(searchOptions.tags ?? [])];
      const reply = (await runScript(client, scripts.SEARCH, [keys.docs, keys.lengths, keys.stats, ...tags.map(keys.tag), ...terms.map(keys.term)], [
        searchOptions.limit,
        tags.length,
        MAX_POSTINGS_SCANNED,
        BM25.k1,
        BM25.b,
      ])) as string[];
      const hits: Array<{ memory: Memory; score: number }> = [];
      for (let index = 0; index < reply.length; index += 2) hits.push({ memory: decodeMemory(reply[index]!, scope), score: Number(reply[index + 1]) });
      return hits;
    },

    async prefetch(scope, limit) {
      const page = await list(scope, { pinned: true, limit });
      return { pinned: page.items, morePinned: page.more, unpinned: page.all > page.pinnedCount };
    },

    async eraseScope(scope) {
      const keys = keysOf(scope);
      return retrying('eraseUser', async () => {
        const [tags, terms] = await Promise.all([client.smembers(keys.tagNames), client.smembers(keys.vocabulary)]);
        const reply = (await runScript(client, scripts.ERASE, [...fixedMemoryKeys(keys), ...tags.map(keys.tag), ...terms.map(keys.term)], [tags.length, ...tags, ...terms])) as [string, number?];
        return reply[0] === 'ok' ? Number(reply[1]) : undefined;
      });
    },
  };
}

/**
 * A memory's stored JSON: every field but the owner (the keys say it), times in epoch ms first.
 * Field values round-trip through JSON unchanged (the store validated them as JSON).
 */
function encodeMemory(memory: Memory): string {
  const { tenantId: _tenantId, userId: _userId, createdAt, updatedAt, ...fields } = memory;
  return JSON.stringify({ createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime(), ...fields });
}

function decodeMemory(doc: string, scope: Scope): Memory {
  const { createdAt, updatedAt, ...fields } = JSON.parse(doc) as Omit<Memory, 'tenantId' | 'userId' | 'createdAt' | 'updatedAt'> & { createdAt: number; updatedAt: number };
  return { ...fields, ...ownerOf(scope), createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) };
}

/** The patchable fields that are present (an `undefined` field leaves the stored value). */
function pickPatch(patch: MemoryPatch): MemoryPatch {
  const picked: Record<string, unknown> = {};
  for (const field of ['text', 'tags', 'pinned', 'metadata', 'tokenCounts', 'contentHash'] as const) if (patch[field] !== undefined) picked[field] = structuredClone(patch[field]);
  return picked as MemoryPatch;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(structuredClone(value)).filter(([, field]) => field !== undefined)) as T;
}
