import type { Store } from '../../spec/store.js';
import { defineStore } from '../define-store/define-store.js';
import type { StoreDriver } from '../define-store/driver.js';
import { isExpired, ownedBy } from '../define-store/records.js';
import { createConversationOperations } from './conversations.js';
import { copy, createMemoryState, type MemoryState } from './memory-state.js';
import { createInProcessMemoryTable } from './memory-table.js';
import { createMessageOperations } from './messages.js';
import { createSnapshotOperations } from './snapshots.js';
import { createSummaryOperations } from './summaries.js';
import { createVectorIndex } from './vectors.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in ms since epoch; tests inject one to exercise TTL. Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). Default 1 MiB. */
  readonly maxMessageBytes?: number;
}

/**
 * An in-process store holding everything in plain JS maps: the zero-config default of
 * `new ContextManager()`, for tests, scripts and single-process apps. Nothing survives a restart
 * (use `createEmbeddedStore` from `llm-context/embedded` for durable local data).
 *
 * Written on the shared store layer (`defineStore`), which validates every input; the driver
 * (one file per area: conversations, messages, summaries, snapshots, vectors, memories) only
 * stores. Atomicity comes from JavaScript's run-to-completion: every write mutates without
 * awaiting, so a batch is never interleaved or half-applied. Values are deep-copied in and out, so
 * callers cannot mutate stored data. Vector search is exact (brute-force cosine) over the scope;
 * lexical search is BM25 over message text.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const clock = options.clock ?? { now: () => Date.now() };
  return defineStore(createMemoryDriver(createMemoryState(clock)), { clock, ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}) });
}

function createMemoryDriver(state: MemoryState): StoreDriver {
  const memories = createInProcessMemoryTable();
  return {
    name: 'memory',
    capabilities: {
      lexicalSearch: { available: true },
      vectorSearch: { available: true },
      memories: { available: true },
      ttlSweep: { available: true },
    },
    ...createConversationOperations(state),
    ...createMessageOperations(state),
    ...createSummaryOperations(state),
    ...createSnapshotOperations(state),
    vectors: createVectorIndex(state),
    memories,

    async searchMessages(scope, search) {
      const hits = state.messageSearch.search(scope, search, (conversationId, messageId) => state.find(scope, conversationId)?.byId.get(messageId));
      return hits.map((hit) => ({ message: copy(hit.message), score: hit.score }));
    },

    async eraseUser(scope) {
      let conversations = 0;
      let messages = 0;
      for (const record of [...state.conversations.values()]) {
        if (!ownedBy(record.conversation, scope)) continue;
        conversations += 1;
        messages += record.messages.length;
        state.remove(record);
      }
      for (const [key, embedding] of state.embeddings) if (ownedBy(embedding, scope)) state.embeddings.delete(key);
      return { conversations, messages, memories: memories.eraseUser(scope) };
    },

    async sweepExpired({ limit }) {
      let swept = 0;
      for (const record of [...state.conversations.values()]) {
        if (swept >= limit) break;
        if (!isExpired(record.conversation, state.clock.now())) continue;
        state.remove(record);
        swept += 1;
      }
      return swept;
    },
  };
}
