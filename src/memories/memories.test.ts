import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import type { Store } from '../spec/store.js';
import type { Embedder } from '../search/embedder.js';
import { createHashingEmbedder } from '../search/hashing-embedder.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Scope } from '../types.js';
import { createMemories, hashMemoryText, type Memories } from './memories.js';

const alice: Scope = { tenantId: 't', userId: 'alice' };
const bob: Scope = { tenantId: 't', userId: 'bob' };

describe('createMemories', () => {
  let store: Store;
  let memories: Memories;
  beforeEach(async () => {
    store = createMemoryStore();
    memories = createMemories({ store, tokenizer: await getTokenizer({ encoding: 'o200k_base' }) });
  });

  it('should derive id, token count and content hash once, at write', async () => {
    const memory = await memories.put({ text: 'Allergic to peanuts', tags: ['health'], pinned: true }, { scope: alice });
    expect(memory.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(memory.tokenCounts.o200k_base).toBe((await getTokenizer({ encoding: 'o200k_base' })).count('Allergic to peanuts'));
    expect(memory.contentHash).toBe(await hashMemoryText('Allergic to peanuts'));
    expect(await memories.get(memory.id, { scope: alice })).toEqual(memory);
  });

  it('should upsert by key and recompute derived fields on update', async () => {
    const first = await memories.put({ key: 'diet', text: 'Vegetarian' }, { scope: alice });
    const second = await memories.put({ key: 'diet', text: 'Vegan since 2024' }, { scope: alice });
    expect(second.id).toBe(first.id);
    const updated = await memories.update(first.id, { scope: alice, text: 'Pescatarian' });
    expect(updated.contentHash).toBe(await hashMemoryText('Pescatarian'));
    expect((await memories.list({ scope: alice })).items).toHaveLength(1);
  });

  it('should keep users apart', async () => {
    await memories.put({ text: 'Alice likes jazz' }, { scope: alice });
    expect((await memories.search('jazz', { scope: bob }))).toEqual([]);
    expect((await memories.search('jazz', { scope: alice })).map((hit) => hit.memory.text)).toEqual(['Alice likes jazz']);
  });

  it('should reject bad input with a typed error and write nothing', async () => {
    await expect(memories.put({ text: '' }, { scope: alice })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(memories.put({ text: 'x', metadata: { bad: Number.NaN } }, { scope: alice })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(memories.search('x', { scope: alice, limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await memories.list({ scope: alice })).items).toEqual([]);
  });

  it('should find a shared (tenant-level) memory through its embedding too, for every user', async () => {
    // Every text embeds to the same vector: only the vector half of the search can find anything for a nonsense query.
    const constant: Embedder = { modelId: 'constant', dimensions: 2, embed: async (texts) => texts.map(() => [1, 0]) };
    const hybrid = createMemories({ store, tokenizer: await getTokenizer({ encoding: 'o200k_base' }), embedder: constant });
    const shared = await hybrid.put({ text: 'Parking permits are issued by the front desk' }, { scope: { tenantId: 't' } });
    const own = await hybrid.put({ text: 'Alice drives a blue car' }, { scope: alice });
    expect(new Set((await hybrid.search('zzqx', { scope: alice })).map((hit) => hit.memory.id))).toEqual(new Set([shared.id, own.id]));
    const forBob = await hybrid.search('zzqx', { scope: bob });
    expect(forBob.map((hit) => hit.memory)).toEqual([expect.objectContaining({ id: shared.id, shared: true })]);
  });

  it('should keep the superseded text of an updated memory in its history', async () => {
    const first = await memories.put({ key: 'job', text: 'Works as a nurse' }, { scope: alice });
    await memories.update(first.id, { scope: alice, text: 'Works as a midwife' });
    expect((await memories.history(first.id, { scope: alice })).map((version) => version.text)).toEqual(['Works as a midwife', 'Works as a nurse']);
    expect(await memories.history(first.id, { scope: bob })).toEqual([]);
    await expect(memories.history(first.id, { scope: alice, limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('should find by meaning-ish overlap with an embedder (hybrid) as well as by words', async () => {
    const hybrid = createMemories({ store, tokenizer: await getTokenizer({ encoding: 'o200k_base' }), embedder: createHashingEmbedder() });
    await hybrid.put({ text: 'Works as a nurse in Leeds' }, { scope: alice });
    await hybrid.put({ text: 'Has two cats' }, { scope: alice });
    const hits = await hybrid.search('nurse job', { scope: alice });
    expect(hits[0]!.memory.text).toBe('Works as a nurse in Leeds');
  });
});
