import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { newMessages } from '../../src/testing/index.js';
import type { Message, NewMessage, Scope } from '../../src/types.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();
const scope: Scope = { tenantId: 'acme', userId: 'u1' };

describe.skipIf(skip)('redis store under concurrency', () => {
  const prefix = uniquePrefix('concurrency');
  const clients: Redis[] = [];

  beforeAll(() => {
    for (let index = 0; index < 20; index += 1) clients.push(new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }));
  });
  afterAll(async () => {
    await unlinkPrefix(clients[0]!, prefix);
    for (const client of clients) client.disconnect();
  });

  it('should keep 1,000+ appends from 20 concurrent clients contiguous, without duplicates or loss', async () => {
    const stores = clients.map((client) => createRedisStore({ client: asClient(client), keyPrefix: `${prefix}a:` }));
    await stores[0]!.createConversation(scope, { id: 'busy' });
    const perClient = 55;
    const batches: NewMessage[][] = [];
    for (let client = 0; client < stores.length; client += 1) {
      for (let index = 0; index < perClient; index += 1) {
        batches.push(await newMessages(Array.from({ length: (index % 3) + 1 }, (_, item) => ({ id: `c${client}-b${index}-${item}`, role: 'user' as const, content: `client ${client} batch ${index} item ${item}` }))));
      }
    }
    // Each client appends its own batches one after another; the 20 clients run at once. Every
    // batch is also retried once (a resend after a timeout) to exercise idempotency under load.
    await Promise.all(
      stores.map(async (store, client) => {
        for (let index = 0; index < perClient; index += 1) {
          const batch = batches[client * perClient + index]!;
          const [first, retry] = await Promise.all([store.appendMessages(scope, 'busy', batch), store.appendMessages(scope, 'busy', batch)]);
          expect(retry.messages.map((message) => message.seq)).toEqual(first.messages.map((message) => message.seq));
        }
      }),
    );
    const total = batches.reduce((sum, batch) => sum + batch.length, 0);
    expect(batches.length).toBeGreaterThanOrEqual(1000);
    const stored: Message[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = await stores[0]!.listMessages(scope, 'busy', { order: 'asc', afterSeq, limit: 1000 });
      if (page.length === 0) break;
      stored.push(...page);
      afterSeq = page.at(-1)!.seq;
    }
    expect(stored.map((message) => message.seq)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(new Set(stored.map((message) => message.id)).size).toBe(total);
    const seqOf = new Map(stored.map((message) => [message.id, message.seq]));
    for (const batch of batches) {
      const seqs = batch.map((message) => seqOf.get(message.id)!);
      seqs.forEach((seq, index) => expect(seq).toBe(seqs[0]! + index));
    }
    const conversation = await stores[0]!.getConversation(scope, 'busy');
    expect(conversation).toMatchObject({ messageCount: total, lastSeq: total });
    expect(conversation?.tokenCount).toBe(stored.reduce((sum, message) => sum + Object.values(message.tokenCounts)[0]!, 0));
  }, 120_000);

  it('should read the same tail as the reference in-memory store for any history and budget', async () => {
    const redis = createRedisStore({ client: asClient(clients[0]!), keyPrefix: `${prefix}p:` });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 0, max: 400 }),
        fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (counts, maxTokens, beforeSeq, maxMessages, deletions) => {
          run += 1;
          const memory = createMemoryStore();
          const id = `prop-${run}`;
          const messages: NewMessage[] = counts.map((count, index) => ({
            id: `m${index}`,
            role: 'user',
            content: `m${index}`,
            createdAt: new Date(0),
            metadata: {},
            tags: [],
            tokenCounts: { o200k_base: count, cl100k_base: count + 1 },
            contentHash: '0'.repeat(64),
          }));
          for (const store of [redis, memory]) {
            await store.createConversation(scope, { id });
            if (messages.length > 0) await store.appendMessages(scope, id, messages);
            for (const index of deletions) if (counts.length > 0) await store.deleteMessage(scope, id, `m${index % counts.length}`);
          }
          for (const encoding of ['o200k_base', 'cl100k_base', 'missing']) {
            const options = { maxTokens, encoding, ...(beforeSeq !== undefined ? { beforeSeq } : {}), ...(maxMessages !== undefined ? { maxMessages } : {}) };
            const fromMemory = await memory.getTail(scope, id, options);
            // The first read of a conversation runs the Lua script; later ones the MULTI fast path.
            for (let read = 0; read < 3; read += 1) expect(await redis.getTail(scope, id, options)).toEqual(fromMemory);
            // A larger budget than the learned size: the fast read comes up short and falls back.
            const wider = { ...options, maxTokens: maxTokens * 4 + 60 };
            expect(await redis.getTail(scope, id, wider)).toEqual(await memory.getTail(scope, id, wider));
          }
          expect((await redis.getConversation(scope, id))?.tokenCount).toBe((await memory.getConversation(scope, id))?.tokenCount);
        },
      ),
      { numRuns: 80 },
    );
  }, 120_000);
});
