import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { LLMContextError, StoreUnavailableError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import { newMessages, textTurns } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { asClient } from './redis-test-env.js';

/** A loopback port nothing listens on: every connection is refused. */
const DEAD_URL = 'redis://127.0.0.1:6399';
const scope: Scope = { tenantId: 'acme', userId: 'u1' };

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('redis store with the server down (connection refused)', () => {
  const clients = [
    new Redis(DEAD_URL, { maxRetriesPerRequest: 1, retryStrategy: () => 50 }),
    new Redis(DEAD_URL, { enableOfflineQueue: false, retryStrategy: () => 50 }),
  ];
  for (const client of clients) client.on('error', () => undefined);
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });

  it.each([
    ['with the offline queue and one retry', 0],
    ['without the offline queue', 1],
  ])('should throw a retryable typed error naming the store and operation (%s)', async (_label, index) => {
    const store = createRedisStore({ client: asClient(clients[index]!), keyPrefix: 'llmctx:test:down:' });
    const started = Date.now();
    const error = await caught(store.appendMessages(scope, 'c1', await newMessages(textTurns(1))));
    expect(StoreUnavailableError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).toBe('store_unavailable');
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect((error as StoreUnavailableError).store).toBe('redis');
    expect((error as StoreUnavailableError).operation).toBe('appendMessages');
    expect((error as Error).message).toContain('[redis] appendMessages');
    expect((error as Error).message).not.toContain('message number');
    const read = await caught(store.getTail(scope, 'c1', { maxTokens: 100, encoding: 'o200k_base' }));
    expect(LLMContextError.isInstance(read) && read.code === 'store_unavailable' && (read as StoreUnavailableError).operation === 'getTail').toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('should keep the tiered store serving every read and write from the durable store', async () => {
    const durable = createMemoryStore();
    const hotErrors: string[] = [];
    const tiered = createTieredStore({
      hot: createRedisStore({ client: asClient(clients[1]!), keyPrefix: 'llmctx:test:down:' }),
      durable,
      onHotError: ({ operation }) => hotErrors.push(operation),
    });
    await tiered.createConversation(scope, { id: 'c1' });
    const appended = await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(6)));
    expect(appended.inserted).toBe(6);
    const tail = await tiered.getTail(scope, 'c1', { maxTokens: 10_000, encoding: 'o200k_base' });
    expect(tail.messages.map((message) => message.id)).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5']);
    expect(await tiered.listMessages(scope, 'c1', { order: 'desc', limit: 2 })).toHaveLength(2);
    expect((await tiered.getConversation(scope, 'c1'))?.messageCount).toBe(6);
    expect(await durable.listMessages(scope, 'c1', { order: 'asc', limit: 100 })).toHaveLength(6);
    const health = tiered.health();
    expect(health.hot).toBe('down');
    expect(health.hotFailures).toBeGreaterThanOrEqual(1);
    expect(health.lastHotError).toBe('store_unavailable');
    expect(health.pendingInvalidations).toBe(1);
    expect(hotErrors.length).toBe(health.hotFailures);
  });

  it('should fail a tiered write when the durable store fails, acknowledging nothing', async () => {
    const durable = createMemoryStore();
    const broken = { ...durable, appendMessages: async () => Promise.reject(new StoreUnavailableError({ store: 'postgres', operation: 'appendMessages' })) };
    const tiered = createTieredStore({ hot: createMemoryStore(), durable: broken });
    await tiered.createConversation(scope, { id: 'c1' });
    const error = await caught(tiered.appendMessages(scope, 'c1', await newMessages(textTurns(1))));
    expect((error as StoreUnavailableError).store).toBe('postgres');
    expect(await tiered.listMessages(scope, 'c1', { order: 'asc', limit: 10 })).toEqual([]);
  });
});
