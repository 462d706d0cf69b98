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
 * shared (tenant-level) memories read by every user of the tenant, superseded versions kept as
 * history (`validFrom`/`validTo`), and isolation across tenants and users. Message search is
 * checked when the store also declares `lexicalSearch`. A new backend passes it unchanged.
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
      expect(stored).toMatchObject({ ...input, tenantId: 'tenant-a', userId: 'alice', shared: false });
      expect(stored.createdAt.getTime()).toBe(clock.now());
      expect(stored.validFrom.getTime()).toBe(clock.now());
      expect(stored.validTo).toBeUndefined();
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
      expect(second.validFrom.getTime()).toBe(clock.now());
      expect(second.validTo).toBeUndefined();
      expect((await memories.list(ALICE)).items.map((memory) => memory.text)).toEqual(['Lives in Berlin']);
    });

    it('should keep keys per scope', async () => {
      await memories.put(ALICE, await newMemory('Alice city', { key: 'home.city' }));
      await memories.put(BOB, await newMemory('Bob city', { key: 'home.city' }));
      await memories.put(TENANT_A, await newMemory('Tenant city', { key: 'home.city' }));
      // Same key, three memories; a user also reads the tenant's shared one.
      const texts = async (scope: Scope) => (await memories.list(scope)).items.map((memory) => `${memory.text}${memory.shared ? ' (shared)' : ''}`).sort();
      expect(await texts(ALICE)).toEqual(['Alice city', 'Tenant city (shared)']);
      expect(await texts(BOB)).toEqual(['Bob city', 'Tenant city (shared)']);
      expect(await texts(TENANT_A)).toEqual(['Tenant city (shared)']);
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

    it('should search best first: own and shared memories, never another user’s or tenant’s', async () => {
      await memories.put(ALICE, await newMemory('Alice adopted a rescue dog named Rex'));
      await memories.put(ALICE, await newMemory('Alice enjoys painting sunsets'));
      await memories.put(BOB, await newMemory('Bob adopted a rescue dog too'));
      await memories.put(TENANT_A, await newMemory('Office rule: a rescue dog may visit on Fridays'));
      await memories.put(OTHER_TENANT, await newMemory('Another tenant adopted a rescue dog'));
      const hits = await memories.search(ALICE, { query: 'rescue dog adopted' });
      expect(hits.map((hit) => hit.memory.text)).toEqual(['Alice adopted a rescue dog named Rex', 'Office rule: a rescue dog may visit on Fridays']);
      expect(hits.map((hit) => hit.memory.shared)).toEqual([false, true]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect((await memories.search(BOB, { query: 'rescue dog' })).map((hit) => hit.memory.text).sort()).toEqual(['Bob adopted a rescue dog too', 'Office rule: a rescue dog may visit on Fridays']);
      expect((await memories.search(TENANT_A, { query: 'rescue dog' })).map((hit) => hit.memory.text)).toEqual(['Office rule: a rescue dog may visit on Fridays']);
      expect((await memories.search(ALICE, { query: 'painting', tags: ['missing'] }))).toEqual([]);
    });

    it('should share tenant-level memories with every user of the tenant, read-only', async () => {
      const shared = await memories.put(TENANT_A, await newMemory('Support hours are 9 to 5 CET', { key: 'org.hours', pinned: true }));
      clock.advance(10);
      const own = await memories.put(ALICE, await newMemory('Alice works night shifts', { pinned: true }));
      expect(shared.shared).toBe(true);
      expect(shared.userId).toBeUndefined();
      expect(own.shared).toBe(false);
      expect(await memories.get(ALICE, shared.id)).toEqual(shared);
      expect(await memories.get(BOB, shared.id)).toEqual(shared);
      expect(await memories.get(TENANT_A, own.id)).toBeNull();
      expect(await memories.get(BOB, own.id)).toBeNull();
      expect(await memories.get(OTHER_TENANT, shared.id)).toBeNull();
      expect((await memories.list(ALICE, { pinned: true })).items).toEqual([own, shared]);
      expect((await memories.list(BOB, { pinned: true })).items).toEqual([shared]);
      expect((await memories.list(OTHER_TENANT)).items).toEqual([]);
      // A user scope reads the shared memory but never changes it; the tenant scope does.
      await expectCode(memories.update(ALICE, shared.id, { pinned: false }), 'not_found');
      expect(await memories.delete(ALICE, shared.id)).toBe(false);
      const aliceCopy = await memories.put(ALICE, await newMemory('Alice’s hours are 10 to 6', { key: 'org.hours' }));
      expect(aliceCopy.id).not.toBe(shared.id);
      expect((await memories.get(BOB, shared.id))?.text).toBe('Support hours are 9 to 5 CET');
      expect(await memories.delete(TENANT_A, shared.id)).toBe(true);
      expect(await memories.get(ALICE, shared.id)).toBeNull();
    });

    it('should page through own and shared memories together without repeating or skipping', async () => {
      for (let index = 0; index < 6; index++) {
        await memories.put(index % 2 === 0 ? ALICE : TENANT_A, await newMemory(`fact ${index}`));
        await memories.put(BOB, await newMemory(`bob ${index}`));
        clock.advance(5);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await memories.list(ALICE, { limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((memory) => memory.text));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['fact 5', 'fact 4', 'fact 3', 'fact 2', 'fact 1', 'fact 0']);
    });

    it('should keep the superseded text of a memory with validFrom/validTo, the newest winning', async () => {
      const first = await memories.put(ALICE, await newMemory('Lives in Paris', { key: 'home.city', tags: ['home'] }));
      const t0 = clock.now();
      clock.advance(1000);
      const second = await memories.put(ALICE, await newMemory('Lives in Berlin', { key: 'home.city', tags: ['home'] }));
      const t1 = clock.now();
      clock.advance(1000);
      // The same text again changes nothing in the history (re-extracting a fact is not a contradiction).
      const again = await memories.put(ALICE, await newMemory('Lives in Berlin', { key: 'home.city', tags: ['home', 'confirmed'] }));
      expect(again.validFrom.getTime()).toBe(t1);
      expect(again.tags).toEqual(['home', 'confirmed']);
      expect(second.id).toBe(first.id);
      expect(await memories.get(ALICE, first.id)).toEqual(again);
      expect((await memories.list(ALICE)).items).toEqual([again]);
      expect((await memories.search(ALICE, { query: 'Paris' })).map((hit) => hit.memory.text)).toEqual([]);
      expect((await memories.search(ALICE, { query: 'Berlin' })).map((hit) => hit.memory.text)).toEqual(['Lives in Berlin']);
      const history = await memories.history(ALICE, first.id);
      expect(history.map((version) => version.text)).toEqual(['Lives in Berlin', 'Lives in Paris']);
      expect(history[0]).toEqual(again);
      expect(history[1]).toMatchObject({ id: first.id, key: 'home.city', text: 'Lives in Paris', tags: ['home'], contentHash: first.contentHash, shared: false });
      expect(history[1]!.createdAt.getTime()).toBe(t0);
      expect(history[1]!.validFrom.getTime()).toBe(t0);
      expect(history[1]!.validTo?.getTime()).toBe(t1);
      // An update with new text supersedes too; one without does not.
      clock.advance(1000);
      await memories.update(ALICE, first.id, { pinned: true });
      const moved = await memories.update(ALICE, first.id, { text: 'Lives in Rome', contentHash: await hashMemoryText('Lives in Rome') });
      expect(moved.validFrom.getTime()).toBe(clock.now());
      expect(moved.pinned).toBe(true);
      const full = await memories.history(ALICE, first.id);
      expect(full.map((version) => [version.text, version.validTo?.getTime()])).toEqual([
        ['Lives in Rome', undefined],
        ['Lives in Berlin', clock.now()],
        ['Lives in Paris', t1],
      ]);
      expect((await memories.history(ALICE, first.id, { limit: 2 })).map((version) => version.text)).toEqual(['Lives in Rome', 'Lives in Berlin']);
      // History is as private as the memory.
      expect(await memories.history(BOB, first.id)).toEqual([]);
      expect(await memories.history(TENANT_A, first.id)).toEqual([]);
      expect(await memories.history(ALICE, 'absent')).toEqual([]);
      await expectCode(memories.history(ALICE, first.id, { limit: 0 }), 'invalid_input');
    });

    it('should keep the history of a shared memory, readable by the tenant’s users', async () => {
      const first = await memories.put(TENANT_A, await newMemory('Refunds within 14 days', { key: 'policy.refunds' }));
      clock.advance(1000);
      await memories.put(TENANT_A, await newMemory('Refunds within 30 days', { key: 'policy.refunds' }));
      const history = await memories.history(BOB, first.id);
      expect(history.map((version) => [version.text, version.shared])).toEqual([
        ['Refunds within 30 days', true],
        ['Refunds within 14 days', true],
      ]);
      expect(await memories.history(OTHER_TENANT, first.id)).toEqual([]);
    });

    it('should delete a memory with its history, and erase a user’s histories', async () => {
      const city = await memories.put(ALICE, await newMemory('Lives in Paris', { key: 'home.city' }));
      clock.advance(10);
      await memories.put(ALICE, await newMemory('Lives in Oslo', { key: 'home.city' }));
      expect(await memories.delete(ALICE, city.id)).toBe(true);
      expect(await memories.history(ALICE, city.id)).toEqual([]);
      // A new memory under the same key starts a fresh history.
      const fresh = await memories.put(ALICE, await newMemory('Lives in Lima', { key: 'home.city' }));
      expect((await memories.history(ALICE, fresh.id)).map((version) => version.text)).toEqual(['Lives in Lima']);
      clock.advance(10);
      await memories.put(ALICE, await newMemory('Lives in Quito', { key: 'home.city' }));
      const shared = await memories.put(TENANT_A, await newMemory('Office in Quito', { key: 'office' }));
      clock.advance(10);
      await memories.put(TENANT_A, await newMemory('Office in Lima', { key: 'office' }));
      const erased = await store.eraseUser(ALICE as Scope & { userId: string });
      expect(erased.memories).toBe(1);
      expect(await memories.history(ALICE, fresh.id)).toEqual([]);
      expect((await memories.history(BOB, shared.id)).map((version) => version.text)).toEqual(['Office in Lima', 'Office in Quito']);
      // The id is free again for the erased user: nothing of the old history comes back.
      const reused = await memories.put(ALICE, await newMemory('Lives in Cusco', { id: fresh.id }));
      expect((await memories.history(ALICE, reused.id)).map((version) => version.text)).toEqual(['Lives in Cusco']);
    });

    it('should prefetch the shared pinned memories with readContext for a user', async (context) => {
      if (!store.readContext) return context.skip();
      await store.createConversation(ALICE, { id: 'conv' });
      const shared = await memories.put(TENANT_A, await newMemory('Always answer in British English', { pinned: true }));
      clock.advance(10);
      const own = await memories.put(ALICE, await newMemory('Alice is vegetarian', { pinned: true }));
      await memories.put(BOB, await newMemory('Bob is not', { pinned: true }));
      const read = await store.readContext(ALICE, 'conv', { maxTokens: 100, encoding: ENCODING, pinnedMemories: 5 });
      expect(read.memories).toEqual({ pinned: [own, shared], morePinned: false, unpinned: false });
      const one = await store.readContext(ALICE, 'conv', { maxTokens: 100, encoding: ENCODING, pinnedMemories: 1 });
      expect(one.memories).toEqual({ pinned: [own], morePinned: true, unpinned: false });
      await memories.put(TENANT_A, await newMemory('An unpinned shared fact'));
      expect((await store.readContext(ALICE, 'conv', { maxTokens: 100, encoding: ENCODING, pinnedMemories: 5 })).memories?.unpinned).toBe(true);
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
      expect((await memories.list(ALICE)).items.map((memory) => memory.text)).toEqual(['tenant fact']);
      expect((await memories.list(BOB)).items.map((memory) => memory.text).sort()).toEqual(['bob fact', 'tenant fact']);
      expect((await memories.list(TENANT_A)).items.map((memory) => memory.text)).toEqual(['tenant fact']);
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
