import type { ContextRead } from '../../spec/store.js';
import type { DriverContextReadOptions, StoreDriver } from '../define-store/driver.js';
import type { Message, Scope } from '../../types.js';
import { decodeMessage } from './codec.js';
import { conversationKeys } from './keys.js';
import { upperBound, type RedisContext } from './redis-context.js';
import * as scripts from './scripts.js';
import { readContextFast, SummaryCache, type AlongsideReplies, type FastContextOptions } from './context-read.js';
import { DecodedTails } from './decoded-tails.js';
import { readTailFast } from './tail-read.js';

/** Average tokens per message assumed for a conversation's first context read in this process (chat turns run 20–100). */
const FIRST_READ_AVERAGE_TOKENS = 40;

/** Key of a conversation's learned average tokens per message (per encoding) in `TailEstimates`. */
export const tailEstimateKey = (tenantId: string, conversationId: string, encoding: string) => JSON.stringify([tenantId, conversationId, encoding]);
/** Key of a conversation's summary coverage seen by the last `readContext` (the next read's range starts above it). */
const summaryFloorKey = (tenantId: string, conversationId: string) => JSON.stringify([tenantId, conversationId]);

/** Messages of the Redis driver: append (append.ts), pages, tail reads, deletes. */
/** `readContext` with scripts of other slots run in the same `MULTI` (see {@link FastContextOptions.alongside}): the read and their replies. */
export type ReadContextAlongside = (
  scope: Scope,
  conversationId: string,
  options: DriverContextReadOptions,
  alongside: FastContextOptions['alongside'],
) => Promise<{ read: ContextRead; alongside: AlongsideReplies }>;

export function createMessageOperations(
  context: RedisContext,
): Pick<StoreDriver, 'appendMessages' | 'listMessages' | 'getTail' | 'deleteMessage'> & Required<Pick<StoreDriver, 'readContext'>> & { readContextAlongside: ReadContextAlongside } {
  const { client, prefix, clock, tailEstimates, summaryFloors, conversationScript } = context;
  const summaries = new SummaryCache();
  // Only readContext's tail (an assembly's first read) is cached: continuation reads further back
  // would replace a conversation's tail with older turns the next assembly does not read.
  const decodedTails = new DecodedTails();
  const operations: ReturnType<typeof createMessageOperations> = {
    // Not async: the appender's promise is returned as is (an async wrapper costs extra ticks per append).
    appendMessages(scope, conversationId, batch, { dedupeByContentHash }) {
      return context.append(scope, conversationId, batch, dedupeByContentHash, clock.now());
    },

    async listMessages(scope, conversationId, { order, afterSeq, beforeSeq, limit }) {
      const members = await context.range(scope, conversationId, clock.now(), order, afterSeq === 0 ? '-inf' : `(${afterSeq}`, upperBound(beforeSeq), limit);
      return (members ?? []).map((json) => decodeMessage(json, conversationId));
    },

    /**
     * One round trip: once this process knows the conversation's average tokens per message, a
     * `MULTI` reads the newest ≈ budget ÷ average × 1.15 messages natively (tail-read.ts);
     * otherwise, or when that read falls short, the `TAIL` Lua script walks back inside Redis.
     */
    async getTail(scope, conversationId, { maxTokens, encoding, maxMessages, beforeSeq }) {
      const now = clock.now();
      const upper = upperBound(beforeSeq);
      const estimateKey = tailEstimateKey(scope.tenantId, conversationId, encoding);
      const average = tailEstimates.get(estimateKey);
      if (average !== undefined) {
        const fast = await readTailFast({ client, keys: conversationKeys(prefix, scope.tenantId, conversationId), scope, conversationId, now, encoding, maxTokens, maxMessages, upper, average });
        if (fast.kind === 'absent') return { messages: [], reachedStart: true };
        if (fast.kind === 'done') {
          if (fast.average !== undefined) tailEstimates.set(estimateKey, fast.average);
          return { messages: fast.messages, reachedStart: fast.reachedStart };
        }
      }
      const reply = await conversationScript(scripts.TAIL, scope, conversationId, now, [encodeURIComponent(encoding), String(Math.min(maxTokens, Number.MAX_SAFE_INTEGER)), maxMessages, upper]);
      if (reply[0] !== 'ok') return { messages: [], reachedStart: true };
      const newestFirst = reply[1] as string[];
      const messages: Message[] = [];
      for (let index = newestFirst.length - 1; index >= 0; index -= 1) messages.push(decodeMessage(newestFirst[index]!, conversationId));
      const tokens = messages.reduce((sum, message) => sum + (message.tokenCounts[encoding] ?? 0), 0);
      tailEstimates.set(estimateKey, messages.length > 0 && tokens > 0 ? tokens / messages.length : 1);
      return { messages, reachedStart: reply[2] === '1' };
    },

    /**
     * One round trip in the common case ({@link readContextFast}): the conversation, the
     * speculative tail and the summary in one `MULTI`. Until this process has learned the
     * conversation's average tokens per message, the tail is sized for
     * {@link FIRST_READ_AVERAGE_TOKENS}; a read that falls short is finished by `getTail` (a second
     * round trip, sized from the conversation's stored average). Pinned memories are read beside it
     * (redis-store.ts), as they live in another slot. With `stopAtSummary` the range starts above
     * the summary coverage this process saw last for the conversation (see {@link readContextFast}).
     */
    async readContext(scope, conversationId, options) {
      return (await operations.readContextAlongside(scope, conversationId, options, undefined)).read;
    },

    async readContextAlongside(scope, conversationId, options, alongside) {
      const { maxTokens, encoding, maxMessages, beforeSeq, stopAtSummary } = options;
      const estimateKey = tailEstimateKey(scope.tenantId, conversationId, encoding);
      const floorKey = summaryFloorKey(scope.tenantId, conversationId);
      const read = await readContextFast({
        client,
        keys: conversationKeys(prefix, scope.tenantId, conversationId),
        scope,
        conversationId,
        now: clock.now(),
        encoding,
        maxTokens,
        maxMessages,
        upper: upperBound(beforeSeq),
        average: tailEstimates.get(estimateKey) ?? FIRST_READ_AVERAGE_TOKENS,
        stopAtSummary,
        floorHint: stopAtSummary ? (summaryFloors.get(floorKey) ?? 0) : 0,
        summaries,
        decoded: decodedTails,
        ...(alongside ? { alongside } : {}),
      });
      if (read.kind === 'absent') return { read: { conversation: null, tail: { messages: [], reachedStart: true }, summary: null }, alongside: read.alongside };
      const { conversation, summary } = read;
      if (stopAtSummary) summaryFloors.set(floorKey, summary?.coversThroughSeq ?? 0);
      if (read.tail.kind === 'done') {
        if (read.tail.average !== undefined) tailEstimates.set(estimateKey, read.tail.average);
        return { read: { conversation, tail: { messages: read.tail.messages, reachedStart: read.tail.reachedStart }, summary }, alongside: read.alongside };
      }
      // Too short: size getTail's read from the conversation's stored average and finish there
      // (with stopAtSummary the store layer cuts that tail at the summary).
      if (conversation.messageCount > 0) tailEstimates.set(estimateKey, Math.max(1, conversation.tokenCount / conversation.messageCount));
      const tail = await operations.getTail(scope, conversationId, { maxTokens, encoding, maxMessages, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
      return { read: { conversation, tail, summary }, alongside: read.alongside };
    },

    async deleteMessage(scope, conversationId, messageId) {
      const reply = await conversationScript(scripts.DELETE_MESSAGE, scope, conversationId, clock.now(), [messageId]);
      if (reply[0] !== 'deleted') return false;
      if (reply[1]) await context.lexical.removeMessage(scope, conversationId, String(reply[1]));
      return true;
    },
  };
  return operations;
}
