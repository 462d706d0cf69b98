import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { describeMemoriesContract, describeStoreContract } from '../../src/testing/index.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skip = await skipWithoutRedis();

describe.skipIf(skip)('redis store (standalone)', () => {
  const prefix = uniquePrefix('contract');
  let client: Redis;
  let counter = 0;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
  });

  const createStore = async ({ clock }: { clock: { now(): number } }) => createRedisStore({ client: asClient(client), keyPrefix: `${prefix}${(counter += 1)}:`, clock });
  describeStoreContract({ name: 'redis', createStore });
  describeMemoriesContract({ name: 'redis', createStore });
});
