import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { createHashingEmbedder } from '../search/hashing-embedder.js';
import { newMessages } from '../testing/fixtures.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Scope } from '../types.js';
import { extractMemories, type ExtractedMemory, type MemoryExtractor } from './extract-memories.js';
import { createMemories } from './memories.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

/** An extractor that proposes fixed facts and records what it was shown. */
function scripted(proposals: readonly ExtractedMemory[]): MemoryExtractor & { seen: number[] } {
  const seen: number[] = [];
  return { seen, extract: async ({ existing }) => (seen.push(existing.length), proposals) };
}

async function setup() {
  const store = createMemoryStore();
  const memories = createMemories({ store, tokenizer: await getTokenizer({ encoding: 'o200k_base' }) });
  await store.createConversation(scope, { id: 'c' });
  const { messages } = await store.appendMessages(scope, 'c', await newMessages([
    { id: 'm1', role: 'user', content: 'I moved to Lisbon last month and I am vegetarian.' },
    { id: 'm2', role: 'assistant', content: 'Noted!' },
  ]));
  return { store, memories, messages };
}

describe('extractMemories', () => {
  it('should write proposals with provenance', async () => {
    const { memories, messages } = await setup();
    const result = await extractMemories({ memories, scope, conversationId: 'c', messages, extractor: scripted([{ text: 'Lives in Lisbon', key: 'home.city', messageIds: ['m1'] }, { text: 'Is vegetarian' }]) });
    expect(result.created.map((memory) => memory.text)).toEqual(['Lives in Lisbon', 'Is vegetarian']);
    expect(result.created[0]!.source).toEqual({ conversationId: 'c', messageIds: ['m1'] });
    expect(result.created[1]!.source).toEqual({ conversationId: 'c', messageIds: ['m1', 'm2'] });
  });

  it('should update by key instead of duplicating', async () => {
    const { memories, messages } = await setup();
    await memories.put({ key: 'home.city', text: 'Lives in Porto' }, { scope });
    const result = await extractMemories({ memories, scope, conversationId: 'c', messages, extractor: scripted([{ key: 'home.city', text: 'Lives in Lisbon' }]) });
    expect(result.updated.map((memory) => memory.text)).toEqual(['Lives in Lisbon']);
    expect((await memories.list({ scope })).items.map((memory) => memory.text)).toEqual(['Lives in Lisbon']);
  });

  it('should drop near-duplicates of stored memories and of earlier proposals', async () => {
    const { memories, messages } = await setup();
    const existing = await memories.put({ text: 'The user is vegetarian' }, { scope });
    const extractor = scripted([{ text: 'User is a vegetarian.' }, { text: 'Moved to Lisbon recently' }, { text: 'moved to Lisbon recently!' }]);
    const result = await extractMemories({ memories, scope, conversationId: 'c', messages, extractor, similarityThreshold: 0.6 });
    expect(result.duplicates.map((duplicate) => duplicate.duplicateOf)[0]).toBe(existing.id);
    expect(result.duplicates).toHaveLength(2);
    expect(result.created.map((memory) => memory.text)).toEqual(['Moved to Lisbon recently']);
    expect(extractor.seen[0]).toBeGreaterThan(0);
  });

  it('should use embedding similarity when an embedder is given', async () => {
    const { memories, messages } = await setup();
    await memories.put({ text: 'vegetarian diet' }, { scope });
    const result = await extractMemories({ memories, scope, conversationId: 'c', messages, embedder: createHashingEmbedder(), similarityThreshold: 0.99, extractor: scripted([{ text: 'Vegetarian diet' }, { text: 'Lives in Lisbon' }]) });
    expect(result.duplicates).toHaveLength(1);
    expect(result.created.map((memory) => memory.text)).toEqual(['Lives in Lisbon']);
  });

  it('should write nothing when the extractor throws', async () => {
    const { memories, messages } = await setup();
    const failing: MemoryExtractor = { extract: async () => { throw new Error('model down'); } };
    await expect(extractMemories({ memories, scope, conversationId: 'c', messages, extractor: failing })).rejects.toThrow('model down');
    expect((await memories.list({ scope })).items).toEqual([]);
  });
});
