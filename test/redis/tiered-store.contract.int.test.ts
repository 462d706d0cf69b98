import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore, type TieredStore } from '../../src/stores/tiered/index.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from '../postgres/server.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const skipRedis = await skipWithoutRedis();
const postgresReachable = skipRedis ? false : await checkServer();

describe.skipIf(skipRedis)('tiered store (redis in front of a durable store)', () => {
  const prefix = uniquePrefix('tiered');
  const schema = uniqueSchema('tiered');
  let client: Redis;
  let pool: pg.Pool | undefined;
  let counter = 0;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    if (postgresReachable) pool = createPool(20);
  });
  afterAll(async () => {
    await unlinkPrefix(client, prefix);
    client.disconnect();
    if (pool) {
      await dropSchema(pool, schema);
      await pool.end();
    }
  });

  const hotStore = (clock: { now(): number }) => createRedisStore({ client: asClient(client), keyPrefix: `${prefix}${(counter += 1)}:`, clock });
  const settle = (store: unknown) => (store as TieredStore).settle();

  describeStoreContract({
    name: 'tiered (redis + memory)',
    createStore: async ({ clock }) => createTieredStore({ hot: hotStore(clock), durable: createMemoryStore({ clock }), clock }),
    destroyStore: settle,
  });

  describe.skipIf(!postgresReachable)('with postgres', () => {
    describeStoreContract({
      name: 'tiered (redis + postgres)',
      createStore: async ({ clock }) => {
        const durable = await createPostgresStore({ client: pool!, schema, tablePrefix: `t${counter}_`, clock });
        await durable.migrate();
        return createTieredStore({ hot: hotStore(clock), durable, clock });
      },
      destroyStore: settle,
    });
  });
});
