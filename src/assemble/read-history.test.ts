import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { prepareMessages } from '../messages/prepare.js';
import type { Store } from '../spec/store.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Scope } from '../types.js';
import { readEarlier, readHistory } from './read-history.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const scope: Scope = { tenantId: 't', userId: 'u' };

async function storeWith(count: number): Promise<Store> {
  const store = createMemoryStore();
  await store.createConversation(scope, { id: 'c' });
  const inputs = Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `message number ${index + 1}` }));
  await store.appendMessages(scope, 'c', await prepareMessages(inputs, { tokenizer }), {});
  return store;
}

describe('readHistory', () => {
  it('should read the conversation and a tail of at most maxTokens in two round trips without readContext', async () => {
    const store = await storeWith(20);
    const tokens = (await store.listMessages(scope, 'c', { order: 'asc', limit: 100 }))[0]!.tokenCounts.o200k_base!;
    const read = await readHistory({ store, scope, conversationId: 'c', encoding: 'o200k_base' }, { maxTokens: tokens * 5 });
    expect(read.conversation.id).toBe('c');
    expect(read.messages.map((message) => message.seq)).toEqual([16, 17, 18, 19, 20]);
    expect(read.reachedStart).toBe(false);
    expect(read.reads).toEqual({ messages: 5, roundTrips: 2 });
    expect(read.prefetched).toBeUndefined();
  });

  it('should read everything in one round trip through readContext and keep what it prefetched', async () => {
    const inner = await storeWith(3);
    const calls: string[] = [];
    const store = Object.create(inner) as Store;
    store.readContext = async (readScope, conversationId, options) => {
      calls.push(`readContext pinned=${options.pinnedMemories ?? 0}`);
      return { conversation: await inner.getConversation(readScope, conversationId), tail: await inner.getTail(readScope, conversationId, options), summary: null };
    };
    const read = await readHistory({ store, scope, conversationId: 'c', encoding: 'o200k_base' }, { maxTokens: 10_000, pinnedMemories: 8 });
    expect(calls).toEqual(['readContext pinned=8']);
    expect(read.reads).toEqual({ messages: 3, roundTrips: 1 });
    expect(read.reachedStart).toBe(true);
    expect(read.prefetched?.summary).toBeNull();
  });

  it('should throw NotFoundError for a conversation absent in the scope', async () => {
    const store = await storeWith(1);
    await expect(readHistory({ store, scope: { tenantId: 't', userId: 'other' }, conversationId: 'c', encoding: 'o200k_base' }, { maxTokens: 100 })).rejects.toThrow(NotFoundError);
  });
});

describe('readEarlier', () => {
  it('should prepend the messages before the oldest one read, count the round trip, and stop at the start', async () => {
    const store = await storeWith(6);
    const target = { store, scope, conversationId: 'c', encoding: 'o200k_base' };
    const tokens = (await store.listMessages(scope, 'c', { order: 'asc', limit: 1 }))[0]!.tokenCounts.o200k_base!;
    const first = await readHistory(target, { maxTokens: tokens * 2 });
    const second = await readEarlier(target, first, { maxTokens: tokens * 2 });
    expect(second.messages.map((message) => message.seq)).toEqual([3, 4, 5, 6]);
    expect(second.reads).toEqual({ messages: 4, roundTrips: 3 });
    const third = await readEarlier(target, second, { maxTokens: 10_000 });
    expect(third.messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(third.reachedStart).toBe(true);
  });
});
