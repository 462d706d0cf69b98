import { NotFoundError } from '../../errors.js';
import type { EmbeddingRecord } from '../../spec/store.js';
import { createInProcessMessageSearch, type InProcessMessageSearch } from '../../search/in-process-message-search.js';
import type { Conversation, Message, Scope, Summary } from '../../types.js';
import { isExpired, ownedBy, ownerOf } from '../define-store/records.js';

/** One conversation of the in-memory store: its record, messages (ascending seq), id index and summary. */
export interface ConversationRecord {
  conversation: Conversation;
  messages: Message[];
  byId: Map<string, Message>;
  summary: Summary | null;
}

/** An embedding with its owner. */
export interface StoredEmbedding {
  readonly tenantId: string;
  readonly userId?: string;
  readonly record: EmbeddingRecord;
}

/**
 * The maps every area of the in-memory driver shares, and the lookups they all use. Values are
 * deep-copied in and out (see {@link copy}), so callers cannot mutate stored data.
 */
export interface MemoryState {
  readonly clock: { now(): number };
  /** tenant + conversation id → record (ids are unique per tenant). */
  readonly conversations: Map<string, ConversationRecord>;
  readonly embeddings: Map<string, StoredEmbedding>;
  /** BM25 over message text, kept in step with `conversations`. */
  readonly messageSearch: InProcessMessageSearch;
  /** The live record in this scope, or undefined (absent, other owner, or expired). */
  find(scope: Scope, conversationId: string): ConversationRecord | undefined;
  /** {@link MemoryState.find}, or NotFoundError. */
  require(scope: Scope, conversationId: string): ConversationRecord;
  /** Removes an expired record holding `id` in the tenant, so the id can be reused. */
  claimId(scope: Scope, id: string): void;
  /** Stores a new record and indexes its messages. */
  insert(record: ConversationRecord): void;
  /** Removes a record with its messages' index entries and embeddings. */
  remove(record: ConversationRecord): void;
  /** Merges `changes` into the record's conversation and sets `updatedAt = now`. */
  touch(record: ConversationRecord, changes: Partial<Conversation>): Conversation;
}

export const copy = <T>(value: T): T => structuredClone(value);

export const recordKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

export function createMemoryState(clock: { now(): number }): MemoryState {
  const conversations = new Map<string, ConversationRecord>();
  const embeddings = new Map<string, StoredEmbedding>();
  const messageSearch = createInProcessMessageSearch();

  const state: MemoryState = {
    clock,
    conversations,
    embeddings,
    messageSearch,
    find(scope, conversationId) {
      const record = conversations.get(recordKey(scope.tenantId, conversationId));
      if (!record || !ownedBy(record.conversation, scope) || isExpired(record.conversation, clock.now())) return undefined;
      return record;
    },
    require(scope, conversationId) {
      const record = state.find(scope, conversationId);
      if (!record) throw new NotFoundError({ kind: 'conversation', id: conversationId });
      return record;
    },
    claimId(scope, id) {
      const existing = conversations.get(recordKey(scope.tenantId, id));
      if (existing && isExpired(existing.conversation, clock.now())) state.remove(existing);
    },
    insert(record) {
      conversations.set(recordKey(record.conversation.tenantId, record.conversation.id), record);
      for (const message of record.messages) messageSearch.add(ownerOf(record.conversation), message);
    },
    remove(record) {
      const { tenantId, id } = record.conversation;
      conversations.delete(recordKey(tenantId, id));
      for (const message of record.messages) messageSearch.remove(tenantId, id, message.id);
      for (const [key, embedding] of embeddings) {
        if (embedding.tenantId === tenantId && embedding.record.conversationId === id) embeddings.delete(key);
      }
    },
    touch(record, changes) {
      record.conversation = { ...record.conversation, ...changes, updatedAt: new Date(clock.now()) };
      return record.conversation;
    },
  };
  return state;
}

/** A record holding `messages` (already numbered and owned by `conversation`). */
export function newRecord(conversation: Conversation, messages: Message[], summary: Summary | null): ConversationRecord {
  return { conversation, messages, byId: new Map(messages.map((message) => [message.id, message])), summary };
}
