import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { createMemories } from '../../src/memories/memories.js';
import { createMemorySource } from '../../src/assemble/sections/memory-source.js';
import { createRecallSource } from '../../src/assemble/sections/recall-source.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { getTokenizer } from '../../src/tokens/index.js';
import type { Scope } from '../../src/types.js';

// PGlite gives a store with memories and full-text search in-process (no server needed).
const db = await PGlite.create();
let counter = 0;
afterAll(async () => {
  await db.close();
});

async function setup() {
  counter += 1;
  const store = await createPostgresStore({ client: db, tablePrefix: `am${counter}_` });
  await store.migrate();
  const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
  const memories = createMemories({ store, tokenizer });
  const manager = new ContextManager({
    store,
    shares: { memories: 0.3, recall: 0.3, summary: 0 },
    sources: { memories: createMemorySource(), recall: createRecallSource() },
  });
  return { store, memories, manager };
}

const alice: Scope = { tenantId: 't', userId: 'alice' };
const bob: Scope = { tenantId: 't', userId: 'bob' };

describe('assembly with memories (ContextManager + createMemorySource, Postgres store on PGlite)', () => {
  it('should always include pinned memories, add relevant ones, and list provenance in the report', async () => {
    const { memories, manager } = await setup();
    const { messages } = await manager.append('c1', [
      { id: 'a1', role: 'user', content: 'I am allergic to peanuts, please remember.' },
      { id: 'a2', role: 'assistant', content: 'Noted.' },
    ], { scope: alice });
    const pinned = await memories.put({ scope: alice, text: 'Preferred name: Ali', pinned: true });
    const allergy = await memories.put({ scope: alice, text: 'Allergic to peanuts', source: { conversationId: 'c1', messageIds: [messages[0]!.id] } });
    await memories.put({ scope: alice, text: 'Supports the local football club' });
    await memories.put({ scope: bob, text: 'Bob is allergic to peanuts too', pinned: true });

    await manager.append('c2', [{ role: 'user', content: 'Can you suggest a snack? Mind the peanuts.' }], { scope: alice });
    const { messages: context, report } = await manager.assemble('c2', { scope: alice, budget: { maxTokens: 500 } });
    const system = String(context[0]!.content);
    expect(system).toContain('Preferred name: Ali');
    expect(system).toContain('Allergic to peanuts');
    expect(system).not.toContain('Bob');
    expect(system).not.toContain('football');
    expect(report.memories).toEqual(expect.arrayContaining([
      { id: pinned.id, pinned: true },
      { id: allergy.id, pinned: false, source: { conversationId: 'c1', messageIds: ['a1'] } },
    ]));
    expect(report.sections.memories.tokens).toBeLessThanOrEqual(report.sections.memories.cap!);
  });

  it('should upsert a keyed memory so the context shows only the latest value', async () => {
    const { memories, manager } = await setup();
    await memories.put({ scope: alice, key: 'home.city', text: 'Lives in Porto', pinned: true });
    await memories.put({ scope: alice, key: 'home.city', text: 'Lives in Lisbon', pinned: true });
    await manager.append('c', [{ role: 'user', content: 'Any events near me this weekend?' }], { scope: alice });
    const { messages } = await manager.assemble('c', { scope: alice, budget: { maxTokens: 300 } });
    expect(String(messages[0]!.content)).toContain('Lives in Lisbon');
    expect(String(messages[0]!.content)).not.toContain('Porto');
  });

  it('should recall from older history through Postgres full-text search', async () => {
    const { manager } = await setup();
    const filler = Array.from({ length: 40 }, (_, index) => ({ role: (index % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant', content: `small talk number ${index}` }));
    filler[5] = { role: 'assistant', content: 'The spare key is hidden under the blue flowerpot.' };
    await manager.append('c', filler, { scope: alice });
    await manager.append('c', [{ role: 'user', content: 'Where is the spare key hidden?' }], { scope: alice });
    const { messages, report } = await manager.assemble('c', { scope: alice, budget: { maxTokens: 250 } });
    expect(String(messages[0]!.content)).toContain('The spare key is hidden under the blue flowerpot.');
    expect(report.recall[0]!.seqs).toContain(6);
  });
});
