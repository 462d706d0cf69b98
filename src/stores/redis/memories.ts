import { LRUCache } from 'lru-cache';
import { NotFoundError, StoreError } from '../../errors.js';
import { analyzeText } from '../../search/analyze-text.js';
import { decodeCursor, encodeCursor, type ListCursor } from '../../spec/cursor.js';
import type { MemoryPatch, PrefetchedMemories } from '../../spec/store.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import type { MemoryDriver } from '../define-store/driver.js';
import { memoryOwner } from '../define-store/records.js';
import { fixedMemoryKeys, memoryKeys, type MemoryKeys } from './memory-keys.js';
import * as scripts from './memory-scripts.js';
import { runScript, type RedisClientLike, type RedisTransactionLike } from './redis-client.js';

/** The memory driver plus what the store's other operations need from it. */
export interface RedisMemories extends MemoryDriver {
  /** Pinned memories newest first (at most `limit`), whether more are pinned, whether any is unpinned: one script. */
  prefetch(scope: Scope, limit: number): Promise<PrefetchedMemories>;
  /**
   * {@link prefetch} as native commands a caller queues in its own `MULTI` (a standalone server:
   * the keys span slots), and how to turn their replies, in order, into the result.
   */
  prefetchQueued(scope: Scope, limit: number): QueuedPrefetch;
  /** Deletes every memory of exactly `scope` (all its keys); returns how many memories there were. */
  eraseScope(scope: Scope): Promise<number>;
}

/** Commands queued in a caller's transaction, and the result from their replies. */
export interface QueuedPrefetch {
  /** Queues the commands on `transaction`; returns how many replies they add. */
  queue(transaction: RedisTransactionLike): number;
  /** The result from those replies, in order (a second round trip only for pinned memories not guessed). */
  finish(replies: ReadonlyArray<readonly [Error | null, unknown]>): Promise<PrefetchedMemories>;
}

/** Owners whose pinned ids this process remembers (the next prefetch reads their documents in the same `MULTI`). */
const MAX_REMEMBERED_OWNERS = 10_000;

/** BM25 parameters, the defaults of `LexicalIndex` (src/search/lexical-index.ts), so scores match the other stores'. */
const BM25 = { k1: 1.2, b: 0.75 };

/**
 * Postings of one query term a memory search reads at most (the strongest: highest term frequency,
 * then shortest memory). Redis runs a script alone, so a search must stay short: each value a
 * script reads costs ≈ 1.3 µs (measured on Redis 7.0, see tail-read.ts), and a term in every
 * memory would otherwise cost time in proportion to all of them. 1,000 is as many candidates as
 * the PostgreSQL store ranks (`MEMORY_SEARCH_CANDIDATES`); an owner with fewer memories per term
 * is searched exhaustively, exactly as the in-process index does.
 */
export const MEMORY_POSTINGS_SCANNED = 1000;

/**
 * Compare-and-set rounds a write makes before it gives up. Each round fails only because another
 * write to the same memory (or upsert key) committed in between, so N concurrent writers of one
 * memory finish within N rounds; 50 covers any plausible burst.
 */
const MAX_WRITE_ATTEMPTS = 50;

/** A memory as read for a compare-and-set write: its stored document, indexed terms and decoded value. */
interface Stored {
  readonly doc: string;
  readonly terms: readonly string[];
  readonly memory: Memory;
}

/**
 * Long-term memories kept natively in Redis, one owner (tenant + user, or the tenant-level scope)
 * per hash tag (see memory-keys.ts), so every write is one script on one cluster slot.
 *
 * - **Writes** (`put`, `update`, `delete`) act on exactly the scope's own keys. They read the
 *   memory (`READ`: by upsert key, else by id), build the new version in process, and commit it
 *   with `WRITE`, which applies only if the stored version is still the one read: the document,
 *   its superseded versions, upsert key, listing and tag sets and the inverted index change
 *   together or not at all. Two round trips; a lost race starts again.
 * - **History**: a write that changes the text prepends the previous version, closed with
 *   `validTo = now`, to the memory's entry in the `versions` hash; `delete` and erasure drop it.
 * - **Reads** of a user scope also read the tenant's shared (user-less) memories, which live in the
 *   tenant-level owner's slot: both slots are read concurrently and merged — listings by
 *   (updatedAt, id), searches by score (each owner ranked within itself, as the in-process store
 *   does; equal scores newest first, as listings and the PostgreSQL store order them).
 * - **Lexical search** keeps an inverted index per owner: a posting list per term (memory ids
 *   scored by term frequency and memory length) and the collection statistics, all maintained by
 *   `WRITE`. Terms come from `analyzeText` (src/search/), the analyzer of every other store
 *   (stemming, stop words, CJK bigrams). `SEARCH` ranks in Redis, as `LexicalIndex` does, reading
 *   only the query terms' posting lists (at most {@link MEMORY_POSTINGS_SCANNED} each, the
 *   strongest first), so the cost grows with matches, not with the memories held. Every match of a
 *   term is a candidate unless the term is in more memories than that bound: then its strongest
 *   postings are, and the term adds to memories a rarer query term found (as `LexicalIndex` does
 *   beyond its own bound).
 * - **Listing** walks the smallest of the sorted sets a result must be in (a tag's, the pinned
 *   set, or all memories, each scored by `updatedAt`), newest first with a keyset cursor; ties in
 *   `updatedAt` are ordered by id in code point (UTF-8 byte) order, the order Redis keeps them in.
 *
 * Ids are unique per owner (a user and the tenant may each hold a memory with one id; a user's
 * `get` and `history` then read the user's own), as in the DynamoDB store: a tenant-wide check
 * would span cluster slots. Memories never expire: the store specification gives them no TTL.
 */
export function createRedisMemories(options: { client: RedisClientLike; prefix: string }): RedisMemories {
  const { client, prefix } = options;
  const keysOf = (scope: Scope) => memoryKeys(prefix, scope);
  const rememberedPinned = new LRUCache<string, readonly string[]>({ max: MAX_REMEMBERED_OWNERS });
  const remember = (owner: string, ids: readonly string[]) => rememberedPinned.set(owner, ids);
  /** The owners whose memories `scope` reads: its own, and for a user the tenant's shared ones. */
  const readers = (scope: Scope): Scope[] => (scope.userId === undefined ? [scope] : [scope, { tenantId: scope.tenantId }]);

  const read = async (scope: Scope, keys: MemoryKeys, upsertKey: string | undefined, id: string): Promise<{ id: string; stored: Stored | null }> => {
    const [resolved, doc, terms] = (await runScript(client, scripts.READ, fixedMemoryKeys(keys), [upsertKey ?? '', id])) as [string, string, string];
    if (doc === '') return { id: resolved, stored: null };
    return { id: resolved, stored: { doc, terms: JSON.parse(terms) as string[], memory: decodeMemory(doc, scope) } };
  };

  /**
   * One compare-and-set write: `after` null deletes. `superseded` is the version a changed text
   * closes. Returns the stored document ('' on delete), or null when `before` is no longer current.
   */
  const commit = async (keys: MemoryKeys, id: string, change: { before: Stored | null; after: Memory | null; superseded?: Memory; upsertKey?: string }): Promise<string | null> => {
    const { before, after } = change;
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
      change.upsertKey ?? '',
      after ? encodeMemory(after) : '',
      after ? after.updatedAt.getTime() : 0,
      after?.pinned ? '1' : '0',
      before?.memory.key ?? '',
      after?.key ?? '',
      terms.length,
      JSON.stringify([...frequencies.keys()]),
      tagNames.length,
      termNames.length,
      change.superseded ? encodeMemory(change.superseded) : '',
    ];
    for (const tag of tagNames) args.push(tag, oldTags.has(tag) ? '1' : '0', newTags.has(tag) ? '1' : '0');
    for (const term of termNames) {
      const frequency = frequencies.get(term);
      args.push(term, oldTerms.has(term) ? '1' : '0', frequency === undefined ? 0 : scripts.postingScore(frequency, terms.length));
    }
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

  /** One owner's page (`LIST`): at most `limit` items after `cursor`, whether it holds more, and its total and pinned counts. */
  const listOwner = async (owner: Scope, listOptions: ListOptions, cursor: ListCursor | undefined): Promise<OwnerPage> => {
    const keys = keysOf(owner);
    const tags = [...new Set(listOptions.tags ?? [])];
    const pinned = listOptions.pinned === undefined ? '' : listOptions.pinned ? '1' : '0';
    const [docs, more, all, pinnedCount] = (await runScript(client, scripts.LIST, [keys.docs, keys.all, keys.pinned, ...tags.map(keys.tag)], [
      listOptions.limit,
      pinned,
      cursor ? String(cursor.updatedAt) : '',
      cursor?.id ?? '',
    ])) as [string[], string, number, number];
    return { items: docs.map((doc) => decodeMemory(doc, owner)), more: more === '1', all: Number(all), pinnedCount: Number(pinnedCount) };
  };

  /** The owners' pages merged newest first: the first `limit` items, and whether any owner holds more. */
  const list = async (scope: Scope, listOptions: ListOptions) => {
    const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
    const pages = await Promise.all(readers(scope).map((owner) => listOwner(owner, listOptions, cursor)));
    return mergePages(pages, listOptions.limit);
  };

  return {
    async put(scope, input: NewMemory, { now }) {
      const keys = keysOf(scope);
      return retrying('memories.put', async () => {
        const { id, stored } = await read(scope, keys, input.key, input.id);
        const previous = stored?.memory;
        const changed = !previous || previous.text !== input.text;
        const memory: Memory = {
          ...withoutUndefined(input),
          id,
          ...memoryOwner(scope),
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
          validFrom: changed ? now : previous.validFrom,
        };
        const doc = await commit(keys, id, { before: stored, after: memory, ...(previous && changed ? { superseded: { ...previous, validTo: now } } : {}), ...(input.key !== undefined ? { upsertKey: input.key } : {}) });
        return doc === null ? undefined : decodeMemory(doc, scope);
      });
    },

    async get(scope, id) {
      const docs = await Promise.all(readers(scope).map((owner) => client.hget(keysOf(owner).docs, id)));
      const found = docs.findIndex((doc) => doc !== null);
      return found === -1 ? null : decodeMemory(docs[found]!, readers(scope)[found]!);
    },

    async list(scope, listOptions) {
      const page = await list(scope, listOptions);
      const last = page.items.at(-1);
      return { items: page.items, ...(page.more && last ? { nextCursor: encodeCursor(position(last)) } : {}) };
    },

    async update(scope, id, patch, { now }) {
      const keys = keysOf(scope);
      return retrying('memories.update', async () => {
        const { stored } = await read(scope, keys, undefined, id);
        if (!stored) throw new NotFoundError({ kind: 'memory', id });
        const previous = stored.memory;
        const changed = patch.text !== undefined && patch.text !== previous.text;
        const memory: Memory = { ...previous, ...pickPatch(patch), updatedAt: now, validFrom: changed ? now : previous.validFrom };
        const doc = await commit(keys, id, { before: stored, after: memory, ...(changed ? { superseded: { ...previous, validTo: now } } : {}) });
        return doc === null ? undefined : decodeMemory(doc, scope);
      });
    },

    async delete(scope, id) {
      const keys = keysOf(scope);
      return retrying('memories.delete', async () => {
        const { stored } = await read(scope, keys, undefined, id);
        if (!stored) return false;
        return (await commit(keys, id, { before: stored, after: null })) === null ? undefined : true;
      });
    },

    async search(scope, searchOptions) {
      const terms = [...new Set(analyzeText(searchOptions.query))];
      if (terms.length === 0) return [];
      const tags = [...new Set(searchOptions.tags ?? [])];
      const perOwner = await Promise.all(
        readers(scope).map(async (owner) => {
          const keys = keysOf(owner);
          const reply = (await runScript(client, scripts.SEARCH, [keys.docs, keys.stats, keys.all, ...tags.map(keys.tag), ...terms.map(keys.term)], [
            searchOptions.limit,
            tags.length,
            MEMORY_POSTINGS_SCANNED,
            BM25.k1,
            BM25.b,
          ])) as string[];
          const hits: Array<{ memory: Memory; score: number }> = [];
          for (let index = 0; index < reply.length; index += 2) hits.push({ memory: decodeMemory(reply[index]!, owner), score: Number(reply[index + 1]) });
          return hits;
        }),
      );
      // Equal scores as within one owner (SEARCH): newest first, then id.
      return perOwner
        .flat()
        .sort((a, b) => b.score - a.score || compareNewestFirstByCodePoint(position(a.memory), position(b.memory)))
        .slice(0, searchOptions.limit);
    },

    async history(scope, id, { limit }) {
      const owners = readers(scope);
      // One MULTI per owner, so the current version and the superseded ones come from one moment.
      const reads = await Promise.all(
        owners.map(async (owner) => {
          const replies = await client.multi().hget(keysOf(owner).docs, id).hget(keysOf(owner).versions, id).exec();
          if (!replies) throw new Error('MULTI aborted');
          for (const [error] of replies) if (error) throw error;
          return replies.map(([, value]) => value as string | null) as [string | null, string | null];
        }),
      );
      const found = reads.findIndex(([doc]) => doc !== null);
      if (found === -1) return [];
      const [doc, versions] = reads[found]!;
      const older = versions === null ? [] : versions.split('\n');
      return [doc!, ...older.slice(0, limit - 1)].map((json) => decodeMemory(json, owners[found]!));
    },

    async prefetch(scope, limit) {
      const page = await list(scope, { pinned: true, limit });
      return { pinned: page.items, morePinned: page.more, unpinned: page.unpinned };
    },

    /**
     * Natively, per owner: `ZCARD` of all memories, the newest `limit + 1` pinned ids (`ZREVRANGE`
     * of the pinned set, scored by `updatedAt`: ties in descending byte order, as the `LIST` script
     * walks them) and `HMGET` of the documents of the ids this process saw pinned last time. The `LIST` script it replaces cost ≈ 40 µs of server time per owner even for an
     * owner with no memories (two per user read), more than the conversation's whole `MULTI`.
     * Ids not guessed are read with one more `HMGET` per owner, and the pinned count with `ZCARD`
     * only when more than `limit` are pinned.
     */
    prefetchQueued(scope, limit) {
      const plans: PinnedPlan[] = [];
      for (const owner of readers(scope)) {
        const remembered = JSON.stringify([owner.tenantId, owner.userId ?? null]);
        plans.push({ owner, keys: keysOf(owner), remembered, guess: rememberedPinned.get(remembered) ?? [] });
      }
      return new QueuedPinnedRead(client, plans, limit, remember);
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

type ListOptions = Parameters<MemoryDriver['list']>[1];

interface OwnerPage {
  readonly items: Memory[];
  readonly more: boolean;
  readonly all: number;
  readonly pinnedCount: number;
}

function mergePages(pages: readonly OwnerPage[], limit: number): { items: Memory[]; more: boolean; unpinned: boolean } {
  const merged = pages.flatMap((page) => page.items).sort((a, b) => compareNewestFirstByCodePoint(position(a), position(b)));
  const items = merged.slice(0, limit);
  return {
    items,
    more: merged.length > limit || pages.some((page) => page.more),
    unpinned: pages.some((page) => page.all > page.pinnedCount),
  };
}

/** One owner's part of a queued pinned read: its keys, and the ids this process saw pinned last time. */
interface PinnedPlan {
  readonly owner: Scope;
  readonly keys: MemoryKeys;
  /** Key of the owner's remembered pinned ids. */
  readonly remembered: string;
  readonly guess: readonly string[];
}

interface PinnedReply {
  readonly plan: PinnedPlan;
  readonly all: number;
  readonly ids: readonly string[];
  readonly shown: readonly string[];
  readonly guessed: Map<string, string | null>;
  readonly missing: readonly string[];
}

/**
 * A pinned-memories read queued in a caller's `MULTI` (see `prefetchQueued`). A class, not an object
 * of closures: it is built on every assembly.
 */
class QueuedPinnedRead implements QueuedPrefetch {
  constructor(
    private readonly client: RedisClientLike,
    private readonly plans: readonly PinnedPlan[],
    private readonly limit: number,
    private readonly remember: (owner: string, ids: readonly string[]) => void,
  ) {}

  queue(transaction: RedisTransactionLike): number {
    let replies = 0;
    for (const plan of this.plans) {
      transaction.zcard(plan.keys.all).zrevrange(plan.keys.pinned, 0, this.limit);
      replies += 2;
      if (plan.guess.length > 0) {
        transaction.hmget(plan.keys.docs, ...plan.guess);
        replies += 1;
      }
    }
    return replies;
  }

  async finish(replies: ReadonlyArray<readonly [Error | null, unknown]>): Promise<PrefetchedMemories> {
    for (const [error] of replies) if (error) throw error;
    let at = 0;
    const read: PinnedReply[] = [];
    for (const plan of this.plans) {
      const all = Number(replies[at]![1]);
      const ids = replies[at + 1]![1] as string[];
      const guessed = new Map<string, string | null>();
      if (plan.guess.length > 0) (replies[at + 2]![1] as Array<string | null>).forEach((doc, index) => guessed.set(plan.guess[index]!, doc));
      at += plan.guess.length > 0 ? 3 : 2;
      const shown = ids.slice(0, this.limit);
      read.push({ plan, all, ids, shown, guessed, missing: shown.filter((id) => !guessed.has(id)) });
    }
    // Usually every document was guessed (or nothing is pinned): no second read, no await.
    const pages = read.every((owner) => this.complete(owner))
      ? read.map((owner) => this.page(owner, owner.ids.length))
      : await Promise.all(read.map((owner) => this.readRest(owner)));
    const page = mergePages(pages, this.limit);
    return { pinned: page.items, morePinned: page.more, unpinned: page.unpinned };
  }

  private complete(owner: PinnedReply): boolean {
    return owner.missing.length === 0 && owner.ids.length <= this.limit;
  }

  private async readRest(owner: PinnedReply): Promise<OwnerPage> {
    if (this.complete(owner)) return this.page(owner, owner.ids.length);
    // More pinned than the limit: whether any memory is unpinned takes the exact pinned count.
    const { plan, ids, guessed, missing } = owner;
    const [docs, pinnedCount] = await Promise.all([
      missing.length > 0 ? this.client.hmget(plan.keys.docs, ...missing) : undefined,
      ids.length > this.limit ? this.client.zcard(plan.keys.pinned) : ids.length,
    ]);
    docs?.forEach((doc, index) => guessed.set(missing[index]!, doc));
    return this.page(owner, pinnedCount);
  }

  private page({ plan, all, ids, shown, guessed }: PinnedReply, pinnedCount: number): OwnerPage {
    this.remember(plan.remembered, shown);
    // A document gone in the second read (deleted meanwhile) is left out, as a later read would.
    const items: Memory[] = [];
    for (const id of shown) {
      const doc = guessed.get(id);
      if (doc) items.push(decodeMemory(doc, plan.owner));
    }
    return { items, more: ids.length > this.limit, all, pinnedCount };
  }
}

const position = (memory: Memory): ListCursor => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });

/**
 * Newest first by (updatedAt, id), ids compared by code point — the byte order of their UTF-8,
 * which is how Redis orders sorted-set ties and how the `LIST` script applies a cursor.
 */
function compareNewestFirstByCodePoint(a: ListCursor, b: ListCursor): number {
  if (a.updatedAt !== b.updatedAt) return b.updatedAt - a.updatedAt;
  const left = [...a.id];
  const right = [...b.id];
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const difference = left[index]!.codePointAt(0)! - right[index]!.codePointAt(0)!;
    if (difference !== 0) return -difference;
  }
  return right.length - left.length;
}

/**
 * A memory version's stored JSON: every field but the owner fields (`tenantId`, `userId`,
 * `shared`: the keys say them), times in epoch ms. Field values round-trip through JSON unchanged
 * (the store validated them as JSON).
 */
function encodeMemory(memory: Memory): string {
  const { tenantId: _tenantId, userId: _userId, shared: _shared, createdAt, updatedAt, validFrom, validTo, ...fields } = memory;
  return JSON.stringify({ ...fields, createdAt: createdAt.getTime(), updatedAt: updatedAt.getTime(), validFrom: validFrom.getTime(), ...(validTo ? { validTo: validTo.getTime() } : {}) });
}

/** A stored version of a memory owned by `owner` (the owner fields come from it). */
function decodeMemory(doc: string, owner: Scope): Memory {
  const { createdAt, updatedAt, validFrom, validTo, ...fields } = JSON.parse(doc) as Omit<Memory, 'tenantId' | 'userId' | 'shared' | 'createdAt' | 'updatedAt' | 'validFrom' | 'validTo'> & {
    createdAt: number;
    updatedAt: number;
    validFrom: number;
    validTo?: number;
  };
  return {
    ...fields,
    ...memoryOwner(owner),
    createdAt: new Date(createdAt),
    updatedAt: new Date(updatedAt),
    validFrom: new Date(validFrom),
    ...(validTo !== undefined ? { validTo: new Date(validTo) } : {}),
  };
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
