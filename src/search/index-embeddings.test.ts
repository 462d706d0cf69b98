import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { newMessages } from '../testing/fixtures.js';
import type { Scope } from '../types.js';
import { cosineSimilarity, embedInBatches, type Embedder } from './embedder.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from './index-embeddings.js';

const scope: Scope = { tenantId: 't' };

/** Wraps an embedder and records every batch it receives. */
function counting(embedder: Embedder): Embedder & { batches: string[][] } {
  const batches: string[][] = [];
  return { modelId: embedder.modelId, dimensions: embedder.dimensions, batches, embed: async (texts, options) => (batches.push([...texts]), embedder.embed(texts, options)) };
}

describe('indexEmbeddings', () => {
  it('should embed each message once, in batches, sharing one vector per content hash', async () => {
    const store = createMemoryStore();
    await store.createConversation(scope, { id: 'c' });
    const { messages } = await store.appendMessages(scope, 'c', await newMessages([
      { role: 'user', content: 'ok' }, { role: 'user', content: 'ok' }, { role: 'user', content: 'the lighthouse' }, { role: 'assistant', content: 'a boat' }, { role: 'user', content: 'the harbour' },
    ]));
    const embedder = counting(createHashingEmbedder({ dimensions: 32 }));
    const first = await indexEmbeddings({ store, scope, embedder, targets: messages.map(messageEmbeddingTarget), batchSize: 2 });
    expect(first).toEqual({ embedded: 5, cached: 0 });
    expect(embedder.batches.map((batch) => batch.length)).toEqual([2, 2]);
    const second = await indexEmbeddings({ store, scope, embedder, targets: messages.map(messageEmbeddingTarget) });
    expect(second).toEqual({ embedded: 0, cached: 5 });
    expect(embedder.batches).toHaveLength(2);
    const hits = await store.vectors!.search(scope, { kind: 'message', model: embedder.modelId, vector: (await embedder.embed(['lighthouse'], {}))[0]!, limit: 1 });
    expect(hits[0]!.targetId).toBe(messages[2]!.id);
  });

  it('should reject vectors of the wrong shape before storing anything', async () => {
    const bad: Embedder = { modelId: 'bad', dimensions: 4, embed: async (texts) => texts.map(() => [1, 2, 3]) };
    await expect(embedInBatches({ embedder: bad, texts: ['a'] })).rejects.toMatchObject({ code: 'invalid_input' });
    const short: Embedder = { modelId: 'short', dimensions: 2, embed: async () => [[1, 0]] };
    await expect(embedInBatches({ embedder: short, texts: ['a', 'b'] })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('createHashingEmbedder', () => {
  it('should be deterministic, unit-length and closer for texts sharing words', async () => {
    const embedder = createHashingEmbedder({ dimensions: 64 });
    const [a, b, c, again] = await embedder.embed(['rescue dog adoption', 'adopting a rescue dog', 'quarterly tax report', 'rescue dog adoption'], {});
    expect(again).toEqual(a);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 10);
    expect(cosineSimilarity(a!, b!)).toBeGreaterThan(cosineSimilarity(a!, c!));
  });
});
