import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { CapabilityError, NotFoundError } from '../errors.js';
import type { Embedder } from '../search/embedder.js';
import type { Scope } from '../types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

/** Puts "parcel" and "package" on one axis and everything else on the other: a stand-in for a model that knows synonyms. */
const synonymEmbedder: Embedder = {
  modelId: 'test:synonyms',
  dimensions: 2,
  embed: async (texts) => texts.map((text) => (/parcel|package/i.test(text) ? [1, 0] : [0, 1])),
};

async function seeded(manager: ContextManager): Promise<void> {
  await manager.append('orders', [
    { role: 'user', content: 'My order A-1001 has not arrived. Where is my order?' },
    { role: 'assistant', content: 'Order A-1001 left the warehouse on Monday.' },
    { role: 'user', content: 'Can you change the order address?' },
  ], { scope });
  await manager.append('returns', [{ role: 'user', content: 'I want to return an order I got last week.' }, { role: 'assistant', content: 'Sure, send it back.' }], { scope });
  await manager.append('chat', [{ role: 'user', content: 'The parcel was left at the neighbour.' }, { role: 'assistant', content: 'Good to hear.' }], { scope });
  await manager.append('other-user', [{ role: 'user', content: 'order order order' }], { scope: { tenantId: 't', userId: 'someone-else' } });
}

describe('manager.searchConversations', () => {
  it('should rank the scope’s conversations by their best matches, with snippets, and never cross the scope', async () => {
    const manager = new ContextManager();
    await seeded(manager);
    const found = await manager.searchConversations('order', { scope });
    expect(found.map((hit) => hit.conversationId)).toEqual(['orders', 'returns']);
    expect(found[0]!.matches).toBe(3);
    expect(found[0]!.score).toBeGreaterThanOrEqual(found[1]!.score);
    expect(found[0]!.snippets).toHaveLength(3);
    expect(found[0]!.snippets[0]).toMatchObject({ role: expect.any(String), seq: expect.any(Number), text: expect.stringMatching(/order/i) });
    expect((await manager.searchConversations('order', { scope, limit: 1, snippets: 1 }))[0]!.snippets).toHaveLength(1);
  });

  it('should shorten long snippets around the match', async () => {
    const manager = new ContextManager();
    await manager.append('long', [{ role: 'user', content: `${'filler words here '.repeat(40)}the zeppelin landed ${'and more filler '.repeat(40)}` }], { scope });
    const [hit] = await manager.searchConversations('zeppelin', { scope });
    expect(hit!.snippets[0]!.text.length).toBeLessThanOrEqual(200);
    expect(hit!.snippets[0]!.text).toContain('zeppelin');
    expect(hit!.snippets[0]!.text.startsWith('…')).toBe(true);
  });

  it('should find a conversation by meaning with an embedder (hybrid), which lexical search alone misses', async () => {
    const lexical = new ContextManager();
    await seeded(lexical);
    expect((await lexical.searchConversations('package', { scope })).map((hit) => hit.conversationId)).toEqual([]);
    const hybrid = new ContextManager({ embedder: synonymEmbedder });
    await seeded(hybrid);
    await hybrid.settled();
    expect((await hybrid.searchConversations('package', { scope })).map((hit) => hit.conversationId)).toContain('chat');
    expect((await hybrid.search('package', { scope })).map((hit) => hit.message.conversationId)).toContain('chat');
  });

  it('should throw CapabilityError on a store without lexical search', async () => {
    const manager = new ContextManager();
    const store = Object.create(manager.store);
    store.searchMessages = undefined;
    store.capabilities = { ...manager.store.capabilities, lexicalSearch: { available: false, reason: 'test store' } };
    await expect(new ContextManager({ store }).searchConversations('x', { scope })).rejects.toThrow(CapabilityError);
  });
});

describe('manager.fork / listChildren', () => {
  it('should fork a thread at a seq and list the parent’s children', async () => {
    const manager = new ContextManager();
    await seeded(manager);
    const thread = await manager.fork('orders', { scope, atSeq: 2, conversation: { id: 'orders-thread', title: 'What if' } });
    expect(thread).toMatchObject({ id: 'orders-thread', parentId: 'orders', title: 'What if' });
    expect((await manager.listMessages('orders-thread', { scope })).map((message) => message.seq)).toEqual([1, 2]);
    const children = await manager.listChildren('orders', { scope });
    expect(children.items.map((conversation) => conversation.id)).toEqual(['orders-thread']);
    expect((await manager.listChildren('returns', { scope })).items).toEqual([]);
    await expect(manager.fork('missing', { scope, atSeq: 1 })).rejects.toThrow(NotFoundError);
  });
});
