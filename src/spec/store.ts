import type {
  Conversation,
  ConversationExport,
  CreateConversationInput,
  JsonObject,
  Memory,
  Message,
  NewMemory,
  NewMessage,
  Page,
  Scope,
  Summary,
  UpdateConversationInput,
} from '../types.js';

/**
 * The store specification, version 1: a small structural interface every backend implements
 * (in-memory, PostgreSQL/PGlite, Redis, tiered). Required methods cover conversations, atomic
 * appends, paging, tail reads, summaries, export/import and erasure; optional capabilities are
 * declared in {@link StoreCapabilities} when the store is created and never discovered mid-call.
 *
 * Rules every implementation follows (checked by `llm-context/testing`'s contract suite):
 * - Every method takes a {@link Scope} and never reads or writes outside it. Ownership is exact
 *   (`tenantId` and `userId ?? none` must both match); data outside the scope behaves as absent.
 *   The one widening: a user scope also *reads* its tenant's shared (user-less) memories (see
 *   {@link MemoryStore}).
 * - Expired conversations (`expiresAt <= now`) behave as absent for every read and write; a write
 *   or export that names one throws `ConversationExpiredError` (`not_found`, `reason: 'expired'`)
 *   while the store still remembers it (until swept), never `reason: 'absent'` — so callers can
 *   tell an expired conversation from one that never existed.
 * - Writes are all-or-nothing; bad input throws a `ValidationError` and changes nothing.
 * - Input validation uses the shared validators in `src/spec/validate.ts`.
 */
export interface Store {
  readonly specificationVersion: 'v1';
  /** Short name used in error messages and reports, e.g. `memory`, `postgres`, `redis`. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;

  /**
   * Creates a conversation. With `parentId`+`forkedFromSeq` use {@link Store.forkConversation} instead.
   * @throws {ConversationExistsError} when the id exists in this scope and `ifExists` is `"error"` (the default).
   *   With `ifExists: "return"` the existing conversation is returned unchanged.
   *   An id taken in *another* scope also throws `ConversationExistsError` (ids are unique per tenant),
   *   without revealing anything about the other conversation.
   */
  createConversation(scope: Scope, input: CreateConversationInput, options?: { ifExists?: 'error' | 'return' }): Promise<Conversation>;
  getConversation(scope: Scope, conversationId: string): Promise<Conversation | null>;
  /** Newest first by `updatedAt` (ties by id). Filters combine with AND. */
  listConversations(scope: Scope, options?: ListConversationsOptions): Promise<Page<Conversation>>;
  /** @throws {NotFoundError} */
  updateConversation(scope: Scope, conversationId: string, patch: UpdateConversationInput): Promise<Conversation>;
  /**
   * Replaces `state` and increments `stateVersion`.
   * @throws {StateConflictError} when `expectedVersion` is given and differs from the stored version.
   * @throws {NotFoundError}
   */
  updateState(scope: Scope, conversationId: string, state: JsonObject, options?: { expectedVersion?: number }): Promise<Conversation>;
  /** Deletes the conversation, its messages, summary and embeddings. Children (forks) are kept. Returns false when absent. */
  deleteConversation(scope: Scope, conversationId: string): Promise<boolean>;
  /**
   * Creates a child conversation holding a copy of the parent's messages with `seq <= atSeq`
   * (same ids and seqs), with `parentId` and `forkedFromSeq` set. Cost is O(copied messages), once.
   * @throws {NotFoundError} when the parent is absent in this scope.
   */
  forkConversation(scope: Scope, parentId: string, options: { atSeq: number; input?: CreateConversationInput }): Promise<Conversation>;

  /**
   * Appends a batch atomically: assigns consecutive seqs after `lastSeq`, never interleaved with
   * another batch. Idempotent by message id: a message whose id is already stored in the
   * conversation is not written again and the stored version is returned in its place.
   * With `dedupeByContentHash`, a batch whose roles and content hashes equal the newest stored
   * messages (a retried write without ids) is not written again either.
   * Refreshes a sliding TTL.
   * @returns the stored messages in input order, and how many were newly written.
   * @throws {ConversationExpiredError} when the conversation's TTL passed (a `NotFoundError` with `reason: 'expired'`).
   * @throws {NotFoundError} when the conversation is absent in this scope.
   * @throws {ValidationError} for an empty batch or bad messages (nothing written).
   */
  appendMessages(scope: Scope, conversationId: string, messages: readonly NewMessage[], options?: AppendOptions): Promise<AppendResult>;
  /** Pages through messages by seq. `order: "desc"` with `beforeSeq` walks back from the tail. */
  listMessages(scope: Scope, conversationId: string, options: ListMessagesOptions): Promise<Message[]>;
  /**
   * Newest messages, in ascending seq order, until their `tokenCounts[encoding]` sum reaches
   * `maxTokens` (the message that crosses the total is included, so the caller can see it and decide),
   * or `maxMessages` are read. One round trip where the backend allows.
   * Messages lacking a count for `encoding` count as 0 tokens here; the caller recounts them.
   * @returns `reachedStart` true when no older message exists before the first returned one.
   */
  getTail(scope: Scope, conversationId: string, options: TailOptions): Promise<TailResult>;
  /**
   * Optional: the reads `ContextManager.assemble` starts with, in one round trip — the
   * conversation, its tail (exactly as {@link Store.getTail} would return it), its stored summary
   * and, when `pinnedMemories > 0` and the store has memories, the scope's pinned memories and
   * whether it holds any unpinned ones. Stores without it are read with `getConversation` and
   * `getTail` concurrently, then `getSummary` and the memory reads. The manager uses it only when
   * present; results must equal the separate reads' (the contract suite checks).
   * When the conversation is not visible in `scope`, `conversation` is null and the rest empty.
   */
  readContext?(scope: Scope, conversationId: string, options: ContextReadOptions): Promise<ContextRead>;
  /** Returns false when absent. Does not renumber: seqs are never reused. */
  deleteMessage(scope: Scope, conversationId: string, messageId: string): Promise<boolean>;

  getSummary(scope: Scope, conversationId: string): Promise<Summary | null>;
  /**
   * Compare-and-set on `coversThroughSeq`: writes only when the stored summary's `coversThroughSeq`
   * equals `expectedCoversThroughSeq` (`null` = no summary stored yet).
   * @returns `applied: false` and the current summary when another writer got there first.
   */
  putSummary(scope: Scope, conversationId: string, summary: Summary, options: { expectedCoversThroughSeq: number | null }): Promise<{ applied: boolean; current: Summary | null }>;

  /** Lossless JSON of the conversation, its messages (ascending seq) and summary. */
  exportConversation(scope: Scope, conversationId: string): Promise<ConversationExport>;
  /**
   * Recreates an exported conversation in `scope` (the export's own tenant/user are ignored), keeping ids, seqs,
   * timestamps, token counts and hashes.
   * @throws {ConversationExistsError} when the id is taken. @throws {ValidationError} for a malformed export.
   */
  importConversation(scope: Scope, data: ConversationExport): Promise<Conversation>;
  /** Right to erasure: deletes every conversation, message, summary, memory and embedding of `scope.userId`. */
  eraseUser(scope: Scope & { readonly userId: string }): Promise<ErasureResult>;

  /** Lexical (full-text) search over message text, best first. Present when `capabilities.lexicalSearch`. */
  searchMessages?(scope: Scope, options: MessageSearchOptions): Promise<MessageSearchResult>;
  /** Embedding storage and nearest-neighbour search. Present when `capabilities.vectorSearch`. */
  vectors?: VectorIndex;
  /** Long-term memories. Present when `capabilities.memories`. */
  memories?: MemoryStore;
  /** Deletes up to `limit` expired conversations (with everything they own). Present when `capabilities.ttlSweep`. */
  sweepExpired?(options?: { limit?: number }): Promise<number>;
  /** Releases resources the store created itself (never a client the caller passed in). */
  close?(): Promise<void>;
}

/** Capability flags; an absent capability carries the reason, naming what to install or pair with. */
export interface StoreCapabilities {
  readonly lexicalSearch: Capability;
  readonly vectorSearch: Capability;
  readonly memories: Capability;
  readonly ttlSweep: Capability;
}

export type Capability = { readonly available: true } | { readonly available: false; readonly reason: string };

export interface ListConversationsOptions {
  readonly tag?: string;
  readonly parentId?: string;
  /** 1–1000, default 50. */
  readonly limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface AppendOptions {
  readonly dedupeByContentHash?: boolean;
}

export interface AppendResult {
  readonly messages: readonly Message[];
  /** Messages newly written (the rest were already stored). */
  readonly inserted: number;
  readonly conversation: Conversation;
}

export interface ListMessagesOptions {
  readonly order: 'asc' | 'desc';
  /** Only messages with `seq > afterSeq`. */
  readonly afterSeq?: number;
  /** Only messages with `seq < beforeSeq`. */
  readonly beforeSeq?: number;
  /** 1–1000. */
  readonly limit: number;
}

export interface TailOptions {
  readonly maxTokens: number;
  readonly encoding: string;
  /** Only messages with `seq < beforeSeq` (to continue a tail read). */
  readonly beforeSeq?: number;
  /** Hard cap on messages read, default 1000. */
  readonly maxMessages?: number;
}

export interface TailResult {
  readonly messages: readonly Message[];
  readonly reachedStart: boolean;
}

export interface ContextReadOptions extends TailOptions {
  /** Pinned memories to read at most, newest first (`0` or absent: memories are not read). */
  readonly pinnedMemories?: number;
  /**
   * Stop the tail at the stored summary: only messages with `seq > summary.coversThroughSeq` are
   * returned (still bounded by `maxTokens` and `maxMessages`), and `reachedStart` is false when the
   * read stopped there. A conversation whose summary has caught up then reads only the turns the
   * summary does not cover, typically half of a full-budget read. No effect without a stored
   * summary. Assembly asks for it when the summary section is enabled and continues the read with
   * `getTail` when the summary turns out unusable. The rule is `stopTailAtSummary` (spec/stop-tail-at-summary.ts).
   */
  readonly stopAtSummary?: boolean;
}

export interface ContextRead {
  readonly conversation: Conversation | null;
  readonly tail: TailResult;
  readonly summary: Summary | null;
  /** Present when memories were read (`pinnedMemories > 0` and the store has memories). */
  readonly memories?: PrefetchedMemories;
}

/** The memory reads an assembly needs before it searches, prefetched with the conversation. */
export interface PrefetchedMemories {
  /** Pinned memories of the scope, newest `updatedAt` first, at most the number asked for. */
  readonly pinned: readonly Memory[];
  /** True when the scope holds more pinned memories than were read. */
  readonly morePinned: boolean;
  /** True when the scope holds at least one unpinned memory (a relevance search can find something). */
  readonly unpinned: boolean;
}

export interface ErasureResult {
  readonly conversations: number;
  readonly messages: number;
  readonly memories: number;
}

export interface MessageSearchOptions {
  readonly query: string;
  /** Restrict to one conversation; otherwise every conversation in the scope. */
  readonly conversationId?: string;
  /** Only messages with `seq < beforeSeq` (with `conversationId`): skip what the window already holds. */
  readonly beforeSeq?: number;
  readonly tags?: readonly string[];
  /** 1–100, default 10. */
  readonly limit?: number;
}

export interface MessageSearchHit {
  readonly message: Message;
  /** Higher is better; comparable only within one result list. */
  readonly score: number;
}

/**
 * What a bounded search read, attached (as a non-enumerable `coverage` property) to a result that
 * did not read everything in the scope — so a store without a full-text index never truncates silently.
 */
export interface SearchCoverage {
  readonly complete: false;
  readonly conversationsScanned: number;
  readonly messagesScanned: number;
  /** The bound in words, e.g. "the newest 200 messages of each of the 20 most recently updated conversations". */
  readonly bound: string;
}

/** Search hits, best first; `coverage` is present when the store searched a bounded window only. */
export type MessageSearchResult = MessageSearchHit[] & { readonly coverage?: SearchCoverage };

export interface EmbeddingRecord {
  readonly kind: 'message' | 'memory';
  /** Message id or memory id. */
  readonly targetId: string;
  /** Conversation of a message embedding. */
  readonly conversationId?: string;
  /** `seq` of a message embedding. */
  readonly seq?: number;
  /** Embedding model id; vectors of different models are never compared. */
  readonly model: string;
  readonly vector: readonly number[];
  readonly contentHash: string;
}

export interface VectorSearchOptions {
  readonly kind: 'message' | 'memory';
  readonly model: string;
  readonly vector: readonly number[];
  readonly conversationId?: string;
  readonly beforeSeq?: number;
  readonly limit?: number;
}

export interface VectorHit {
  readonly targetId: string;
  readonly conversationId?: string;
  readonly seq?: number;
  /** Cosine similarity, -1..1. */
  readonly score: number;
}

export interface VectorIndex {
  upsert(scope: Scope, records: readonly EmbeddingRecord[]): Promise<void>;
  search(scope: Scope, options: VectorSearchOptions): Promise<VectorHit[]>;
  /** Which of these content hashes already have an embedding for `model` (the embedding cache). */
  has(scope: Scope, options: { model: string; kind: 'message' | 'memory'; targetIds: readonly string[] }): Promise<Set<string>>;
}

/**
 * Long-term memories of a store. Visibility (checked by `describeMemoriesContract`):
 * - **Writes** (`put`, `update`, `delete`) act on exactly the scope's own memories: a user scope
 *   never changes a tenant-level memory, and the same `key` in two scopes names two memories.
 * - **Reads** (`get`, `list`, `search`, `history`, and the pinned memories of `readContext`) with a
 *   user scope return that user's memories *and* the tenant's shared (user-less) memories, marked
 *   `shared: true`; a tenant-level scope reads the shared memories only; nothing crosses tenants or
 *   reaches another user.
 * - **History**: a write that changes the text of an existing memory (an upsert by key or by id,
 *   or an `update` with new text) keeps the previous version, closed with `validTo = now`; the
 *   memory keeps its id and `createdAt` and its current version gets `validFrom = now`. A write
 *   with the same text changes the current version in place. Only the current version is listed,
 *   searched, returned by `get` and assembled; `history` reads them all. `delete` and
 *   `Store.eraseUser` remove a memory's history with it.
 */
export interface MemoryStore {
  /** Inserts, or updates the memory with the same `key` (else the same `id`) in exactly this scope (upsert); a changed text supersedes the old one. */
  put(scope: Scope, memory: NewMemory): Promise<Memory>;
  /** The current version of a memory visible to `scope` (its own, or shared), or null. */
  get(scope: Scope, id: string): Promise<Memory | null>;
  /** Current versions visible to `scope`, newest first by (`updatedAt`, `id`). */
  list(scope: Scope, options?: MemoryListOptions): Promise<Page<Memory>>;
  /** Changes a memory of exactly this scope; new text supersedes the old one. @throws {NotFoundError} also for a shared memory read through a user scope. */
  update(scope: Scope, id: string, patch: MemoryPatch): Promise<Memory>;
  /** Deletes a memory of exactly this scope with its history. Returns false when absent (or shared, through a user scope). */
  delete(scope: Scope, id: string): Promise<boolean>;
  /** Lexical search over current versions visible to `scope`, best first. */
  search(scope: Scope, options: MemorySearchOptions): Promise<Array<{ memory: Memory; score: number }>>;
  /**
   * The versions of a memory visible to `scope`, newest first: the current one (no `validTo`),
   * then each superseded one (with `validTo`). Empty when the memory is absent.
   */
  history(scope: Scope, id: string, options?: MemoryHistoryOptions): Promise<Memory[]>;
}

/** The fields `MemoryStore.update` may change. */
export type MemoryPatch = Partial<Pick<NewMemory, 'text' | 'tags' | 'pinned' | 'metadata' | 'tokenCounts' | 'contentHash'>>;

export interface MemoryListOptions {
  /** Only memories holding every one of these tags. */
  readonly tags?: readonly string[];
  readonly pinned?: boolean;
  /** 1–1000, default 50. */
  readonly limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface MemorySearchOptions {
  readonly query: string;
  readonly tags?: readonly string[];
  /** 1–100, default 10. */
  readonly limit?: number;
}

export interface MemoryHistoryOptions {
  /** Versions returned at most, newest first: 1–1000, default 50. */
  readonly limit?: number;
}
