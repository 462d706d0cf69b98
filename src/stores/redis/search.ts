import type { StoreDriver } from '../define-store/driver.js';
import type { MessageSearchResult, SearchCoverage } from '../../spec/store.js';
import type { Message } from '../../types.js';
import { decodeMessage } from './codec.js';
import { scopeKeys } from './keys.js';
import { upperBound, type RedisContext } from './redis-context.js';
import { searchWindow } from './search-window.js';

/** Bounds of Redis lexical search (Redis here has no search module); `createRedisStore({ searchWindow })` overrides them. */
export interface RedisSearchWindow {
  /** Newest messages of one conversation read by a search given `conversationId`. */
  readonly conversationMessages: number;
  /** Most recently updated conversations read by a scope-wide search. */
  readonly conversations: number;
  /** Newest messages of each of those conversations. */
  readonly messagesPerConversation: number;
}

/** Default lexical search windows: newest messages of one conversation, or of each of the newest conversations. */
export const SEARCH_WINDOW: RedisSearchWindow = { conversationMessages: 1000, conversations: 20, messagesPerConversation: 200 };

/**
 * Lexical search of the Redis driver: BM25 over a bounded window of recent messages (see
 * {@link SEARCH_WINDOW}). Each read asks for one message (or conversation) past its bound, so a
 * search that did not read everything in the scope knows it and says so in the result's
 * `coverage` (see `MessageSearchResult`); a complete search carries none.
 */
export function createMessageSearch(context: RedisContext, window: Partial<RedisSearchWindow> = {}): Required<Pick<StoreDriver, 'searchMessages'>> {
  const { clock, index, prefix } = context;
  const bounds: RedisSearchWindow = { ...SEARCH_WINDOW, ...window };
  return {
    async searchMessages(scope, { query, limit, conversationId, beforeSeq, tags }) {
      const now = clock.now();
      let complete = true;
      /** The newest `count` messages (seq < beforeSeq); one more is read to learn whether the window held them all. */
      const recent = async (id: string, count: number): Promise<Message[]> => {
        const members = (await context.range(scope, id, now, 'desc', '-inf', upperBound(beforeSeq), count + 1)) ?? [];
        if (members.length > count) complete = false;
        return members.slice(0, count).map((json) => decodeMessage(json, id));
      };
      let candidates: Message[];
      let conversations: number;
      let bound: string;
      if (conversationId !== undefined) {
        bound = `the newest ${bounds.conversationMessages} messages of the conversation`;
        candidates = await recent(conversationId, bounds.conversationMessages);
        conversations = 1;
      } else {
        bound = `the newest ${bounds.messagesPerConversation} messages of each of the ${bounds.conversations} most recently updated conversations`;
        // The listing returns up to one conversation past its limit: that one says the scope holds more.
        const listed = await index.list({ scope, indexKey: scopeKeys(prefix, scope).all, limit: bounds.conversations, filter: {}, now });
        if (listed.length > bounds.conversations) complete = false;
        const newest = listed.slice(0, bounds.conversations);
        conversations = newest.length;
        candidates = (await Promise.all(newest.map((conversation) => recent(conversation.id, bounds.messagesPerConversation)))).flat();
      }
      const hits: MessageSearchResult = searchWindow({ messages: candidates, query, limit, ...(tags !== undefined ? { tags } : {}) });
      if (!complete) {
        const coverage: SearchCoverage = { complete: false, conversationsScanned: conversations, messagesScanned: candidates.length, bound };
        Object.defineProperty(hits, 'coverage', { value: coverage, enumerable: false });
      }
      return hits;
    },
  };
}
