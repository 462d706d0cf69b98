import { IdempotencyConflictError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import { isRetriedBatch, primaryTokens } from '../define-store/records.js';
import type { Message } from '../../types.js';
import { copy, type MemoryState } from './memory-state.js';

type MessageDriver = Pick<StoreDriver, 'appendMessages' | 'listMessages' | 'getTail' | 'deleteMessage'>;

/**
 * Messages of the in-memory driver. Atomicity comes from JavaScript's run-to-completion: each
 * write checks everything first, then mutates without awaiting, so a batch is never interleaved
 * or half-applied.
 */
export function createMessageOperations(state: MemoryState): MessageDriver {
  return {
    async appendMessages(scope, conversationId, batch, { dedupeByContentHash, now }) {
      const record = state.require(scope, conversationId);
      if (dedupeByContentHash && isRetriedBatch(record.messages, batch)) {
        return { messages: copy(record.messages.slice(-batch.length)), inserted: 0, conversation: copy(record.conversation) };
      }
      for (const input of batch) {
        const existing = record.byId.get(input.id);
        if (existing && (existing.role !== input.role || existing.contentHash !== input.contentHash)) throw new IdempotencyConflictError({ messageId: input.id });
      }
      const lastSeq = record.conversation.lastSeq;
      let seq = lastSeq;
      let tokens = 0;
      const result: Message[] = [];
      for (const input of batch) {
        const existing = record.byId.get(input.id);
        if (existing) {
          result.push(existing);
          continue;
        }
        seq += 1;
        const message: Message = { ...copy(input), conversationId, seq };
        record.messages.push(message);
        record.byId.set(message.id, message);
        state.messageSearch.add(scope, message);
        tokens += primaryTokens(input);
        result.push(message);
      }
      const inserted = seq - lastSeq;
      if (inserted > 0) {
        const ttl = record.conversation.ttl;
        state.touch(record, {
          lastSeq: seq,
          messageCount: record.conversation.messageCount + inserted,
          tokenCount: record.conversation.tokenCount + tokens,
          ...(ttl?.mode === 'sliding' ? { expiresAt: new Date(now.getTime() + ttl.seconds * 1000) } : {}),
        });
      }
      return { messages: copy(result), inserted, conversation: copy(record.conversation) };
    },

    async listMessages(scope, conversationId, { order, afterSeq, beforeSeq = Number.MAX_SAFE_INTEGER, limit }) {
      const record = state.find(scope, conversationId);
      if (!record) return [];
      const messages = record.messages;
      const result: Message[] = [];
      if (order === 'desc') {
        for (let index = firstIndexAtOrAbove(messages, beforeSeq) - 1; index >= 0 && result.length < limit; index -= 1) {
          const message = messages[index]!;
          if (message.seq <= afterSeq) break;
          result.push(message);
        }
      } else {
        for (let index = firstIndexAtOrAbove(messages, afterSeq + 1); index < messages.length && result.length < limit; index += 1) {
          const message = messages[index]!;
          if (message.seq >= beforeSeq) break;
          result.push(message);
        }
      }
      return copy(result);
    },

    async getTail(scope, conversationId, { maxTokens, encoding, maxMessages, beforeSeq = Number.MAX_SAFE_INTEGER }) {
      const record = state.find(scope, conversationId);
      if (!record) return { messages: [], reachedStart: true };
      const messages = record.messages;
      let index = firstIndexAtOrAbove(messages, beforeSeq) - 1;
      let total = 0;
      const collected: Message[] = [];
      while (index >= 0 && collected.length < maxMessages && total < maxTokens) {
        const message = messages[index]!;
        collected.push(message);
        total += message.tokenCounts[encoding] ?? 0;
        index -= 1;
      }
      return { messages: copy(collected.reverse()), reachedStart: index < 0 };
    },

    async deleteMessage(scope, conversationId, messageId) {
      const record = state.find(scope, conversationId);
      const message = record?.byId.get(messageId);
      if (!record || !message) return false;
      record.messages = record.messages.filter((candidate) => candidate.id !== messageId);
      record.byId.delete(messageId);
      state.messageSearch.remove(record.conversation.tenantId, conversationId, messageId);
      state.touch(record, { messageCount: record.conversation.messageCount - 1, tokenCount: record.conversation.tokenCount - primaryTokens(message) });
      return true;
    },
  };
}

/** Index of the first message with `seq >= seq` (binary search; messages are sorted by seq). */
function firstIndexAtOrAbove(messages: readonly Message[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (messages[middle]!.seq < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}
