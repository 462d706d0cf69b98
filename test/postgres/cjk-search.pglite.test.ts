import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/spec/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { newMemory, newMessages } from '../../src/testing/index.js';

const scope = { tenantId: 'tenant-cjk', userId: 'user-cjk' };

const MESSAGES = [
  { role: 'user' as const, content: '我的订单在哪里' },
  { role: 'assistant' as const, content: '東京に住んでいます' },
  { role: 'user' as const, content: '한국어 텍스트를 검색합니다' },
  { role: 'assistant' as const, content: 'Your order shipped on Monday.' },
];

/**
 * One query set, the in-memory store (BM25 over `analyzeText`) and PostgreSQL full-text search on
 * PGlite: CJK runs are indexed as character bigrams on both, so both find the same messages.
 */
describe('search agrees across stores on CJK text (memory store and PGlite)', () => {
  let db: PGlite;
  const stores: Array<{ name: string; store: Store }> = [];

  beforeAll(async () => {
    db = await PGlite.create();
    const postgres = await createPostgresStore({ client: db });
    await postgres.migrate();
    stores.push({ name: 'memory', store: createMemoryStore() }, { name: 'pglite', store: postgres });
    for (const { store } of stores) {
      await store.createConversation(scope, { id: 'c1' });
      await store.appendMessages(scope, 'c1', await newMessages(MESSAGES));
      await store.memories!.put(scope, await newMemory('用户喜欢绿茶'));
    }
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  const cases: Array<[query: string, contents: string[]]> = [
    ['订单', ['我的订单在哪里']],
    ['我的订单', ['我的订单在哪里']],
    ['哪里', ['我的订单在哪里']],
    ['東京', ['東京に住んでいます']],
    ['검색', ['한국어 텍스트를 검색합니다']],
    ['order', ['Your order shipped on Monday.']],
    ['咖啡', []],
  ];

  it.each(cases)('should find %s in the same messages on every store', async (query, contents) => {
    for (const { name, store } of stores) {
      const hits = await store.searchMessages!(scope, { query, limit: 10 });
      expect({ name, contents: hits.map((hit) => hit.message.content).sort() }).toEqual({ name, contents: [...contents].sort() });
    }
  });

  it('should find a CJK memory by a word inside it on every store', async () => {
    for (const { name, store } of stores) {
      const hits = await store.memories!.search(scope, { query: '绿茶', limit: 5 });
      expect({ name, texts: hits.map((hit) => hit.memory.text) }).toEqual({ name, texts: ['用户喜欢绿茶'] });
    }
  });
});
