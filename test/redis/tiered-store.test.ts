import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import { newMessages, textTurns } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';

const scope: Scope = { tenantId: 'acme', userId: 'u1' };
const tailOptions = { maxTokens: 100_000, encoding: 'o200k_base' };

describe('tiered store (in-process stores, no server)', () => {
  it('should serve recent windows from the hot store once the copy exists', async () => {
    const hot = createMemoryStore();
    const durable = createMemoryStore();
    const tiered = createTieredStore({ hot, durable });
    await tiered.createConversation(scope, { id: 'c1' });
    await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(4)));
    expect((await hot.listMessages(scope, 'c1', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    const tail = await tiered.getTail(scope, 'c1', tailOptions);
    expect(tail.messages).toHaveLength(4);
    expect(tiered.health()).toMatchObject({ hot: 'up', hotHits: 1, hotMisses: 0 });
  });

  it('should fall through on a miss, answer from the durable store and repopulate the hot copy', async () => {
    const hot = createMemoryStore();
    const durable = createMemoryStore();
    const tiered = createTieredStore({ hot, durable });
    await tiered.createConversation(scope, { id: 'c1' });
    await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(3)));
    await hot.deleteConversation(scope, 'c1'); // e.g. evicted
    expect((await tiered.getTail(scope, 'c1', tailOptions)).messages.map((message) => message.seq)).toEqual([1, 2, 3]);
    await tiered.settle();
    expect(tiered.health()).toMatchObject({ hotMisses: 1, repopulations: 1 });
    expect(await hot.listMessages(scope, 'c1', { order: 'asc', limit: 10 })).toEqual(await durable.listMessages(scope, 'c1', { order: 'asc', limit: 10 }));
    await tiered.getTail(scope, 'c1', tailOptions);
    expect(tiered.health().hotHits).toBe(1);
  });

  it('should drop a hot copy whose seqs disagree with the durable store, and still read correctly', async () => {
    const hot = createMemoryStore();
    const durable = createMemoryStore();
    const tiered = createTieredStore({ hot, durable });
    await tiered.createConversation(scope, { id: 'c1' });
    // A write that reached only the hot copy makes its seqs run ahead of the durable store.
    await hot.appendMessages(scope, 'c1', await newMessages([{ id: 'rogue', role: 'user', content: 'only in hot' }]));
    await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(2)));
    expect(tiered.health().invalidations).toBe(1);
    expect(await hot.getConversation(scope, 'c1')).toBeNull();
    expect((await tiered.listMessages(scope, 'c1', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['m-0', 'm-1']);
  });

  it('should send search, memories and vectors to the durable store and declare its capabilities', () => {
    const durable = createMemoryStore();
    const tiered = createTieredStore({ hot: createMemoryStore(), durable });
    expect(tiered.capabilities).toBe(durable.capabilities);
    expect(tiered.vectors).toBe(durable.vectors);
  });

  it('should mirror summaries and message deletes, and invalidate on state changes', async () => {
    const hot = createMemoryStore();
    const durable = createMemoryStore();
    const tiered = createTieredStore({ hot, durable });
    await tiered.createConversation(scope, { id: 'c1' });
    await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(3)));
    const summary = { text: 'so far', coversThroughSeq: 2, tokenCount: 2, encoding: 'o200k_base', updatedAt: new Date(0) };
    expect((await tiered.putSummary(scope, 'c1', summary, { expectedCoversThroughSeq: null })).applied).toBe(true);
    expect(await hot.getSummary(scope, 'c1')).toEqual(summary);
    expect(await tiered.deleteMessage(scope, 'c1', 'm-1')).toBe(true);
    expect((await hot.listMessages(scope, 'c1', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['m-0', 'm-2']);
    await tiered.updateState(scope, 'c1', { step: 1 });
    expect(await hot.getConversation(scope, 'c1')).toBeNull();
    expect((await tiered.getConversation(scope, 'c1'))?.stateVersion).toBe(1);
  });
});
