import type { ListCursor } from '../../spec/cursor.js';
import type {
  AppendResult,
  ContextRead,
  ErasureResult,
  MessageSearchResult,
  StoreCapabilities,
  TailResult,
  MemoryPatch,
  VectorIndex,
} from '../../spec/store.js';
import type { Conversation, JsonObject, Memory, Message, NewMemory, NewMessage, Scope, Summary, TtlPolicy } from '../../types.js';

/**
 * A storage driver: the part of a store that only stores and reads. {@link defineStore} wraps a
 * driver into a {@link Store}: it validates every input once with the shared validators in
 * `src/spec/validate.ts`, fills defaults, builds new conversation records (ids, timestamps, TTL
 * expiry), builds and parses export documents, encodes list cursors, and maps driver errors.
 *
 * So a driver receives only well-formed, normalized values, and never re-validates them. It keeps
 * every rule of the store specification that is about data: exact scope ownership, expired
 * conversations behaving as absent, atomic batches with gapless seqs, idempotency by message id,
 * compare-and-set summaries. The contract suite (`llm-context/testing`) is the judge.
 */
export interface StoreDriver {
  /** Short name used in error messages and reports, e.g. `memory`, `postgres`, `redis`, `dynamodb`. */
  readonly name: string;
  readonly capabilities: StoreCapabilities;

  /**
   * Inserts `conversation`, built by the layer (owner = scope, counters 0, `createdAt = updatedAt =
   * now`, `expiresAt` from its TTL). An *expired* conversation holding the id (in any scope of the
   * tenant) is removed first, with everything it owns.
   * @throws {ConversationExistsError} when a live conversation of the tenant holds the id, unless
   *   `ifExists` is `"return"` and it belongs to `scope`: then it is returned unchanged.
   */
  createConversation(scope: Scope, conversation: Conversation, options: { readonly ifExists: 'error' | 'return' }): Promise<Conversation>;
  getConversation(scope: Scope, conversationId: string): Promise<Conversation | null>;
  /**
   * Live conversations of exactly `scope`, newest first by (updatedAt, id), strictly after `after`
   * when given; at most `limit + 1` items (the layer uses the extra one to decide `nextCursor`).
   */
  listConversations(scope: Scope, options: DriverListConversationsOptions): Promise<readonly Conversation[]>;
  /** Applies `changes` (already normalized, `updatedAt` set). @throws {NotFoundError} */
  updateConversation(scope: Scope, conversationId: string, changes: ConversationChanges): Promise<Conversation>;
  /** Replaces state, increments `stateVersion`, sets `updatedAt = now`. @throws {StateConflictError} @throws {NotFoundError} */
  updateState(scope: Scope, conversationId: string, state: JsonObject, options: { readonly expectedVersion?: number; readonly now: Date }): Promise<Conversation>;
  deleteConversation(scope: Scope, conversationId: string): Promise<boolean>;
  /**
   * Stores `child` (built by the layer like a new conversation, with `parentId`, `forkedFromSeq`)
   * holding copies of the parent's messages with `seq <= atSeq`; the driver sets the child's
   * `messageCount` and `tokenCount` from what it copied (see {@link primaryTokens}) and
   * `lastSeq = atSeq` (as `forkedFromSeq`).
   * @throws {NotFoundError} when the parent is absent. @throws {ConversationExistsError}
   */
  forkConversation(scope: Scope, parentId: string, options: { readonly atSeq: number; readonly child: Conversation }): Promise<Conversation>;

  /**
   * See `Store.appendMessages`; `messages` are validated, `now` is the layer's clock.
   * @throws {NotFoundError} when the conversation is absent.
   * @throws {IdempotencyConflictError} when an id already stored in the conversation comes again
   *   with another role or content hash; checked atomically with the write, nothing of the batch
   *   is written.
   */
  appendMessages(scope: Scope, conversationId: string, messages: readonly NewMessage[], options: DriverAppendOptions): Promise<AppendResult>;
  listMessages(scope: Scope, conversationId: string, options: DriverListMessagesOptions): Promise<Message[]>;
  getTail(scope: Scope, conversationId: string, options: DriverTailOptions): Promise<TailResult>;
  /** Optional: see `Store.readContext`. */
  readContext?(scope: Scope, conversationId: string, options: DriverContextReadOptions): Promise<ContextRead>;
  deleteMessage(scope: Scope, conversationId: string, messageId: string): Promise<boolean>;

  getSummary(scope: Scope, conversationId: string): Promise<Summary | null>;
  /** Compare-and-set on `coversThroughSeq`. @throws {NotFoundError} when the conversation is absent. */
  putSummary(scope: Scope, conversationId: string, summary: Summary, options: { readonly expectedCoversThroughSeq: number | null }): Promise<{ applied: boolean; current: Summary | null }>;

  /** The conversation, all its messages (ascending seq) and its summary. @throws {NotFoundError} */
  readConversation(scope: Scope, conversationId: string): Promise<ConversationSnapshot>;
  /**
   * Stores an imported conversation (owner already set to `scope`, counters computed by the layer).
   * An expired conversation holding the id is removed first.
   * @throws {ConversationExistsError} when a live conversation of the tenant holds the id.
   */
  writeConversation(scope: Scope, snapshot: ConversationSnapshot): Promise<Conversation>;
  eraseUser(scope: Scope & { readonly userId: string }): Promise<ErasureResult>;

  /** Best first; attach `coverage` (see `MessageSearchResult`) when only a bounded window was read. */
  searchMessages?(scope: Scope, options: DriverMessageSearchOptions): Promise<MessageSearchResult>;
  /** Vector index; the layer validates the scope, records and limits before calling it. */
  vectors?: VectorIndex;
  /** Long-term memories; the layer validates the scope, memories, ids and limits before calling. */
  memories?: MemoryDriver;
  sweepExpired?(options: { readonly limit: number }): Promise<number>;
  /**
   * When the conversation `conversationId` of exactly `scope` expired, if the driver still
   * remembers it: its `expiresAt` when that is `<= now`, else `null` (live, never created, deleted,
   * another scope's, or expired and already swept). The layer asks only after the driver answered
   * `NotFoundError` for the conversation, to throw `ConversationExpiredError` instead, so this
   * costs nothing on the success path. A driver without it reports expired conversations as absent.
   */
  expiredAt?(scope: Scope, conversationId: string, now: Date): Promise<Date | null>;
  close?(): Promise<void>;
  /**
   * Maps an error the driver's client threw (not the library's own errors, which pass through) to a
   * library error, e.g. a lost connection to `StoreUnavailableError`. Default: unchanged.
   */
  mapError?(error: unknown, operation: string): unknown;
}

/** Normalized `listConversations` options. */
export interface DriverListConversationsOptions {
  readonly tag?: string;
  readonly parentId?: string;
  /** 1–1000. */
  readonly limit: number;
  /** Decoded keyset position of the previous page's last item. */
  readonly after?: ListCursor;
}

/** A normalized conversation patch: only the fields to change are present. */
export interface ConversationChanges {
  /** `null` removes the title. */
  readonly title?: string | null;
  readonly tags?: readonly string[];
  readonly metadata?: JsonObject;
  /** `null` removes expiry (with `expiresAt: null`). */
  readonly ttl?: TtlPolicy | null;
  /** Set together with `ttl`: now + ttl.seconds, or null. */
  readonly expiresAt?: Date | null;
  readonly updatedAt: Date;
}

export interface DriverAppendOptions {
  readonly dedupeByContentHash: boolean;
  /** The layer's clock: `updatedAt`, and the new `expiresAt` of a sliding TTL. */
  readonly now: Date;
}

export interface DriverListMessagesOptions {
  readonly order: 'asc' | 'desc';
  /** Only messages with `seq > afterSeq` (0 = from the start). */
  readonly afterSeq: number;
  /** Only messages with `seq < beforeSeq`. */
  readonly beforeSeq?: number;
  readonly limit: number;
}

export interface DriverTailOptions {
  readonly maxTokens: number;
  readonly encoding: string;
  readonly maxMessages: number;
  readonly beforeSeq?: number;
}

export interface DriverContextReadOptions extends DriverTailOptions {
  /** 0 = do not read memories. */
  readonly pinnedMemories: number;
  /**
   * See `ContextReadOptions.stopAtSummary`. A driver may stop its read at the summary's coverage
   * (to read and decode less) or ignore it: the layer cuts the answer with `stopTailAtSummary` either way.
   */
  readonly stopAtSummary: boolean;
}

export interface DriverMessageSearchOptions {
  readonly query: string;
  readonly conversationId?: string;
  readonly beforeSeq?: number;
  readonly tags?: readonly string[];
  /** 1–100. */
  readonly limit: number;
}

/** A conversation with everything export/import carries. */
export interface ConversationSnapshot {
  readonly conversation: Conversation;
  readonly messages: readonly Message[];
  readonly summary: Summary | null;
}

/**
 * The memory operations of a driver; inputs are validated by the layer. The rules are
 * `MemoryStore`'s (see `src/spec/store.ts`): writes act on exactly `scope`; reads with a user scope
 * also return the tenant's user-less memories; records carry `shared` (see {@link memoryOwner}) and
 * `validFrom`; a write that changes an existing memory's text keeps the previous version (closed
 * with `validTo`) in the same atomic write, and `delete` / erasure remove that history too.
 */
export interface MemoryDriver {
  /** `now` is the layer's clock (createdAt, updatedAt, validFrom, and the superseded version's validTo). */
  put(scope: Scope, memory: NewMemory, options: { readonly now: Date }): Promise<Memory>;
  get(scope: Scope, id: string): Promise<Memory | null>;
  list(scope: Scope, options: { readonly tags?: readonly string[]; readonly pinned?: boolean; readonly limit: number; readonly cursor?: string }): Promise<{ items: readonly Memory[]; nextCursor?: string }>;
  /** @throws {NotFoundError} when `scope` owns no memory `id`. */
  update(scope: Scope, id: string, patch: MemoryPatch, options: { readonly now: Date }): Promise<Memory>;
  delete(scope: Scope, id: string): Promise<boolean>;
  search(scope: Scope, options: { readonly query: string; readonly tags?: readonly string[]; readonly limit: number }): Promise<Array<{ memory: Memory; score: number }>>;
  /** Versions newest first (current, then superseded by descending `validFrom`), at most `limit`. */
  history(scope: Scope, id: string, options: { readonly limit: number }): Promise<Memory[]>;
}
