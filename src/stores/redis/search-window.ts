import { messageSearchText } from '../../search/message-text.js';
import type { MessageSearchHit } from '../../spec/store.js';
import type { Message } from '../../types.js';
import { LexicalIndex } from '../../search/lexical-index.js';

/**
 * BM25 search over a bounded window of messages already read from Redis (Redis here has no search
 * module). Collection statistics come from the window itself, so scores are comparable only within
 * one result list, as the spec says. Messages must carry every tag in `tags` when it is given.
 */
export function searchWindow(options: { messages: readonly Message[]; query: string; limit: number; tags?: readonly string[] }): MessageSearchHit[] {
  const index = new LexicalIndex();
  const byKey = new Map<string, Message>();
  for (const message of options.messages) {
    if (options.tags && !options.tags.every((tag) => message.tags.includes(tag))) continue;
    const key = JSON.stringify([message.conversationId, message.id]);
    byKey.set(key, message);
    index.add(key, messageSearchText(message), 'window');
  }
  return index.search(options.query, { partitionKey: 'window', limit: options.limit }).map((hit) => ({ message: byKey.get(hit.id)!, score: hit.score }));
}
