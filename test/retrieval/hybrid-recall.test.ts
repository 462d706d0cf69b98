import { MockEmbeddingModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { createAiSdkEmbedder } from '../../integrations/ai-sdk/embedder.js';
import { ContextManager } from '../../src/context-manager.js';
import { createHashingEmbedder } from '../../src/search/hashing-embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from '../../src/search/index-embeddings.js';
import { createRecallSource } from '../../src/assemble/sections/recall-source.js';
import type { Scope } from '../../src/types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
// "Semantic" stand-in: the mock maps texts about pets to one direction and everything else to another,
// so vector search finds a turn that shares no word with the query.
const PET = /dog|puppy|pet|greyhound|kennel|vet/i;

function mockModel() {
  return new MockEmbeddingModelV4({
    modelId: 'mock-pets',
    doEmbed: async ({ values }) => ({ embeddings: values.map((value) => (PET.test(value) ? [1, 0, 0] : [0, 1, 0])), warnings: [] }),
  });
}

async function conversation(manager: ContextManager) {
  const turns = Array.from({ length: 40 }, (_, index) => ({ id: `m${index + 1}`, role: (index % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant', content: `Talking about the weather, part ${index + 1}.` }));
  turns[4] = { id: 'm5', role: 'user', content: 'We brought the new puppy to the vet for shots.' };
  const { messages } = await manager.append('c', turns, { scope });
  return messages;
}

describe('hybrid recall (lexical + vector, fused by reciprocal rank fusion)', () => {
  it('should recall a turn that shares no word with the query through an AI SDK embedding model', async () => {
    const model = mockModel();
    const embedder = createAiSdkEmbedder({ model, dimensions: 3 });
    const manager = new ContextManager({ shares: { recall: 0.5, memories: 0, summary: 0 }, sources: { recall: createRecallSource({ embedder }) } });
    const messages = await conversation(manager);
    const indexed = await indexEmbeddings({ store: manager.store, scope, embedder, targets: messages.map(messageEmbeddingTarget) });
    expect(indexed).toEqual({ embedded: 40, cached: 0 });
    await manager.append('c', [{ role: 'user', content: 'How is my dog doing lately?' }], { scope });

    const hybrid = await manager.assemble('c', { scope, budget: { maxTokens: 250 } });
    expect(String(hybrid.messages[0]!.content)).toContain('We brought the new puppy to the vet for shots.');

    const lexicalOnly = new ContextManager({ store: manager.store, shares: { recall: 0.5, memories: 0, summary: 0 }, sources: { recall: createRecallSource() } });
    const plain = await lexicalOnly.assemble('c', { scope, budget: { maxTokens: 250 } });
    expect(String(plain.messages[0]?.content ?? '')).not.toContain('puppy');
  });

  it('should not re-embed what is already embedded (cache by model)', async () => {
    const model = mockModel();
    const embedder = createAiSdkEmbedder({ model, dimensions: 3 });
    const manager = new ContextManager();
    const messages = await conversation(manager);
    await indexEmbeddings({ store: manager.store, scope, embedder, targets: messages.map(messageEmbeddingTarget) });
    const calls = model.doEmbedCalls.length;
    expect(await indexEmbeddings({ store: manager.store, scope, embedder, targets: messages.map(messageEmbeddingTarget) })).toEqual({ embedded: 0, cached: 40 });
    expect(model.doEmbedCalls.length).toBe(calls);
    // Another model id is a different index: its vectors are computed, never mixed.
    expect((await indexEmbeddings({ store: manager.store, scope, embedder: createHashingEmbedder({ dimensions: 3 }), targets: messages.map(messageEmbeddingTarget) })).embedded).toBe(40);
  });

  it('should fall back to lexical recall and note it when the embedding model fails', async () => {
    const failing = new MockEmbeddingModelV4({ modelId: 'down', doEmbed: async () => { throw new Error('503'); } });
    const embedder = createAiSdkEmbedder({ model: failing, dimensions: 3 });
    const manager = new ContextManager({ shares: { recall: 0.5, memories: 0, summary: 0 }, sources: { recall: createRecallSource({ embedder }) } });
    await conversation(manager);
    await manager.append('c', [{ role: 'user', content: 'What did the vet say about the puppy?' }], { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 250 } });
    expect(String(messages[0]!.content)).toContain('puppy to the vet');
    expect(report.notes.join(' ')).toMatch(/embedder .* failed/);
  });
});
