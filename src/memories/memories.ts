import { CapabilityError, ValidationError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../messages/content-hash.js';
import { validateId, validateJsonObject, validateScope, validateTags } from '../spec/validate.js';
import type { MemoryHistoryOptions, MemoryListOptions, MemoryStore, Store } from '../spec/store.js';
import { embedQuery, type Embedder } from '../search/embedder.js';
import { indexEmbeddings, memoryEmbeddingTarget } from '../search/index-embeddings.js';
import { reciprocalRankFusion } from '../search/rank-fusion.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { JsonObject, Memory, MemoryInput, NewMemory, Page, Scope } from '../types.js';

/** A memory search result, best first. */
export interface MemoryHit {
  readonly memory: Memory;
  /** Higher is better; comparable only within one result list (BM25, or fused ranks when hybrid). */
  readonly score: number;
}

/** The scope a memory call acts in; every {@link Memories} method takes it in its options, like the manager's message methods. */
export interface MemoryScopeOptions {
  readonly scope: Scope;
}

/**
 * Long-term memories of a scope (tenant, and user where given): facts that outlive one
 * conversation. `manager.memories` is one of these. Every method takes its subject first (the
 * memory, its id, or the query) and `{ scope, ...options }` last — the call shape of the manager's
 * message methods (`manager.append(conversationId, messages, { scope })`).
 *
 * - A `key` makes `put` an upsert (structured key–value memory: `user.city`, `preference.units`).
 * - Changing a memory's text (an upsert or an update) supersedes it: the old text stays readable
 *   with {@link Memories.history} (`validFrom`/`validTo`); everything else sees the newest.
 * - A memory written with a tenant-level scope (no `userId`) is *shared*: every user of the
 *   tenant reads it (`shared: true`), only the tenant scope changes it. A user's own memories are
 *   never read by another user or by the tenant scope.
 * - `pinned` memories are always placed in the assembled context (working memory); the others are
 *   retrieved by relevance to the current turn.
 * - `source` keeps the conversation and message ids a memory came from (provenance), and the
 *   assembly report lists them.
 */
export interface Memories {
  /**
   * Inserts a memory, or updates the one with the same `key` (else `id`) in exactly this scope.
   * @throws {ValidationError} for bad input (nothing written). @throws {CapabilityError} when the store keeps no memories.
   */
  put(memory: MemoryInput, options: MemoryScopeOptions): Promise<Memory>;
  /** The memory, or null when `scope` does not see it (its own or a shared one). */
  get(id: string, options: MemoryScopeOptions): Promise<Memory | null>;
  /** Own and shared memories, newest first by `updatedAt`; filter by tags (all must match) and pinned. */
  list(options: MemoryScopeOptions & MemoryListOptions): Promise<Page<Memory>>;
  /** Changes a memory of exactly this scope. @throws {NotFoundError} when absent (or shared, for a user scope). */
  update(id: string, options: MemoryScopeOptions & { text?: string; tags?: readonly string[]; pinned?: boolean; metadata?: JsonObject }): Promise<Memory>;
  /** Deletes a memory of exactly this scope, with its history. Returns false when absent. */
  delete(id: string, options: MemoryScopeOptions): Promise<boolean>;
  /**
   * Best-first own and shared memories matching `query`: lexical (BM25 / full-text) and, when an
   * embedder is configured and the store has a vector index, vector search fused by reciprocal rank fusion.
   * @param options.limit 1–100. @default 10
   */
  search(query: string, options: MemoryScopeOptions & { limit?: number; tags?: readonly string[] }): Promise<MemoryHit[]>;
  /**
   * The versions of a memory, newest first: the current one (no `validTo`), then each text it
   * superseded (with `validFrom`/`validTo`). Empty when `scope` does not see the memory.
   * @param options.limit 1–1000. @default 50
   */
  history(id: string, options: MemoryScopeOptions & MemoryHistoryOptions): Promise<Memory[]>;
}

/**
 * Creates the {@link Memories} API over a store's memory capability. Derived fields (id, token
 * count, SHA-256 content hash) are computed here, once, before the store sees the memory.
 * With an embedder, each written memory is embedded right after the write; an embedder failure
 * never fails the write (the memory stays findable lexically).
 *
 * @param options.tokenizer counts `tokenCounts[tokenizer.encoding]` of the memory text (no framing).
 * @param options.embedder enables hybrid search.
 */
export function createMemories(options: { store: Store; tokenizer: Tokenizer; embedder?: Embedder }): Memories {
  const { store, tokenizer, embedder } = options;

  const memoryStore = (): MemoryStore => {
    if (!store.memories || !store.capabilities.memories.available) {
      const reason = store.capabilities.memories.available ? 'the store has no memories API' : store.capabilities.memories.reason;
      throw new CapabilityError({ store: store.name, capability: 'memories', hint: reason });
    }
    return store.memories;
  };

  const embed = async (scope: Scope, memory: Memory) => {
    if (!embedder || !store.vectors) return;
    try {
      await indexEmbeddings({ store, scope, embedder, targets: [memoryEmbeddingTarget(memory)], force: true });
    } catch {
      // Lexical search still finds it; the next write or a re-index embeds it.
    }
  };

  const derived = async (text: string) => ({
    tokenCounts: { [tokenizer.encoding]: tokenizer.count(text) },
    contentHash: await hashMemoryText(text),
  });

  return {
    async put(input, { scope }) {
      validateScope(scope);
      if (typeof input !== 'object' || input === null) throw new ValidationError({ field: 'memory', message: 'must be an object with text' });
      checkText(input.text);
      if (input.id !== undefined) validateId('id', input.id);
      if (input.key !== undefined) validateId('key', input.key);
      if (input.tags !== undefined) validateTags('tags', input.tags);
      if (input.metadata !== undefined) validateJsonObject('metadata', input.metadata);
      if (input.pinned !== undefined && typeof input.pinned !== 'boolean') throw new ValidationError({ field: 'pinned', message: 'must be a boolean' });
      const memory: NewMemory = {
        id: input.id ?? crypto.randomUUID(),
        ...(input.key !== undefined ? { key: input.key } : {}),
        text: input.text,
        tags: input.tags ?? [],
        pinned: input.pinned ?? false,
        ...(input.source !== undefined ? { source: input.source } : {}),
        metadata: input.metadata ?? {},
        ...(await derived(input.text)),
      };
      const stored = await memoryStore().put(scope, memory);
      await embed(scope, stored);
      return stored;
    },
    async get(id, { scope }) {
      validateScope(scope);
      validateId('id', id);
      return memoryStore().get(scope, id);
    },
    async list({ scope, ...filters }) {
      validateScope(scope);
      return memoryStore().list(scope, filters);
    },
    async update(id, { scope, text, tags, pinned, metadata }) {
      validateScope(scope);
      validateId('id', id);
      if (text !== undefined) checkText(text);
      if (tags !== undefined) validateTags('tags', tags);
      if (metadata !== undefined) validateJsonObject('metadata', metadata);
      if (pinned !== undefined && typeof pinned !== 'boolean') throw new ValidationError({ field: 'pinned', message: 'must be a boolean' });
      const updated = await memoryStore().update(scope, id, {
        ...(text !== undefined ? { text, ...(await derived(text)) } : {}),
        ...(tags !== undefined ? { tags } : {}),
        ...(pinned !== undefined ? { pinned } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      });
      if (text !== undefined) await embed(scope, updated);
      return updated;
    },
    async delete(id, { scope }) {
      validateScope(scope);
      validateId('id', id);
      return memoryStore().delete(scope, id);
    },
    async history(id, { scope, ...historyOptions }) {
      validateScope(scope);
      validateId('id', id);
      return memoryStore().history(scope, id, historyOptions);
    },
    async search(query, { scope, limit = 10, tags }) {
      validateScope(scope);
      if (typeof query !== 'string') throw new ValidationError({ field: 'query', message: 'must be a string' });
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError({ field: 'limit', message: 'must be an integer 1–100' });
      const lexical = await memoryStore().search(scope, { query, limit, ...(tags ? { tags } : {}) });
      if (!embedder || !store.vectors || !store.capabilities.vectorSearch.available || query.trim().length === 0) return lexical;
      let vectorIds: string[];
      try {
        const vector = await embedQuery({ embedder, text: query });
        // Embeddings are stored in the memory's own scope: a user's search also asks the tenant's shared ones.
        const scopes = scope.userId === undefined ? [scope] : [scope, { tenantId: scope.tenantId }];
        const lists = await Promise.all(scopes.map((owner) => store.vectors!.search(owner, { kind: 'memory', model: embedder.modelId, vector, limit })));
        vectorIds = lists
          .flat()
          .sort((a, b) => b.score - a.score)
          .slice(0, limit)
          .map((hit) => hit.targetId);
      } catch {
        return lexical;
      }
      const known = new Map(lexical.map((hit) => [hit.memory.id, hit.memory]));
      const fused = reciprocalRankFusion({ lists: [lexical.map((hit) => hit.memory.id), vectorIds] });
      const hits: MemoryHit[] = [];
      for (const { key, score } of fused) {
        const memory = known.get(key) ?? (await memoryStore().get(scope, key));
        if (!memory) continue;
        if (tags && !tags.every((tag) => memory.tags.includes(tag))) continue;
        hits.push({ memory, score });
        if (hits.length >= limit) break;
      }
      return hits;
    },
  };
}

/** True when `memory` is the scope's own (not a shared memory a user scope only reads). */
export function ownsMemory(memory: Pick<Memory, 'tenantId' | 'userId'>, scope: Scope): boolean {
  return memory.tenantId === scope.tenantId && memory.userId === scope.userId;
}

/** SHA-256 of the canonical JSON of `{ text }`: equal texts hash equally (the embedding cache key). */
export function hashMemoryText(text: string): Promise<string> {
  return sha256Hex(canonicalJson({ text }));
}

function checkText(text: unknown): void {
  if (typeof text !== 'string' || text.trim().length === 0) throw new ValidationError({ field: 'text', message: 'must be a non-empty string' });
}
