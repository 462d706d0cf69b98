import { LexicalIndex } from '../../search/lexical-index.js';
import { messageSearchText } from '../../search/message-text.js';
import type { MessageSearchResult, SearchCoverage } from '../../spec/store.js';
import type { Message, Scope } from '../../types.js';
import type { DriverMessageSearchOptions } from '../define-store/driver.js';
import type { DecodedBatch, EncodedMessage } from './codec.js';
import type { ConversationReads, LiveConversation } from './conversation-table.js';
import { scopeListPk } from './keys.js';
import type { TableClient } from './table-client.js';

/**
 * Bounds of lexical search (DynamoDB has no full-text index): one conversation's newest
 * `conversationMessages` messages, or the newest `messagesPerConversation` messages of each of the
 * scope's `conversations` most recently updated conversations. Reads are Queries of batch items
 * (≈ 1 RCU per 4 KB of messages), so a search costs at most about (window bytes / 4 KB) RCU,
 * whatever the history length. A search that did not read everything says so in `coverage`.
 */
export const DYNAMODB_SEARCH_WINDOW: SearchWindow = { conversationMessages: 1000, conversations: 20, messagesPerConversation: 200 };

/** The bounds of {@link DYNAMODB_SEARCH_WINDOW}; `createDynamoDBStore({ searchWindow })` overrides them. */
export interface SearchWindow {
  readonly conversationMessages: number;
  readonly conversations: number;
  readonly messagesPerConversation: number;
}

export function createMessageSearch(options: { table: TableClient; reads: ConversationReads; window?: Partial<SearchWindow> }) {
  const { table, reads } = options;
  const bounds: SearchWindow = { ...DYNAMODB_SEARCH_WINDOW, ...options.window };

  /** Newest messages of one conversation (seq < beforeSeq), at most `limit`; `complete` when its start was reached. */
  async function window(live: LiveConversation, limit: number, beforeSeq?: number): Promise<{ messages: Message[]; complete: boolean }> {
    const wanted: Array<{ batch: DecodedBatch; message: EncodedMessage }> = [];
    let complete = true;
    // One Query page covers the window (a batch item holds at least one message).
    for await (const entry of reads.newestFirst(live, { pageSize: Math.min(1000, limit), ...(beforeSeq !== undefined ? { beforeSeq } : {}) })) {
      if (wanted.length >= limit) {
        complete = false;
        break;
      }
      wanted.push(entry);
    }
    return { messages: await reads.materialize(live.pk, live.conversation.id, wanted), complete };
  }

  return async function searchMessages(scope: Scope, search: DriverMessageSearchOptions): Promise<MessageSearchResult> {
    const candidates: Message[] = [];
    let complete = true;
    let conversations = 0;
    let bound: string;
    if (search.conversationId !== undefined) {
      bound = `the newest ${bounds.conversationMessages} messages of the conversation`;
      const live = await reads.find(scope, search.conversationId);
      if (live) {
        conversations = 1;
        const read = await window(live, bounds.conversationMessages, search.beforeSeq);
        candidates.push(...read.messages);
        complete = read.complete;
      }
    } else {
      bound = `the newest ${bounds.messagesPerConversation} messages of each of the ${bounds.conversations} most recently updated conversations`;
      const lives: LiveConversation[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await table.queryPage({ index: 'byScope', keyCondition: 'lpk = :p', values: { ':p': scopeListPk(scope) }, forward: false, limit: bounds.conversations + 1 }, startKey);
        for (const item of page.items) {
          const live = reads.live(scope, item);
          if (!live) continue;
          if (lives.length >= bounds.conversations) {
            complete = false;
            break;
          }
          lives.push(live);
        }
        startKey = complete ? page.lastKey : undefined;
      } while (startKey);
      conversations = lives.length;
      const reads_ = await Promise.all(lives.map((live) => window(live, bounds.messagesPerConversation)));
      for (const read of reads_) {
        candidates.push(...read.messages);
        if (!read.complete) complete = false;
      }
    }
    const index = new LexicalIndex();
    const byKey = new Map<string, Message>();
    for (const message of candidates) {
      if (search.tags && !search.tags.every((tag) => message.tags.includes(tag))) continue;
      const key = JSON.stringify([message.conversationId, message.id]);
      byKey.set(key, message);
      index.add(key, messageSearchText(message), 'window');
    }
    const hits: MessageSearchResult = index.search(search.query, { partitionKey: 'window', limit: search.limit }).map((hit) => ({ message: byKey.get(hit.id)!, score: hit.score }));
    if (!complete) {
      const coverage: SearchCoverage = { complete: false, conversationsScanned: conversations, messagesScanned: candidates.length, bound };
      Object.defineProperty(hits, 'coverage', { value: coverage, enumerable: false });
    }
    return hits;
  };
}
