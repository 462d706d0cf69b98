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
    const pinned = await memories.put({ text: 'Preferred name: Ali', pinned: true }, { scope: alice });
    const allergy = await memories.put({ text: 'Allergic to peanuts', source: { conversationId: 'c1', messageIds: [messages[0]!.id] } }, { scope: alice });
    await memories.put({ text: 'Supports the local football club' }, { scope: alice });
    await memories.put({ text: 'Bob is allergic to peanuts too', pinned: true }, { scope: bob });

    await manager.append('c2', [{ role: 'user', content: 'Can you suggest a snack? Mind the peanuts.' }], { scope: alice });
    const { messages: context, report } = await manager.assemble('c2', { scope: alice, budget: { maxTokens: 500 } });
    const system = String(context[0]!.content);
    expect(system).toContain('Preferred name: Ali');
    expect(system).toContain('Allergic to peanuts');
    expect(system).not.toContain('Bob');
    expect(system).not.toContain('football');
    expect(report.memories).toEqual(expect.arrayContaining([
      { id: pinned.id, pinned: true, shared: false },
      { id: allergy.id, pinned: false, shared: false, source: { conversationId: 'c1', messageIds: ['a1'] } },
    ]));
    expect(report.sections.memories.tokens).toBeLessThanOrEqual(report.sections.memories.cap!);
  });

  it('should upsert a keyed memory so the context shows only the latest value', async () => {
    const { memories, manager } = await setup();
    await memories.put({ key: 'home.city', text: 'Lives in Porto', pinned: true }, { scope: alice });
    await memories.put({ key: 'home.city', text: 'Lives in Lisbon', pinned: true }, { scope: alice });
    await manager.append('c', [{ role: 'user', content: 'Any events near me this weekend?' }], { scope: alice });
    const { messages } = await manager.assemble('c', { scope: alice, budget: { maxTokens: 300 } });
    expect(String(messages[0]!.content)).toContain('Lives in Lisbon');
    expect(String(messages[0]!.content)).not.toContain('Porto');
  });

  it('should give every user of the tenant its shared memories, marked as shared in the prompt and the report', async () => {
    const { memories, manager } = await setup();
    const tenant = { tenantId: alice.tenantId };
    const policy = await memories.put({ text: 'Company policy: never share customer emails', pinned: true }, { scope: tenant });
    const perks = await memories.put({ text: 'Office snacks are peanut-free' }, { scope: tenant });
    await memories.put({ text: 'Alice prefers short answers', pinned: true }, { scope: alice });
    for (const user of [alice, bob]) {
      // Conversation ids are unique per tenant: one each.
      await manager.append(`c-${user.userId}`, [{ role: 'user', content: 'Which snacks are in the office?' }], { scope: user });
      const { messages, report } = await manager.assemble(`c-${user.userId}`, { scope: user, budget: { maxTokens: 500 } });
      const system = String(messages[0]!.content);
      expect(system).toContain('- (shared) Company policy: never share customer emails');
      expect(system).toContain('- (shared) Office snacks are peanut-free');
      expect(system.includes('- Alice prefers short answers')).toBe(user === alice);
      expect(report.memories).toEqual(expect.arrayContaining([
        { id: policy.id, pinned: true, shared: true },
        { id: perks.id, pinned: false, shared: true },
      ]));
    }
    // The tenant scope sees its shared memories, never a user's.
    expect((await memories.list({ scope: tenant })).items.map((memory) => memory.text).sort()).toEqual(['Company policy: never share customer emails', 'Office snacks are peanut-free']);
  });

  it('should not mark memories as shared in a tenant-level assembly (no user: every memory is the reader\'s own)', async () => {
    const { memories, manager } = await setup();
    const tenant = { tenantId: alice.tenantId };
    const policy = await memories.put({ text: 'Company policy: never share customer emails', pinned: true }, { scope: tenant });
    await manager.append('c-tenant', [{ role: 'user', content: 'What is the policy on emails?' }], { scope: tenant });
    const { messages, report } = await manager.assemble('c-tenant', { scope: tenant, budget: { maxTokens: 500 } });
    const system = String(messages[0]!.content);
    expect(system).toContain('- Company policy: never share customer emails');
    expect(system).not.toContain('(shared)');
    expect(report.memories).toEqual([{ id: policy.id, pinned: true, shared: false }]);
  });

  it('should assemble the newest fact and keep the superseded one in the history', async () => {
    const { memories, manager } = await setup();
    const first = await memories.put({ key: 'diet', text: 'Is vegetarian', pinned: true }, { scope: alice });
    await memories.put({ key: 'diet', text: 'Is vegan since March', pinned: true }, { scope: alice });
    await manager.append('c', [{ role: 'user', content: 'Suggest a dinner.' }], { scope: alice });
    const system = String((await manager.assemble('c', { scope: alice, budget: { maxTokens: 300 } })).messages[0]!.content);
    expect(system).toContain('Is vegan since March');
    expect(system).not.toContain('Is vegetarian');
    const history = await manager.memories.history(first.id, { scope: alice });
    expect(history.map((version) => [version.text, version.validTo === undefined])).toEqual([
      ['Is vegan since March', true],
      ['Is vegetarian', false],
    ]);
    expect(history[1]!.validTo).toEqual(history[0]!.validFrom);
    expect(await manager.memories.history(first.id, { scope: bob })).toEqual([]);
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
