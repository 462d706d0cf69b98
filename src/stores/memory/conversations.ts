import { ConversationExistsError, StateConflictError } from '../../errors.js';
import { compareNewestFirst, isAfterCursor } from '../../spec/cursor.js';
import type { StoreDriver } from '../define-store/driver.js';
import { isExpired, ownedBy, totalPrimaryTokens } from '../define-store/records.js';
import type { Conversation } from '../../types.js';
import { copy, newRecord, recordKey, type MemoryState } from './memory-state.js';

type ConversationDriver = Pick<
  StoreDriver,
  'createConversation' | 'getConversation' | 'listConversations' | 'updateConversation' | 'updateState' | 'deleteConversation' | 'forkConversation'
>;

/** Conversation records of the in-memory driver: create, read, list, update, state, delete, fork. */
export function createConversationOperations(state: MemoryState): ConversationDriver {
  const { conversations, clock } = state;
  const position = (conversation: Conversation) => ({ updatedAt: conversation.updatedAt.getTime(), id: conversation.id });

  return {
    async createConversation(scope, conversation, { ifExists }) {
      state.claimId(scope, conversation.id);
      const existing = conversations.get(recordKey(scope.tenantId, conversation.id));
      if (existing) {
        if (ifExists === 'return' && ownedBy(existing.conversation, scope)) return copy(existing.conversation);
        throw new ConversationExistsError({ id: conversation.id });
      }
      state.insert(newRecord(copy(conversation), [], null));
      return copy(conversation);
    },

    async getConversation(scope, conversationId) {
      const record = state.find(scope, conversationId);
      return record ? copy(record.conversation) : null;
    },

    async listConversations(scope, options) {
      const matches: Conversation[] = [];
      for (const { conversation } of conversations.values()) {
        if (!ownedBy(conversation, scope) || isExpired(conversation, clock.now())) continue;
        if (options.tag !== undefined && !conversation.tags.includes(options.tag)) continue;
        if (options.parentId !== undefined && conversation.parentId !== options.parentId) continue;
        if (options.after && !isAfterCursor(position(conversation), options.after)) continue;
        matches.push(conversation);
      }
      matches.sort((a, b) => compareNewestFirst(position(a), position(b)));
      return copy(matches.slice(0, options.limit + 1));
    },

    async updateConversation(scope, conversationId, changes) {
      const record = state.require(scope, conversationId);
      const { title, ttl, expiresAt, ...rest } = changes;
      const updated = state.touch(record, {
        ...copy(rest),
        ...(title !== undefined ? { title: title ?? undefined } : {}),
        ...(ttl !== undefined ? { ttl: ttl ?? undefined, expiresAt: expiresAt ?? undefined } : {}),
      });
      for (const field of ['title', 'ttl', 'expiresAt'] as const) if (updated[field] === undefined) delete updated[field];
      return copy(updated);
    },

    async updateState(scope, conversationId, newState, { expectedVersion }) {
      const record = state.require(scope, conversationId);
      const actual = record.conversation.stateVersion;
      if (expectedVersion !== undefined && expectedVersion !== actual) throw new StateConflictError({ expectedVersion, actualVersion: actual });
      return copy(state.touch(record, { state: copy(newState), stateVersion: actual + 1 }));
    },

    async deleteConversation(scope, conversationId) {
      const record = state.find(scope, conversationId);
      if (!record) return false;
      state.remove(record);
      return true;
    },

    async forkConversation(scope, parentId, { atSeq, child }) {
      const parent = state.require(scope, parentId);
      state.claimId(scope, child.id);
      if (conversations.has(recordKey(scope.tenantId, child.id))) throw new ConversationExistsError({ id: child.id });
      const copied = parent.messages.filter((message) => message.seq <= atSeq);
      const conversation: Conversation = { ...copy(child), messageCount: copied.length, tokenCount: totalPrimaryTokens(copied), lastSeq: atSeq };
      state.insert(newRecord(conversation, copied.map((message) => ({ ...copy(message), conversationId: conversation.id })), null));
      return copy(conversation);
    },
  };
}
