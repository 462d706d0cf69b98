import type { StoreDriver } from '../define-store/driver.js';
import type { Message } from '../../types.js';
import { decodeMessage } from './codec.js';
import { scopeKeys } from './keys.js';
import { upperBound, type RedisContext } from './redis-context.js';
import { searchWindow } from './search-window.js';

/** Lexical search windows: newest messages of one conversation, or of each of the newest conversations. */
export const SEARCH_WINDOW = { conversationMessages: 1000, conversations: 20, messagesPerConversation: 200 } as const;

/** Lexical search of the Redis driver: BM25 over a bounded window of recent messages (see {@link SEARCH_WINDOW}). */
export function createMessageSearch(context: RedisContext): Required<Pick<StoreDriver, 'searchMessages'>> {
  const { clock, index, prefix } = context;
  return {
    async searchMessages(scope, { query, limit, conversationId, beforeSeq, tags }) {
      const now = clock.now();
      const recent = async (id: string, count: number): Promise<Message[]> => {
        const members = await context.range(scope, id, now, 'desc', '-inf', upperBound(beforeSeq), count);
        return (members ?? []).map((json) => decodeMessage(json, id));
      };
      let candidates: Message[];
      if (conversationId !== undefined) {
        candidates = await recent(conversationId, SEARCH_WINDOW.conversationMessages);
      } else {
        const newest = (await index.list({ scope, indexKey: scopeKeys(prefix, scope).all, limit: SEARCH_WINDOW.conversations, filter: {}, now })).slice(0, SEARCH_WINDOW.conversations);
        candidates = (await Promise.all(newest.map((conversation) => recent(conversation.id, SEARCH_WINDOW.messagesPerConversation)))).flat();
      }
      return searchWindow({ messages: candidates, query, limit, ...(tags !== undefined ? { tags } : {}) });
    },
  };
}
