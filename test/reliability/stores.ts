import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { Store } from '../../src/spec/store.js';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import { createTestClock, type TestClock } from '../../src/testing/index.js';
import { startDynalite, uniqueTableName } from '../dynamodb/dynalite.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from '../postgres/server.js';
import { asClient, REDIS_URL, skipWithoutRedis, uniquePrefix, unlinkPrefix } from '../redis/redis-test-env.js';

/** Every store the reliability suite runs against. */
export const STORE_KINDS = ['memory', 'pglite', 'postgres', 'redis', 'tiered', 'dynamodb'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Full sizes behind `RELIABILITY_FULL=1`; CI and dev runs use the reduced sizes. */
export const FULL = process.env.RELIABILITY_FULL === '1';

/**
 * Which servers are up. On CI (`CI` set) an unreachable server throws, so suites fail loudly;
 * on a dev machine the suites that need it skip with a one-line reason.
 */
export const servers = {
  postgres: await checkServer(),
  redis: !(await skipWithoutRedis()),
};

export function kindAvailable(kind: StoreKind): boolean {
  if (kind === 'postgres') return servers.postgres;
  if (kind === 'redis') return servers.redis;
  if (kind === 'tiered') return servers.postgres && servers.redis;
  return true;
}

export interface StoreHandle {
  readonly kind: StoreKind;
  readonly store: Store;
  readonly clock: TestClock;
  readonly pool?: pg.Pool;
  readonly schema?: string;
  readonly redis?: Redis;
  readonly keyPrefix?: string;
  /** dynamodb: the in-process dynalite endpoint and the table. */
  readonly endpoint?: string;
  readonly tableName?: string;
  cleanup(): Promise<void>;
}

/** Opens a fresh, empty store of `kind` (own schema / key prefix / database) on a test clock. */
export async function openStore(kind: StoreKind, label: string): Promise<StoreHandle> {
  const clock = createTestClock();
  if (kind === 'memory') return { kind, store: createMemoryStore({ clock }), clock, cleanup: async () => undefined };
  if (kind === 'dynamodb') {
    // dynalite runs in this process on 127.0.0.1 (no external server, so never skipped).
    const server = await startDynalite();
    const tableName = uniqueTableName(`rel-${label}`);
    const store = createDynamoDBStore({ client: server.client(), tableName, clock });
    await store.ensureTable();
    return { kind, store, clock, endpoint: server.endpoint, tableName, cleanup: () => server.close() };
  }
  if (kind === 'pglite') {
    const db = await PGlite.create('memory://');
    const store = await createPostgresStore({ client: db, clock, name: 'pglite' });
    await store.migrate();
    return { kind, store, clock, cleanup: () => db.close() };
  }
  const openPostgres = async () => {
    const pool = createPool(10);
    const schema = uniqueSchema(`rel_${label}`);
    const store = await createPostgresStore({ client: pool, schema, clock });
    await store.migrate();
    return { pool, schema, store };
  };
  const openRedis = () => {
    const redis = new Redis(REDIS_URL);
    const keyPrefix = uniquePrefix(`rel-${label}`);
    return { redis, keyPrefix, store: createRedisStore({ client: asClient(redis), keyPrefix, clock }) };
  };
  if (kind === 'postgres') {
    const { pool, schema, store } = await openPostgres();
    return { kind, store, clock, pool, schema, cleanup: async () => { await dropSchema(pool, schema); await pool.end(); } };
  }
  if (kind === 'redis') {
    const { redis, keyPrefix, store } = openRedis();
    return { kind, store, clock, redis, keyPrefix, cleanup: async () => { await unlinkPrefix(redis, keyPrefix); redis.disconnect(); } };
  }
  const durable = await openPostgres();
  const hot = openRedis();
  const store = createTieredStore({ hot: hot.store, durable: durable.store, clock });
  return {
    kind,
    store,
    clock,
    pool: durable.pool,
    schema: durable.schema,
    redis: hot.redis,
    keyPrefix: hot.keyPrefix,
    cleanup: async () => {
      await store.settle();
      await unlinkPrefix(hot.redis, hot.keyPrefix);
      hot.redis.disconnect();
      await dropSchema(durable.pool, durable.schema);
      await durable.pool.end();
    },
  };
}

export { seededRandom } from '../support/seeded-random.js';
