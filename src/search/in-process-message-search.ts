import type { MessageSearchHit, MessageSearchOptions } from '../spec/store.js';
import { validateConversationId, validateLimit, validateQuery, validateSeq, validateTags } from '../spec/validate.js';
import { LexicalIndex } from './lexical-index.js';
import type { Message, Scope } from '../types.js';
import { messageSearchText } from './message-text.js';

/**
 * Lexical message search for in-process stores: a BM25 {@link LexicalIndex} over
 * {@link messageSearchText}, one partition per scope (tenant and `userId ?? none`). The store
 * calls `add`/`remove` as messages come and go, and answers `searchMessages` through `search`,
 * passing a lookup that returns a message only when its conversation is visible in the scope
 * (owned and not expired), so hidden conversations never surface.
 */
export interface InProcessMessageSearch {
  add(scope: Scope, message: Message): void;
  remove(tenantId: string, conversationId: string, messageId: string): void;
  /**
   * Best-first hits. @throws {ValidationError} for a bad query, limit (1–100, default 10), seq or tags.
   */
  search(scope: Scope, options: MessageSearchOptions, lookup: (conversationId: string, messageId: string) => Message | undefined): MessageSearchHit[];
}

export function createInProcessMessageSearch(): InProcessMessageSearch {
  const index = new LexicalIndex();
  const located = new Map<string, { conversationId: string; messageId: string }>();
  const documentId = (tenantId: string, conversationId: string, messageId: string) => JSON.stringify([tenantId, conversationId, messageId]);
  const partition = (scope: Scope) => JSON.stringify([scope.tenantId, scope.userId ?? null]);
  return {
    add(scope, message) {
      const id = documentId(scope.tenantId, message.conversationId, message.id);
      located.set(id, { conversationId: message.conversationId, messageId: message.id });
      index.add(id, messageSearchText(message), partition(scope));
    },
    remove(tenantId, conversationId, messageId) {
      const id = documentId(tenantId, conversationId, messageId);
      located.delete(id);
      index.remove(id);
    },
    search(scope, options, lookup) {
      const query = validateQuery('query', options.query);
      const limit = validateLimit('limit', options.limit, 10, 100);
      if (options.conversationId !== undefined) validateConversationId(options.conversationId);
      const beforeSeq = validateSeq('beforeSeq', options.beforeSeq);
      const tags = options.tags === undefined ? [] : validateTags('tags', options.tags);
      const visible = new Map<string, Message>();
      const hits = index.search(query, {
        partitionKey: partition(scope),
        limit,
        filter: (id) => {
          const where = located.get(id)!;
          if (options.conversationId !== undefined && where.conversationId !== options.conversationId) return false;
          const message = lookup(where.conversationId, where.messageId);
          if (!message) return false;
          if (beforeSeq !== undefined && message.seq >= beforeSeq) return false;
          if (!tags.every((tag) => message.tags.includes(tag))) return false;
          visible.set(id, message);
          return true;
        },
      });
      return hits.map((hit) => ({ message: visible.get(hit.id)!, score: hit.score }));
    },
  };
}
