import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LLMContextError } from '../errors.js';
import { hashMemoryText } from '../memories/memories.js';
import type { MemoryStore, Store } from '../spec/store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { NewMemory, Scope } from '../types.js';
import { ENCODING, newMessages, textTurns } from './fixtures.js';
import type { StoreContractOptions } from './contract.js';
import { createTestClock, type TestClock } from './test-clock.js';

const ALICE: Scope = { tenantId: 'tenant-a', userId: 'alice' };
const BOB: Scope = { tenantId: 'tenant-a', userId: 'bob' };
const TENANT_A: Scope = { tenantId: 'tenant-a' };
const OTHER_TENANT: Scope = { tenantId: 'tenant-b', userId: 'alice' };

/** Prepares a memory the way `createMemories` does (id, token count, content hash). */
export async function newMemory(text: string, extra: Partial<Omit<NewMemory, 'text'>> = {}): Promise<NewMemory> {
  const tokenizer = await getTokenizer({ encoding: ENCODING });
  return {
    id: crypto.randomUUID(),
    text,
    tags: [],
    pinned: false,
    metadata: {},
    tokenCounts: { [ENCODING]: tokenizer.count(text) },
    contentHash: await hashMemoryText(text),
    ...extra,
  };
}

/**
 * The memories and message-search contract, for stores that declare the `memories` capability:
 * upsert by key, pinned listing, search ranking, provenance through export → import, erasure,
 * and isolation across tenants, users and the tenant-level (user-less) scope. Message search is
 * checked when the store also declares `lexicalSearch`.
 *
 * @example
 * ```ts
 * import { describeMemoriesContract } from 'llm-context/testing';
 * describeMemoriesContract({ name: 'my-store', createStore: async ({ clock }) => createMyStore({ clock }) });
 * ```
 */
export function describeMemoriesContract(options: StoreContractOptions): void {
  describe(`memories contract: ${options.name}`, () => {
    let store: Store;
    let clock: TestClock;
    let memories: MemoryStore;

    beforeEach(async () => {
      clock = createTestClock();
      store = await options.createStore({ clock });
      if (store.memories) memories = store.memories;
    });
    afterEach(async () => {
      await options.destroyStore?.(store);
    });

    it('should declare the memories capability', () => {
      expect(store.capabilities.memories.available).toBe(true);
      expect(store.memories).toBeDefined();
    });

    it('should store and read back every field', async () => {
      const input = await newMemory('Prefers metric units', { key: 'pref.units', tags: ['preference'], pinned: true, source: { conversationId: 'c1', messageIds: ['m1', 'm2'] }, metadata: { confidence: 0.9 } });
      const stored = await memories.put(ALICE, input);
      expect(stored).toMatchObject({ ...input, tenantId: 'tenant-a', userId: 'alice' });
      expect(stored.createdAt.getTime()).toBe(clock.now());
      expect(await memories.get(ALICE, input.id)).toEqual(stored);
    });

    it('should upsert by key: same id, new text, createdAt kept, one memory listed', async () => {
      const first = await memories.put(ALICE, await newMemory('Lives in Paris', { key: 'home.city' }));
      clock.advance(1000);
      const second = await memories.put(ALICE, await newMemory('Lives in Berlin', { key: 'home.city' }));
      expect(second.id).toBe(first.id);
      expect(second.text).toBe('Lives in Berlin');
      expect(second.contentHash).toBe(await hashMemoryText('Lives in Berlin'));
      expect(second.createdAt).toEqual(first.createdAt);
      expect(second.updatedAt.getTime()).toBe(clock.now());
      expect((await memories.list(ALICE)).items.map((memory) => memory.text)).toEqual(['Lives in Berlin']);
    });

    it('should keep keys per scope', async () => {
      await memories.put(ALICE, await newMemory('Alice city', { key: 'home.city' }));
      await memories.put(BOB, await newMemory('Bob city', { key: 'home.city' }));
      await memories.put(TENANT_A, await newMemory('Tenant city', { key: 'home.city' }));
      expect((await memories.list(ALICE)).items.map((memory) => memory.text)).toEqual(['Alice city']);
      expect((await memories.list(BOB)).items.map((memory) => memory.text)).toEqual(['Bob city']);
      expect((await memories.list(TENANT_A)).items.map((memory) => memory.text)).toEqual(['Tenant city']);
    });

    it('should list newest first and filter by pinned and tags', async () => {
      await memories.put(ALICE, await newMemory('one', { pinned: true, tags: ['a'] }));
      clock.advance(10);
      await memories.put(ALICE, await newMemory('two', { tags: ['a', 'b'] }));
      clock.advance(10);
      await memories.put(ALICE, await newMemory('three', { pinned: true }));
      expect((await memories.list(ALICE)).items.map((memory) => memory.text)).toEqual(['three', 'two', 'one']);
      expect((await memories.list(ALICE, { pinned: true })).items.map((memory) => memory.text)).toEqual(['three', 'one']);
      expect((await memories.list(ALICE, { tags: ['a'] })).items.map((memory) => memory.text)).toEqual(['two', 'one']);
      expect((await memories.list(ALICE, { tags: ['a', 'b'] })).items.map((memory) => memory.text)).toEqual(['two']);
    });

    it('should page with a cursor without repeating or skipping', async () => {
      for (let index = 0; index < 7; index++) {
        await memories.put(ALICE, await newMemory(`fact ${index}`));
        clock.advance(5);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await memories.list(ALICE, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((memory) => memory.text));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['fact 6', 'fact 5', 'fact 4', 'fact 3', 'fact 2', 'fact 1', 'fact 0']);
    });

    it('should update and delete only within the scope', async () => {
      const stored = await memories.put(ALICE, await newMemory('likes tea'));
      clock.advance(100);
      const updated = await memories.update(ALICE, stored.id, { text: 'likes coffee', pinned: true, contentHash: await hashMemoryText('likes coffee') });
      expect(updated).toMatchObject({ id: stored.id, text: 'likes coffee', pinned: true });
      expect(updated.updatedAt.getTime()).toBe(clock.now());
      await expectCode(memories.update(BOB, stored.id, { text: 'hijacked' }), 'not_found');
      await expectCode(memories.update(OTHER_TENANT, stored.id, { text: 'hijacked' }), 'not_found');
      expect(await memories.delete(BOB, stored.id)).toBe(false);
      expect(await memories.get(BOB, stored.id)).toBeNull();
      expect(await memories.delete(ALICE, stored.id)).toBe(true);
      expect(await memories.delete(ALICE, stored.id)).toBe(false);
      expect(await memories.get(ALICE, stored.id)).toBeNull();
    });

    it('should search best first and never across tenants, users or the tenant-level scope', async () => {
      await memories.put(ALICE, await newMemory('Alice adopted a rescue dog named Rex'));
      await memories.put(ALICE, await newMemory('Alice enjoys painting sunsets'));
      await memories.put(BOB, await newMemory('Bob adopted a rescue dog too'));
      await memories.put(TENANT_A, await newMemory('The tenant adopted a rescue dog policy'));
      await memories.put(OTHER_TENANT, await newMemory('Another tenant adopted a rescue dog'));
      const hits = await memories.search(ALICE, { query: 'rescue dog adoption' });
      expect(hits.map((hit) => hit.memory.text)).toEqual(['Alice adopted a rescue dog named Rex']);
      expect(hits[0]!.score).toBeGreaterThan(0);
      expect((await memories.search(BOB, { query: 'rescue dog' })).map((hit) => hit.memory.text)).toEqual(['Bob adopted a rescue dog too']);
      expect((await memories.search(ALICE, { query: 'painting', tags: ['missing'] }))).toEqual([]);
    });

    it('should keep provenance through export and import of the source conversation', async () => {
      await store.createConversation(ALICE, { id: 'conv' });
      const { messages } = await store.appendMessages(ALICE, 'conv', await newMessages(textTurns(4, 'p'), () => clock.now()));
      const source = { conversationId: 'conv', messageIds: [messages[1]!.id, messages[2]!.id] };
      const memory = await memories.put(ALICE, await newMemory('Learned from turns 2 and 3', { source }));
      const exported = await store.exportConversation(ALICE, 'conv');
      await store.deleteConversation(ALICE, 'conv');
      await store.importConversation(ALICE, JSON.parse(JSON.stringify(exported)));
      expect((await memories.get(ALICE, memory.id))?.source).toEqual(source);
      const restored = await store.listMessages(ALICE, 'conv', { order: 'asc', limit: 100 });
      for (const id of source.messageIds) expect(restored.some((message) => message.id === id)).toBe(true);
    });

    it('should erase a user’s memories and nobody else’s', async () => {
      await memories.put(ALICE, await newMemory('alice fact'));
      await memories.put(BOB, await newMemory('bob fact'));
      await memories.put(TENANT_A, await newMemory('tenant fact'));
      const erased = await store.eraseUser(ALICE as Scope & { userId: string });
      expect(erased.memories).toBe(1);
      expect((await memories.list(ALICE)).items).toEqual([]);
      expect((await memories.list(BOB)).items).toHaveLength(1);
      expect((await memories.list(TENANT_A)).items).toHaveLength(1);
    });

    it('should reject bad input with a typed error and write nothing', async () => {
      await expectCode(memories.put(ALICE, await newMemory('   ')), 'invalid_input');
      await expectCode(memories.put({ tenantId: '' }, await newMemory('x')), 'invalid_input');
      expect((await memories.list(ALICE)).items).toEqual([]);
    });

    it('should search messages only within the scope, the conversation and before beforeSeq', async () => {
      if (!store.searchMessages) {
        expect(store.capabilities.lexicalSearch.available).toBe(false);
        return;
      }
      const turns = (text: string) => newMessages([{ role: 'user', content: text }], () => clock.now());
      await store.createConversation(ALICE, { id: 'one' });
      await store.createConversation(ALICE, { id: 'two' });
      await store.createConversation(BOB, { id: 'bobs' });
      await store.createConversation(OTHER_TENANT, { id: 'one' });
      await store.appendMessages(ALICE, 'one', await turns('the lighthouse keeper'));
      await store.appendMessages(ALICE, 'one', await turns('weather talk'));
      await store.appendMessages(ALICE, 'one', await turns('lighthouse again, later'));
      await store.appendMessages(ALICE, 'two', await turns('a lighthouse in another chat'));
      await store.appendMessages(BOB, 'bobs', await turns('bob lighthouse'));
      await store.appendMessages(OTHER_TENANT, 'one', await turns('other tenant lighthouse'));
      const everywhere = await store.searchMessages(ALICE, { query: 'lighthouse' });
      expect(new Set(everywhere.map((hit) => `${hit.message.conversationId}:${hit.message.seq}`))).toEqual(new Set(['one:1', 'one:3', 'two:1']));
      const older = await store.searchMessages(ALICE, { query: 'lighthouse', conversationId: 'one', beforeSeq: 3 });
      expect(older.map((hit) => hit.message.seq)).toEqual([1]);
    });
  });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(LLMContextError.isInstance(caught), `expected an LLMContextError with code ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as LLMContextError).code).toBe(code);
}
