import { ConversationExistsError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import { copy, newRecord, recordKey, type MemoryState } from './memory-state.js';

/** Export and import of the in-memory driver: whole conversations in and out. */
export function createSnapshotOperations(state: MemoryState): Pick<StoreDriver, 'readConversation' | 'writeConversation'> {
  return {
    async readConversation(scope, conversationId) {
      const record = state.require(scope, conversationId);
      return copy({ conversation: record.conversation, messages: record.messages, summary: record.summary });
    },
    async writeConversation(scope, snapshot) {
      const { conversation } = snapshot;
      state.claimId(scope, conversation.id);
      if (state.conversations.has(recordKey(scope.tenantId, conversation.id))) throw new ConversationExistsError({ id: conversation.id });
      const stored = copy(snapshot);
      state.insert(newRecord(stored.conversation, [...stored.messages], stored.summary));
      return copy(conversation);
    },
  };
}
