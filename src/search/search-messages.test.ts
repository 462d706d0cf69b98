import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import type { Store } from '../spec/store.js';
import { newMessages } from '../testing/fixtures.js';
import type { Scope } from '../types.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from './index-embeddings.js';
import { searchMessages } from './search-messages.js';

const alice: Scope = { tenantId: 't', userId: 'alice' };
const bob: Scope = { tenantId: 't', userId: 'bob' };

describe('searchMessages', () => {
  let store: Store;
  beforeEach(async () => {
    store = createMemoryStore();
    for (const [scope, id, text] of [[alice, 'trip', 'Booked the ferry to Tangier'], [alice, 'work', 'The ferry schedule slipped'], [alice, 'misc', 'Bought bread'], [bob, 'bobs', 'ferry tickets for Bob']] as const) {
      await store.createConversation(scope, { id });
      const { messages } = await store.appendMessages(scope, id, await newMessages([{ role: 'user', content: text }]));
      await indexEmbeddings({ store, scope, embedder: createHashingEmbedder(), targets: messages.map(messageEmbeddingTarget) });
    }
  });

  it('should search across all of the user’s conversations and nobody else’s', async () => {
    const result = await searchMessages({ store, scope: alice, query: 'ferry' });
    expect(result.method).toBe('lexical');
    expect(new Set(result.hits.map((hit) => hit.message.conversationId))).toEqual(new Set(['trip', 'work']));
  });

  it('should search within one conversation', async () => {
    const result = await searchMessages({ store, scope: alice, query: 'ferry', conversationId: 'work' });
    expect(result.hits.map((hit) => hit.message.conversationId)).toEqual(['work']);
  });

  it('should fuse with vector hits when an embedder is configured', async () => {
    const result = await searchMessages({ store, scope: alice, query: 'ferry Tangier', embedder: createHashingEmbedder() });
    expect(result.method).toBe('hybrid');
    expect(result.hits[0]!.message.conversationId).toBe('trip');
    expect(result.hits.every((hit) => hit.message.conversationId !== 'bobs')).toBe(true);
  });

  it('should reject an empty query and a store without any search', async () => {
    await expect(searchMessages({ store, scope: alice, query: '  ' })).rejects.toMatchObject({ code: 'invalid_input' });
    const bare = { ...store, searchMessages: undefined, capabilities: { ...store.capabilities, lexicalSearch: { available: false as const, reason: 'no index in this test store' } } };
    await expect(searchMessages({ store: bare, scope: alice, query: 'ferry' })).rejects.toMatchObject({ code: 'capability_absent' });
  });
});
