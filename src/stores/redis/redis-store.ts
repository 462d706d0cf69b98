import type { Store } from '../../spec/store.js';
import { defineStore } from '../define-store/define-store.js';
import type { StoreDriver } from '../define-store/driver.js';
import { createConversationOperations } from './conversations.js';
import { createErasureOperations } from './erasure.js';
import { createRedisMemories } from './memories.js';
import { createMessageOperations } from './messages.js';
import { toStoreError, type RedisClientLike } from './redis-client.js';
import { createRedisContext } from './redis-context.js';
import { createMessageSearch, type RedisSearchIndexOptions } from './search.js';
import { createSnapshotOperations } from './snapshots.js';
import { createSummaryOperations } from './summaries.js';

export { SEARCH_INDEX, type RedisSearchIndexOptions } from './search.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** An `ioredis` `Redis` or `Cluster` instance (typed structurally). The caller owns it and closes it. */
  readonly client: RedisClientLike;
  /** Prefix of every key. @default "llmctx:v1:" */
  readonly keyPrefix?: string;
  /** Clock in ms since epoch; tests inject one to exercise TTL. @default Date.now */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
  /** Bounds of the lexical index's work per search, each defaulting to {@link SEARCH_INDEX}'s. */
  readonly searchIndex?: RedisSearchIndexOptions;
}

/**
 * A Redis store (`llm-context/redis`) for `ioredis` `Redis` or `Cluster` clients: low latency,
 * native TTL, one cluster slot per conversation.
 *
 * **Key layout** (prefix `P`, default `llmctx:v1:`; tenant, user and conversation ids
 * percent-encoded so `{`, `}` and `:` inside ids cannot break a hash tag):
 * - `P{t:<tenant>:c:<conversation>}:meta` — hash: the conversation's fields (`tags`, `state`,
 *   `metadata` as JSON; times in epoch ms; `lastSeq`, `messageCount`, `tokenCount`).
 * - `…:msgs` — sorted set: score = seq, member = the message JSON (with its seq and id, so unique),
 *   which starts `{"seq":N,"tc":";o200k_base=42;…"`: the per-message token counts, kept at a fixed
 *   head so the tail script reads them with one anchored match and never parses a message.
 * - `…:ids` — hash: message id → seq (idempotency, delete by id).
 * - `…:tok` — hash: seq → primary-encoding count, written by fork and import only; appends leave
 *   it out (one write fewer) and a delete reads the count from the member's `tc` head instead.
 * - `…:sum` — hash: `c` = coversThroughSeq, `j` = the summary JSON.
 * - `P{t:<tenant>:u:<user or ->}:convs`, `…:tag:<tag>`, `…:parent:<id>` — sorted sets of
 *   conversation ids by `updatedAt` ms (one scope, one slot); `…:indexes` — set of that scope's
 *   tag/parent index keys, so erasure needs no SCAN.
 * - `P{x:<0..15>}:expiry` — sorted sets of `[tenant, user, id]` by `expiresAt` ms, read by
 *   {@link Store.sweepExpired}; 16 buckets so sliding-TTL refreshes do not all hit one slot.
 * - `P{t:<tenant>:m:<user or ->}:mem:…` — one owner's long-term memories, one slot (memory-keys.ts):
 *   `docs` (id → current version JSON), `versions` (id → superseded versions), `keys` (upsert key
 *   → id), `all` / `pinned` / `tag:<tag>` (sorted sets by `updatedAt`), and the inverted index:
 *   `term:<term>` (memory ids by term frequency), `len`, `stats`, with `vocab` and `tags` naming
 *   the term and tag keys that exist, so erasure needs no SCAN.
 *
 * **Atomicity.** Every write to a conversation is one Lua script on its slot: `appendMessages`
 * reserves the seq range, skips ids already stored, writes messages, counts and the meta hash, and
 * refreshes the TTL of every key, all or nothing. The scope indexes live in another slot (in a
 * Cluster a script cannot span slots), so they are a second, idempotent step, ordered so the
 * indexes are always a superset of the live conversations: an entry is added (`ZADD NX`) before a
 * conversation is created and removed after it is deleted; scores only move forward (`ZADD GT`).
 * On a single connection an append sends its index step right behind the script, so both take one
 * round trip (see append.ts). A crash between the steps leaves at worst a stale entry, which every
 * listing repairs on read (it checks each entry against the meta hash and fixes or removes it with
 * a compare-and-set on the score it saw, so a repair never undoes a concurrent writer).
 *
 * **Fork and import** may read from another slot, so they build the new conversation in steps:
 * claim the id with a `pending` marker (invisible to reads, expiring after 10 minutes so a crashed
 * copy vanishes), fill messages in chunks of 500, then publish the meta fields in one script.
 *
 * **Time and TTL.** `now` comes from `clock` and is passed to the scripts; expiry is checked
 * against it on every read (so an injected test clock governs it). Every key of a conversation
 * also carries a native `PEXPIRE` of the remaining time, refreshed on append for sliding TTLs,
 * so Redis reclaims memory by itself; index entries of expired conversations are removed lazily
 * by listings and by {@link Store.sweepExpired}. The expiry-bucket entry outlives the keys until
 * the sweep, and is what reports a natively expired conversation as expired
 * (`ConversationExpiredError`) rather than never created.
 *
 * **Tail read** (`getTail`, what assembly calls), one round trip: once a conversation's average
 * tokens per message is known (learned from the previous read, kept per process), a `MULTI` reads
 * the ownership fields and the newest ≈ budget ÷ average × 1.15 messages natively and the client
 * walks the budget using the counts in each member's head; otherwise, or when that read falls
 * short, the `TAIL` Lua script walks back inside Redis. Both read only the window they return
 * (plus one message), so the cost is flat in history length. The fast path does fetch the window
 * before the ownership check is applied (in the same transaction), then discards it for a stranger.
 *
 * **Search.** Lexical search is BM25 over an inverted index of the scope's whole history, kept
 * in the scope's slot (`P{t:<tenant>:u:<user>}:lex:…`: a sorted set of postings per term, see
 * lexical-index.ts), with the analyzer of every other store. It costs the postings of the query's
 * terms, not the history. Appends do not index (they stay one script): each search first indexes
 * what was appended since the last pass, at most {@link SEARCH_INDEX}`.catchUpMessages` messages,
 * and a result says so in its `coverage` while some are left. Deletes, the TTL sweep and erasure
 * remove postings. Vector search is absent (no vector module here, and a brute-force scan of a
 * scope's embeddings would grow with its history): pair Redis with Postgres through
 * `createTieredStore` for it.
 *
 * **Memories** are native (memories.ts): writes are compare-and-set Lua scripts on the owner's slot
 * that change the memory, its history, its listing sets and its inverted-index postings together;
 * memory search ranks with BM25 inside Redis over the query terms' posting lists (same analyzer and
 * scoring as the other stores), so it reads the matches, not every memory. A user's reads also read
 * the tenant's shared memories (another slot, read concurrently and merged). `readContext` reads
 * the pinned memories concurrently with the conversation.
 *
 * Reads never use `KEYS` or unbounded ranges; listings page through indexes with `LIMIT`.
 *
 * Written on the shared store layer (`defineStore`), which validates every input once; the driver
 * only stores, one file per area: conversations.ts, messages.ts (+ append.ts, tail-read.ts,
 * context-read.ts), summaries.ts, snapshots.ts (+ copy-in.ts), search.ts (+ lexical-index.ts), memories.ts
 * (+ memory-keys.ts, memory-scripts.ts), erasure.ts.
 *
 * @throws {StoreUnavailableError} (retryable) when Redis is unreachable, naming the operation.
 * @throws {StoreError} for any other Redis failure.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const clock = options.clock ?? { now: () => Date.now() };
  const context = createRedisContext({ client: options.client, prefix: options.keyPrefix ?? 'llmctx:v1:', clock });
  const messages = createMessageOperations(context);
  const memories = createRedisMemories(context);
  /** Whether `readContext` reads pinned memories in the conversation's `MULTI` (not on a cluster, nor after a `CROSSSLOT` answer). */
  let combineMemoryReads = options.client.isCluster !== true;
  const driver: StoreDriver = {
    name: 'redis',
    capabilities: {
      lexicalSearch: { available: true },
      vectorSearch: {
        available: false,
        reason:
          'Redis here has no vector search module (a brute-force scan would grow with the history); pair Redis with Postgres (createTieredStore({ hot: redisStore, durable: postgresStore })) for vector search',
      },
      memories: { available: true },
      ttlSweep: { available: true },
    },
    ...createConversationOperations(context),
    ...messages,
    async readContext(scope, conversationId, readOptions) {
      if (readOptions.pinnedMemories > 0 && combineMemoryReads) {
        // A standalone server reads the pinned memories natively in the conversation's MULTI: one
        // command written, one reply (the keys span slots, which only a cluster refuses).
        const prefetch = memories.prefetchQueued(scope, readOptions.pinnedMemories);
        try {
          const combined = await messages.readContextAlongside(scope, conversationId, readOptions, (transaction) => prefetch.queue(transaction));
          return { ...combined.read, memories: await prefetch.finish(combined.alongside) };
        } catch (error) {
          if (!refusedAcrossSlots(error)) throw error;
          combineMemoryReads = false;
        }
      }
      // The memories live in the owner's slot, not the conversation's: both reads go out together.
      const [read, prefetched] = await Promise.all([
        messages.readContext(scope, conversationId, readOptions),
        readOptions.pinnedMemories > 0 ? memories.prefetch(scope, readOptions.pinnedMemories) : undefined,
      ]);
      return prefetched ? { ...read, memories: prefetched } : read;
    },
    ...createSummaryOperations(context),
    ...createSnapshotOperations(context),
    ...createMessageSearch(context, options.searchIndex),
    ...createErasureOperations(context, memories),
    memories,
    mapError: (error, operation) => toStoreError('redis', operation, error),
  };
  return defineStore(driver, { clock, ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}) });
}

/** A server in cluster mode refused keys of two slots: `CROSSSLOT`, or `EXECABORT` of a `MULTI` whose queued command it refused so. */
function refusedAcrossSlots(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  return error.message.includes('CROSSSLOT') || (Array.isArray(previous) && previous.some((cause) => cause instanceof Error && cause.message.includes('CROSSSLOT')));
}
