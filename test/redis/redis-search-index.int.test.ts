import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchMessages } from '../../src/index.js';
import type { MessageSearchResult, Store } from '../../src/spec/store.js';
import { lexicalKeys } from '../../src/stores/redis/keys.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createRedisStore, type RedisSearchIndexOptions } from '../../src/stores/redis/index.js';
import { createTestClock, newMessages, textTurns } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();
const scope = { tenantId: 'acme', userId: 'u1' } satisfies Scope;

describe.skipIf(skip)('redis lexical index (whole history, indexed on search)', () => {
  const prefix = uniquePrefix('lexical');
  let client: Redis;
  let counter = 0;
  const newStore = (searchIndex: RedisSearchIndexOptions = {}, clock?: { now(): number }) => {
    counter += 1;
    const keyPrefix = `${prefix}${counter}:`;
    return { keyPrefix, store: createRedisStore({ client: asClient(client), keyPrefix, searchIndex, ...(clock ? { clock } : {}) }) };
  };
  const lexicalKeyCount = async (keyPrefix: string) => (await client.keys(`${keyPrefix}*:lex:*`)).length;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
  });

  it('should find matches anywhere in the history, indexing appends a bounded number per search and saying so meanwhile', async () => {
    const { store } = newStore({ catchUpMessages: 5 });
    await store.createConversation(scope, { id: 'long' });
    await store.appendMessages(scope, 'long', await newMessages(textTurns(12, 'w', (index) => `lighthouse number ${index}`)));
    const first: MessageSearchResult = await store.searchMessages!(scope, { query: 'lighthouse', limit: 100 });
    expect(first.map((hit) => hit.message.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(first.coverage).toMatchObject({ complete: false, conversationsScanned: 1, messagesScanned: 5 });
    expect(first.coverage!.bound).toContain('beyond the first 5');
    // The public helper reports the bound in its notes.
    const helper = await searchMessages({ store, scope, query: 'lighthouse' });
    expect(helper.notes.join(' ')).toContain('beyond the first 5');
    const third = await store.searchMessages!(scope, { query: 'lighthouse', limit: 100 });
    expect(third).toHaveLength(12);
    expect(third.coverage).toBeUndefined();
    // The oldest message is found by a term only it has, in a conversation of another id too.
    await store.createConversation(scope, { id: 'other' });
    await store.appendMessages(scope, 'other', await newMessages([{ role: 'user', content: 'lighthouse keeper' }]));
    const keeper = await store.searchMessages!(scope, { query: 'keeper', limit: 10 });
    expect(keeper.map((hit) => [hit.message.conversationId, hit.message.content])).toEqual([['other', 'lighthouse keeper']]);
    expect((await store.searchMessages!(scope, { query: 'number 0', limit: 1 }))[0]!.message.seq).toBe(1);
    // One conversation, before a seq.
    const before = await store.searchMessages!(scope, { query: 'lighthouse', conversationId: 'long', beforeSeq: 4, limit: 100 });
    expect(before.map((hit) => hit.message.seq).sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it('should index more conversations than one pass looks at over the following searches', async () => {
    const { store } = newStore();
    for (let index = 0; index < 105; index += 1) {
      await store.createConversation(scope, { id: `c${index}` });
      await store.appendMessages(scope, `c${index}`, await newMessages([{ role: 'user', content: index === 104 ? 'a needle here' : `hay ${index}` }]));
    }
    const first = await store.searchMessages!(scope, { query: 'needle' });
    expect(first).toEqual([]);
    expect(first.coverage?.bound).toContain('later searches index them');
    const second = await store.searchMessages!(scope, { query: 'needle' });
    expect(second.map((hit) => hit.message.conversationId)).toEqual(['c104']);
    expect(second.coverage).toBeUndefined();
  });

  it('should say so when a term has more postings than it reads', async () => {
    const { store } = newStore({ maxPostings: 3 });
    await store.createConversation(scope, { id: 'c' });
    await store.appendMessages(scope, 'c', await newMessages(textTurns(6, 'p', (index) => `harbour ${index}`)));
    const hits = await store.searchMessages!(scope, { query: 'harbour', limit: 100 });
    expect(hits).toHaveLength(3);
    expect(hits.coverage?.bound).toContain('the first 3 postings');
  });

  it('should remove postings of deleted messages and conversations, and leave no lexical key after erasure', async () => {
    const { keyPrefix, store } = newStore();
    const keys = lexicalKeys(keyPrefix, scope);
    await store.createConversation(scope, { id: 'a' });
    await store.createConversation(scope, { id: 'b' });
    await store.appendMessages(scope, 'a', await newMessages([{ id: 'a1', role: 'user', content: 'zebra crossing' }, { id: 'a2', role: 'user', content: 'zebra stripes' }]));
    await store.appendMessages(scope, 'b', await newMessages([{ id: 'b1', role: 'user', content: 'zebra herd' }]));
    expect(await store.searchMessages!(scope, { query: 'zebra' })).toHaveLength(3);
    expect(await client.zcard(keys.term('zebra'))).toBe(3);
    await store.deleteMessage(scope, 'a', 'a1');
    expect(await client.zcard(keys.term('zebra'))).toBe(2);
    expect(await client.zcard(keys.term('cross'))).toBe(0);
    await store.deleteConversation(scope, 'b');
    expect(await client.zrangebylex(keys.term('zebra'), '-', '+')).toEqual([expect.stringMatching(/^a:2:1:2$/)]);
    expect(await client.exists(keys.conversationTerms('b'))).toBe(0);
    expect(await client.hmget(keys.stats, 'N', 'L')).toEqual(['1', '2']);
    expect((await store.searchMessages!(scope, { query: 'zebra' })).map((hit) => hit.message.id)).toEqual(['a2']);
    await store.eraseUser!(scope);
    expect(await lexicalKeyCount(keyPrefix)).toBe(0);
  });

  it('should purge the postings of conversations the TTL sweep removes', async () => {
    const clock = createTestClock();
    const { keyPrefix, store } = newStore({}, clock);
    const keys = lexicalKeys(keyPrefix, scope);
    await store.createConversation(scope, { id: 'short-lived', ttl: { seconds: 60, mode: 'fixed' } });
    await store.appendMessages(scope, 'short-lived', await newMessages([{ role: 'user', content: 'ephemeral penguin' }]));
    expect(await store.searchMessages!(scope, { query: 'penguin' })).toHaveLength(1);
    expect(await client.zcard(keys.term('penguin'))).toBe(1);
    clock.advance(61_000);
    expect(await store.sweepExpired!({ limit: 10 })).toBe(1);
    expect(await client.zcard(keys.term('penguin'))).toBe(0);
    expect(await client.hget(keys.stats, 'N')).toBe('0');
    expect(await store.searchMessages!(scope, { query: 'penguin' })).toEqual([]);
    // Never swept: the search that meets the expired conversation's postings removes them.
    await store.createConversation(scope, { id: 'also-short', ttl: { seconds: 60, mode: 'fixed' } });
    await store.appendMessages(scope, 'also-short', await newMessages([{ role: 'user', content: 'ephemeral narwhal' }]));
    expect(await store.searchMessages!(scope, { query: 'narwhal' })).toHaveLength(1);
    clock.advance(61_000);
    expect(await store.searchMessages!(scope, { query: 'narwhal' })).toEqual([]);
    expect(await client.zcard(keys.term('narwhal'))).toBe(0);
    // Expired and created again under the same id before any sweep: the old postings must not name the new messages.
    await store.createConversation(scope, { id: 'reborn', ttl: { seconds: 60, mode: 'fixed' } });
    await store.appendMessages(scope, 'reborn', await newMessages([{ role: 'user', content: 'ancient dolphin' }]));
    expect(await store.searchMessages!(scope, { query: 'dolphin' })).toHaveLength(1);
    clock.advance(61_000);
    await store.createConversation(scope, { id: 'reborn' });
    await store.appendMessages(scope, 'reborn', await newMessages([{ role: 'user', content: 'young otter' }]));
    expect(await store.searchMessages!(scope, { query: 'dolphin' })).toEqual([]);
    expect((await store.searchMessages!(scope, { query: 'otter' })).map((hit) => [hit.message.seq, hit.message.content])).toEqual([[1, 'young otter']]);
  });

  it('should find the same CJK messages as the in-memory store', async () => {
    const { store: redis } = newStore();
    const memory = createMemoryStore();
    const messages = await newMessages([
      { role: 'user', content: '我的订单在哪里' },
      { role: 'assistant', content: '東京に住んでいます' },
      { role: 'user', content: '한국어 텍스트를 검색합니다' },
      { role: 'assistant', content: 'Your order shipped on Monday.' },
    ]);
    const stores: Array<[string, Store]> = [['memory', memory], ['redis', redis]];
    for (const [, store] of stores) {
      await store.createConversation(scope, { id: 'c1' });
      await store.appendMessages(scope, 'c1', messages);
    }
    for (const query of ['订单', '我的订单', '哪里', '東京', '검색', 'order', '咖啡', 'shipping orders']) {
      const found = await Promise.all(stores.map(async ([name, store]) => ({ name, contents: (await store.searchMessages!(scope, { query })).map((hit) => hit.message.content).sort() })));
      expect({ query, redis: found[1]!.contents }).toEqual({ query, redis: found[0]!.contents });
    }
  });
});
