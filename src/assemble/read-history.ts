import { NotFoundError } from '../errors.js';
import type { ContextRead, Store } from '../spec/store.js';
import type { Conversation, Message, Scope } from '../types.js';

// Stage 2 of assembly: read the newest history that can fit, and continue backwards when asked.

/** What assembly has read of one conversation so far. */
export interface HistoryRead {
  readonly conversation: Conversation;
  /** The messages read, ascending by seq. */
  readonly messages: readonly Message[];
  /** True when `messages` starts at the conversation's first message. */
  readonly reachedStart: boolean;
  /** The stored summary and pinned memories, when the store read them in the first round trip (`Store.readContext`). */
  readonly prefetched?: ContextRead;
  /** What was read: the cost of this assembly. */
  readonly reads: { readonly messages: number; readonly roundTrips: number };
}

export interface ReadTarget {
  readonly store: Store;
  readonly scope: Scope;
  readonly conversationId: string;
  /** Encoding whose stored counts size the read. */
  readonly encoding: string;
}

/**
 * The first read: the conversation and its tail of at most `maxTokens` — in one round trip with
 * the stored summary and up to `pinnedMemories` pinned memories where the store has
 * `readContext`, else `getConversation` and `getTail` concurrently (two round trips). With
 * `stopAtSummary` (the summary section is enabled) the tail stops at the stored summary's coverage:
 * the window never reaches back over it when the summary is used, and {@link readEarlier}
 * continues when it is not.
 * @throws {NotFoundError} when the conversation is absent in this scope.
 */
export async function readHistory(target: ReadTarget, options: { maxTokens: number; pinnedMemories?: number; stopAtSummary?: boolean }): Promise<HistoryRead> {
  const { store, scope, conversationId, encoding } = target;
  const tailRead = { maxTokens: options.maxTokens, encoding };
  const prefetched: ContextRead | undefined = store.readContext
    ? await store.readContext(scope, conversationId, {
        ...tailRead,
        ...(options.pinnedMemories ? { pinnedMemories: options.pinnedMemories } : {}),
        ...(options.stopAtSummary ? { stopAtSummary: true } : {}),
      })
    : undefined;
  const [conversation, tail] = prefetched
    ? [prefetched.conversation, prefetched.tail]
    : await Promise.all([store.getConversation(scope, conversationId), store.getTail(scope, conversationId, tailRead)]);
  if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
  return {
    conversation,
    messages: [...tail.messages],
    reachedStart: tail.reachedStart,
    ...(prefetched ? { prefetched } : {}),
    reads: { messages: tail.messages.length, roundTrips: prefetched ? 1 : 2 },
  };
}

/**
 * Continues a tail read backwards: up to `maxTokens` more messages before the oldest one read
 * (at least 1 token, so every call makes progress), one round trip.
 */
export async function readEarlier(target: ReadTarget, read: HistoryRead, options: { maxTokens: number }): Promise<HistoryRead> {
  const more = await target.store.getTail(target.scope, target.conversationId, {
    maxTokens: Math.max(1, options.maxTokens),
    encoding: target.encoding,
    // An empty first read (a tail stopped at a summary covering every message) continues from the end.
    beforeSeq: read.messages[0]?.seq ?? read.conversation.lastSeq + 1,
  });
  return {
    ...read,
    messages: [...more.messages, ...read.messages],
    reachedStart: more.reachedStart || more.messages.length === 0,
    reads: { messages: read.reads.messages + more.messages.length, roundTrips: read.reads.roundTrips + 1 },
  };
}
