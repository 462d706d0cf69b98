import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareNewestFirst } from '../../src/spec/cursor.js';
import type { MemoryStore } from '../../src/spec/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { MEMORY_POSTINGS_SCANNED } from '../../src/stores/redis/memories.js';
import { memoryKeys } from '../../src/stores/redis/memory-keys.js';
import { postingScore } from '../../src/stores/redis/memory-scripts.js';
import { analyzeText } from '../../src/search/analyze-text.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTestClock, newMemory } from '../../src/testing/index.js';
import type { Memory, Scope } from '../../src/types.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();
const ALICE: Scope = { tenantId: 'acme', userId: 'alice' };
const BOB: Scope = { tenantId: 'acme', userId: 'bob' };
const TENANT: Scope = { tenantId: 'acme' };

/** Every key of one owner's memories (SCAN on the owner's hash tag). */
async function ownerKeys(client: Redis, keyPrefix: string, scope: Scope): Promise<string[]> {
  const docs = memoryKeys(keyPrefix, scope).docs;
  const pattern = `${docs.slice(0, docs.lastIndexOf('}') + 1)}*`.replace(/[[\]?]/g, '\\$&');
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

describe.skipIf(skip)('redis memories: index upkeep, concurrency and parity with the in-process store', () => {
  const prefix = uniquePrefix('memories');
  let client: Redis;
  let counter = 0;
  const newStore = (clock?: { now(): number }) => {
    counter += 1;
    const keyPrefix = `${prefix}${counter}:`;
    return { keyPrefix, store: createRedisStore({ client: asClient(client), keyPrefix, ...(clock ? { clock } : {}) }) };
  };

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
  });

  it('should keep an owner’s memory keys under one hash tag, even for ids with braces and colons', async () => {
    const { keyPrefix, store } = newStore();
    const odd: Scope = { tenantId: 't{1}:x', userId: 'u}:{' };
    await store.memories!.put(odd, await newMemory('odd owner likes tea', { key: 'k{1}', tags: ['t:{x}'], pinned: true }));
    const keys = await ownerKeys(client, keyPrefix, odd);
    const tags = keys.map((key) => key.slice(key.indexOf('{'), key.indexOf('}') + 1));
    expect(new Set(tags)).toEqual(new Set(['{t:t%7B1%7D%3Ax:m:uu%7D%3A%7B}']));
    expect(keys.length).toBeGreaterThan(5);
    expect((await store.memories!.search(odd, { query: 'tea' })).map((hit) => hit.memory.text)).toEqual(['odd owner likes tea']);
    expect(await store.memories!.search({ tenantId: 't{1}:x', userId: 'u}:' }, { query: 'tea' })).toEqual([]);
  });

  it('should leave no posting list, tag set or key mapping behind once every memory is updated away or deleted', async () => {
    const { keyPrefix, store } = newStore();
    const memories = store.memories!;
    const first = await memories.put(ALICE, await newMemory('Alice adopted a rescue dog', { key: 'pet', tags: ['pets', 'family'], pinned: true }));
    const second = await memories.put(ALICE, await newMemory('Alice paints sunsets', { tags: ['hobby'] }));
    await memories.update(ALICE, first.id, { text: 'Alice adopted a cat', tags: ['pets'], pinned: false });
    expect((await memories.search(ALICE, { query: 'dog' }))).toEqual([]);
    expect((await memories.search(ALICE, { query: 'cat' })).map((hit) => hit.memory.id)).toEqual([first.id]);
    expect((await memories.list(ALICE, { tags: ['family'] })).items).toEqual([]);
    expect((await memories.list(ALICE, { pinned: true })).items).toEqual([]);
    expect(await memories.delete(ALICE, first.id)).toBe(true);
    expect(await memories.delete(ALICE, second.id)).toBe(true);
    // Only the (zeroed) collection statistics remain.
    const left = await ownerKeys(client, keyPrefix, ALICE);
    expect(left).toEqual([memoryKeys(keyPrefix, ALICE).stats]);
    expect(await client.hgetall(left[0]!)).toEqual({ n: '0', len: '0' });
  });

  it('should keep one memory per key under concurrent upserts, indexed under the winner’s text only', async () => {
    const { store } = newStore();
    const memories = store.memories!;
    // Digits keep the words out of the stemmer, so no two of them share a term.
    const words = Array.from({ length: 20 }, (_, index) => `word${index}x`);
    const results = await Promise.all(words.map(async (word) => memories.put(ALICE, await newMemory(`favourite ${word}`, { key: 'favourite' }))));
    expect(new Set(results.map((memory) => memory.id)).size).toBe(1);
    const listed = (await memories.list(ALICE)).items;
    expect(listed).toHaveLength(1);
    const found = await Promise.all(words.map(async (word) => (await memories.search(ALICE, { query: word })).length));
    expect(found.filter((count) => count === 1)).toHaveLength(1);
    expect(found[words.indexOf(listed[0]!.text.split(' ')[1]!)]).toBe(1);
    expect((await memories.search(ALICE, { query: 'favourite' })).map((hit) => hit.memory.id)).toEqual([listed[0]!.id]);
  });

  it('should write concurrent puts of different memories without losing one', async () => {
    const { store } = newStore();
    const memories = store.memories!;
    await Promise.all(Array.from({ length: 30 }, async (_, index) => memories.put(ALICE, await newMemory(`shared topic number${index}`, { tags: ['bulk'] }))));
    expect((await memories.list(ALICE, { limit: 100 })).items).toHaveLength(30);
    expect(await memories.search(ALICE, { query: 'shared topic', limit: 100 })).toHaveLength(30);
    expect((await memories.search(ALICE, { query: 'number7' })).map((hit) => hit.memory.text)).toEqual(['shared topic number7']);
  });

  it('should keep the index exactly in step with the memories under concurrent puts, updates and deletes of the same ones', async () => {
    const { keyPrefix, store } = newStore();
    const memories = store.memories!;
    const seeded = await Promise.all(['k0', 'k1', 'k2'].map(async (key) => memories.put(ALICE, await newMemory(`seed ${key}`, { key, tags: ['t'] }))));
    const ids = seeded.map((memory) => memory.id);
    const words = ['apple', 'banana', 'cherry', 'damson', 'elder'];
    await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const word = words[index % words.length]!;
        const target = ids[index % ids.length]!;
        if (index % 3 === 0) return memories.put(ALICE, await newMemory(`${word} fact ${index}`, { key: `k${index % 3}`, tags: index % 2 ? ['t'] : ['u'], pinned: index % 4 === 0 }));
        if (index % 3 === 1) return memories.update(ALICE, target, { text: `${word} updated ${index}`, pinned: index % 5 === 0 }).catch((error: { code?: string }) => expect(error.code).toBe('not_found'));
        return memories.delete(ALICE, target);
      }),
    );
    await expectIndexInStep(client, keyPrefix, ALICE);
  });

  it('should erase every key of the user’s memories and nobody else’s', async () => {
    const { keyPrefix, store } = newStore();
    for (const scope of [ALICE, BOB, TENANT]) await store.memories!.put(scope, await newMemory(`fact of ${scope.userId ?? 'tenant'}`, { key: 'k', tags: ['x'], pinned: true }));
    await store.memories!.put(ALICE, await newMemory('second alice fact'));
    expect((await store.eraseUser(ALICE as Scope & { userId: string })).memories).toBe(2);
    expect(await ownerKeys(client, keyPrefix, ALICE)).toEqual([]);
    expect((await store.memories!.search(BOB, { query: 'fact' })).map((hit) => hit.memory.text).sort()).toEqual(['fact of bob', 'fact of tenant']);
    expect((await store.memories!.search(TENANT, { query: 'fact' })).map((hit) => hit.memory.text)).toEqual(['fact of tenant']);
  });

  it('should read (own and shared), page, rank and keep history exactly as the in-process store after any sequence of writes', async () => {
    const vocabulary = ['dog', 'dogs', 'rescue', 'painting', 'sunsets', 'the', 'tea', 'coffee', 'Paris', 'berlin', '我的订单', '订单', 'running', 'runner'];
    const text = fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 6 }).map((words) => words.join(' '));
    const scopes = [ALICE, BOB, TENANT];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), scope: fc.nat(2), text, key: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }), tags: fc.subarray(['a', 'b']), pinned: fc.boolean(), advance: fc.constantFrom(0, 1, 7) }),
      fc.record({ kind: fc.constant('update' as const), scope: fc.nat(2), pick: fc.nat(), text: fc.option(text, { nil: undefined }), tags: fc.option(fc.subarray(['a', 'b']), { nil: undefined }), pinned: fc.option(fc.boolean(), { nil: undefined }), advance: fc.constantFrom(0, 3) }),
      fc.record({ kind: fc.constant('delete' as const), scope: fc.nat(2), pick: fc.nat(), advance: fc.constant(0) }),
    );
    const queries = ['dog', 'rescue dogs', 'the tea', 'paris berlin coffee', '订单', 'run', 'painting sunset'];

    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 25 }), async (operations) => {
        const clock = createTestClock();
        const { keyPrefix, store } = newStore(clock);
        const redis = store.memories!;
        const reference = createMemoryStore({ clock }).memories!;
        let sequence = 0;
        for (const op of operations) {
          clock.advance(op.advance);
          const scope = scopes[op.scope]!;
          if (op.kind === 'put') {
            sequence += 1;
            const input = await newMemory(op.text, { id: `id-${String(sequence).padStart(3, '0')}`, tags: op.tags, pinned: op.pinned, ...(op.key ? { key: op.key } : {}) });
            expect(await redis.put(scope, input)).toEqual(await reference.put(scope, input));
            continue;
          }
          // Writes act on the scope's own memories (a user's update of a shared one is not_found on both).
          const existing = (await reference.list(scope, { limit: 1000 })).items.filter((memory) => memory.shared === (scope.userId === undefined));
          if (existing.length === 0) continue;
          const id = existing[op.pick % existing.length]!.id;
          if (op.kind === 'delete') {
            expect(await redis.delete(scope, id)).toBe(await reference.delete(scope, id));
            continue;
          }
          const patch = { ...(op.text !== undefined ? { text: op.text } : {}), ...(op.tags !== undefined ? { tags: op.tags } : {}), ...(op.pinned !== undefined ? { pinned: op.pinned } : {}) };
          expect(await redis.update(scope, id, patch)).toEqual(await reference.update(scope, id, patch));
        }
        for (const scope of scopes) await expectSameReads(redis, reference, scope, queries);
        for (const scope of scopes) await expectIndexInStep(client, keyPrefix, scope);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('should read a term’s strongest postings past the bound, and still find a rare term’s match among them', async () => {
    const { store } = newStore();
    const memories = store.memories!;
    const count = MEMORY_POSTINGS_SCANNED + 50;
    for (let start = 0; start < count; start += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, count - start) }, async (_, offset) => {
          const index = start + offset;
          // Every memory says "widget"; a few say it twice; one also says "zanzibar".
          const text = index % 100 === 7 ? `widget widget order ${index} filler words here` : `widget order ${index} filler words here${index === 555 ? ' zanzibar' : ''}`;
          await memories.put(ALICE, await newMemory(text, { id: `m${index}` }));
        }),
      );
    }
    const strongest = await memories.search(ALICE, { query: 'widget', limit: 20 });
    expect(strongest).toHaveLength(20);
    // The eleven memories with the term twice come first (the strongest postings are read first).
    expect(strongest.slice(0, 11).map((hit) => Number(hit.memory.id.slice(1)) % 100)).toEqual(Array(11).fill(7));
    // "widget" is past the bound once "zanzibar" found a candidate: it only adds to that one.
    const rare = await memories.search(ALICE, { query: 'widget zanzibar', limit: 3 });
    expect(rare.map((hit) => hit.memory.id)).toEqual(['m555']);
    expect(rare[0]!.score).toBeGreaterThan((await memories.search(ALICE, { query: 'zanzibar' }))[0]!.score);
  }, 60_000);

  it('should prefetch pinned memories with readContext even when the conversation is absent', async () => {
    const { store } = newStore();
    const pinned = await store.memories!.put(ALICE, await newMemory('pinned fact', { pinned: true }));
    const read = await store.readContext!(ALICE, 'missing', { maxTokens: 100, encoding: 'o200k_base', pinnedMemories: 5 });
    expect(read.conversation).toBeNull();
    expect(read.memories).toEqual({ pinned: [pinned], morePinned: false, unpinned: false });
  });
});

/**
 * The owner's index matches its memories exactly: every posting names a memory holding the term
 * (with its frequency and length), every memory's terms have postings, the statistics, listing,
 * pinned, tag and key sets agree with the documents, and no empty set lingers in the registries.
 */
async function expectIndexInStep(client: Redis, keyPrefix: string, scope: Scope): Promise<void> {
  const keys = memoryKeys(keyPrefix, scope);
  const docs = Object.fromEntries(Object.entries(await client.hgetall(keys.docs)).map(([id, doc]) => [id, JSON.parse(doc) as Memory]));
  const ids = Object.keys(docs).sort();
  const terms = await client.hgetall(keys.terms);
  const lengths = await client.hgetall(keys.lengths);
  expect(Object.keys(terms).sort()).toEqual(ids);
  expect(Object.keys(lengths).sort()).toEqual(ids);
  const postings = new Map<string, Map<string, number>>();
  for (const term of await client.smembers(keys.vocabulary)) {
    const list = await client.zrange(keys.term(term), 0, -1, 'WITHSCORES');
    expect(list.length).toBeGreaterThan(0);
    for (let index = 0; index < list.length; index += 2) {
      if (!postings.has(list[index]!)) postings.set(list[index]!, new Map());
      postings.get(list[index]!)!.set(term, Number(list[index + 1]));
    }
  }
  let total = 0;
  for (const id of ids) {
    const analyzed = analyzeText(docs[id]!.text);
    total += analyzed.length;
    expect(Number(lengths[id])).toBe(analyzed.length);
    const expected = new Map<string, number>();
    for (const term of analyzed) expected.set(term, (expected.get(term) ?? 0) + 1);
    expect(new Set(JSON.parse(terms[id]!) as string[])).toEqual(new Set(expected.keys()));
    expect(postings.get(id) ?? new Map()).toEqual(new Map([...expected].map(([term, frequency]) => [term, postingScore(frequency, analyzed.length)])));
  }
  expect([...postings.keys()].filter((id) => !docs[id])).toEqual([]);
  expect(await client.hgetall(keys.stats)).toEqual(ids.length === 0 && total === 0 ? expect.anything() : { n: String(ids.length), len: String(total) });
  expect((await client.zrange(keys.all, 0, -1)).sort()).toEqual(ids);
  expect((await client.zrange(keys.pinned, 0, -1)).sort()).toEqual(ids.filter((id) => docs[id]!.pinned));
  for (const tag of await client.smembers(keys.tagNames)) expect((await client.zrange(keys.tag(tag), 0, -1)).sort()).toEqual(ids.filter((id) => docs[id]!.tags.includes(tag)));
  const allTags = new Set(ids.flatMap((id) => docs[id]!.tags));
  expect(new Set(await client.smembers(keys.tagNames))).toEqual(allTags);
  expect(await client.hgetall(keys.byKey)).toEqual(Object.fromEntries(ids.filter((id) => docs[id]!.key !== undefined).map((id) => [docs[id]!.key!, id])));
}

const position = (memory: Memory) => ({ updatedAt: memory.updatedAt.getTime(), id: memory.id });

async function expectSameReads(redis: MemoryStore, reference: MemoryStore, scope: Scope, queries: readonly string[]): Promise<void> {
  const ids = (page: { items: readonly { id: string }[] }) => page.items.map((memory) => memory.id);
  const everything = (await reference.list(scope, { limit: 1000 })).items;
  expect((await redis.list(scope, { limit: 1000 })).items).toEqual(everything);
  for (const memory of everything) {
    expect(await redis.get(scope, memory.id)).toEqual(memory);
    expect(await redis.history(scope, memory.id)).toEqual(await reference.history(scope, memory.id));
  }
  expect(ids(await redis.list(scope, { pinned: true }))).toEqual(ids(await reference.list(scope, { pinned: true })));
  expect(ids(await redis.list(scope, { pinned: false, tags: ['a'] }))).toEqual(ids(await reference.list(scope, { pinned: false, tags: ['a'] })));
  expect(ids(await redis.list(scope, { tags: ['a', 'b'] }))).toEqual(ids(await reference.list(scope, { tags: ['a', 'b'] })));
  const paged: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await redis.list(scope, { limit: 2, ...(cursor ? { cursor } : {}) });
    paged.push(...ids(page));
    cursor = page.nextCursor;
  } while (cursor);
  expect(paged).toEqual(ids(await reference.list(scope, { limit: 1000 })));
  for (const query of queries) {
    for (const tags of [undefined, ['b']]) {
      // Every match (a run holds fewer than 100 memories), so no tie is cut at the limit.
      const options = { query, limit: 100, ...(tags ? { tags } : {}) };
      const [got, unordered] = await Promise.all([redis.search(scope, options), reference.search(scope, options)]);
      // Equal scores: Redis ranks them as listings do (newest first by updatedAt, id), the in-process index by ascending id.
      const want = [...unordered].sort((a, b) => b.score - a.score || compareNewestFirst(position(a.memory), position(b.memory)));
      expect(got.map((hit) => hit.memory.id), `${query} ${String(tags)}`).toEqual(want.map((hit) => hit.memory.id));
      got.forEach((hit, index) => expect(hit.score).toBeCloseTo(want[index]!.score, 9));
    }
  }
}

