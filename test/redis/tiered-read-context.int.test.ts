import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/spec/store.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import { newMessages, textTurns } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();
const scope: Scope = { tenantId: 'acme', userId: 'u1' };
const tailOptions = { maxTokens: 100_000, encoding: 'o200k_base' };

/** The store, with every method call it receives recorded by name. */
function counted(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe.skipIf(skip)('tiered readContext (redis hot tier in front of a redis durable store)', () => {
  const prefix = uniquePrefix('tiered-ctx');
  let client: Redis;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
  });

  it('should answer readContext with one hot-store call when the hot copy exists, and read through on a miss', async () => {
    const hot = counted(createRedisStore({ client: asClient(client), keyPrefix: `${prefix}hot:` }));
    const durable = counted(createRedisStore({ client: asClient(client), keyPrefix: `${prefix}durable:` }));
    const tiered = createTieredStore({ hot: hot.store, durable: durable.store });
    await tiered.createConversation(scope, { id: 'c1' });
    await tiered.appendMessages(scope, 'c1', await newMessages(textTurns(6)));
    await tiered.putSummary(scope, 'c1', { text: 'earlier', coversThroughSeq: 2, tokenCount: 1, encoding: 'o200k_base', updatedAt: new Date() }, { expectedCoversThroughSeq: null });
    hot.calls.length = 0;
    durable.calls.length = 0;
    const read = await tiered.readContext!(scope, 'c1', tailOptions);
    expect(hot.calls).toEqual(['readContext']);
    expect(durable.calls).toEqual([]);
    expect(read.tail.messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read.summary?.text).toBe('earlier');
    expect(read.conversation).toMatchObject({ id: 'c1', lastSeq: 6, messageCount: 6 });
    expect(tiered.health()).toMatchObject({ hotHits: 1, hotMisses: 0 });

    // Evicted from the hot store: the durable store answers the same, and the copy comes back.
    await hot.store.deleteConversation(scope, 'c1');
    hot.calls.length = 0;
    durable.calls.length = 0;
    const missed = await tiered.readContext!(scope, 'c1', tailOptions);
    expect(durable.calls).toContain('readContext');
    expect(missed.tail).toEqual(read.tail);
    expect(missed.summary).toEqual(read.summary);
    await tiered.settle();
    expect(tiered.health()).toMatchObject({ hotMisses: 1, repopulations: 1 });
    durable.calls.length = 0;
    expect((await tiered.readContext!(scope, 'c1', tailOptions)).tail).toEqual(read.tail);
    expect(durable.calls).toEqual([]);

    // An absent conversation: both stores say so.
    expect(await tiered.readContext!(scope, 'absent', tailOptions)).toEqual({ conversation: null, tail: { messages: [], reachedStart: true }, summary: null });
  });
});
