import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadPgvectorExtension } from '../../src/stores/embedded/pgvector.js';
import type { Store } from '../../src/spec/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import type { NewMessage, Scope } from '../../src/types.js';
import { openDynamoDBBackend } from './dynamodb-backend.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
import { REDIS_URL, redisReachable } from '../../test/redis/redis-test-env.js';

export { REDIS_URL, redisReachable };

export type BackendName = 'memory' | 'pglite' | 'postgres' | 'redis' | 'dynamodb';

/** A store under benchmark plus the raw-driver floor over the same rows: "the last 100 items". */
export interface Backend {
  readonly name: BackendName;
  readonly store: Store;
  /** The raw driver floor for one conversation, or undefined when the backend has no driver under it. */
  readonly rawTail?: (tenantId: string, conversationId: string) => Promise<unknown>;
  /** The floor plus decoding each item into an object, where the floor returns undecoded strings (Redis). */
  readonly rawTailDecoded?: (tenantId: string, conversationId: string) => Promise<unknown>;
  /** Writes the same messages where `rawTail` reads them, when that is not the store's own table. */
  readonly seedRaw?: (conversationId: string, jsonItems: readonly string[]) => Promise<void>;
  /** Seeds a created conversation faster than batched appends, in the store's own item format (DynamoDB). */
  readonly seedStore?: (scope: Scope, conversationId: string, messages: readonly NewMessage[]) => Promise<void>;
  /** Raw batched write of a batch, for the append benchmark (DynamoDB: one BatchWriteItem). */
  readonly rawAppend?: (writer: number, batch: readonly NewMessage[], firstSeq: number) => Promise<unknown>;
  readonly pool?: pg.Pool;
  readonly redis?: Redis;
  readonly pglite?: PGlite;
  readonly schema?: string;
  readonly keyPrefix?: string;
  close(): Promise<void>;
}

const runId = `${process.pid}_${Date.now().toString(36)}`;

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}


/** Which backends this machine can run; the unreachable ones are named with the reason. */
export async function availableBackends(): Promise<{ names: BackendName[]; skipped: string[] }> {
  // DynamoDB runs on dynalite started in this process: always available.
  const names: BackendName[] = ['memory', 'pglite', 'dynamodb'];
  const skipped: string[] = [];
  if (await postgresReachable()) names.push('postgres');
  else skipped.push(`postgres (no server at DATABASE_URL)`);
  if (await redisReachable()) names.push('redis');
  else skipped.push(`redis (no server at REDIS_URL)`);
  return { names, skipped };
}

/** The raw `SELECT … ORDER BY seq DESC LIMIT 100` over the store's own messages table. */
const rawSql = (schema: string) =>
  `SELECT seq, id, role, content, token_counts FROM "${schema}".llmctx_messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY seq DESC LIMIT 100`;

export async function openBackend(name: BackendName, label: string): Promise<Backend> {
  if (name === 'memory') {
    return { name, store: createMemoryStore(), close: async () => undefined };
  }
  if (name === 'dynamodb') return openDynamoDBBackend(label);
  if (name === 'pglite') {
    const vector = await loadPgvectorExtension();
    const db = await PGlite.create('memory://', vector ? { extensions: { vector } } : {});
    const store = await createPostgresStore({ client: db, name: 'pglite' });
    await store.migrate();
    return {
      name,
      store,
      pglite: db,
      schema: 'public',
      rawTail: (tenantId, conversationId) => db.query(rawSql('public'), [tenantId, conversationId]),
      close: () => db.close(),
    };
  }
  if (name === 'postgres') {
    const schema = `lc_bench_${label}_${runId}`;
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20 });
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const store = await createPostgresStore({ client: pool, schema });
    await store.migrate();
    return {
      name,
      store,
      pool,
      schema,
      rawTail: (tenantId, conversationId) => pool.query(rawSql(schema), [tenantId, conversationId]),
      close: async () => {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    };
  }
  const keyPrefix = `llmctx:bench:${label}:${runId}:`;
  const redis = new Redis(REDIS_URL);
  const store = createRedisStore({ client: redis as unknown as RedisClientLike, keyPrefix });
  return {
    name,
    store,
    redis,
    keyPrefix,
    // The floor: a plain list holding the same messages as JSON, LRANGE of the last 100 items,
    // nothing parsed, no scope check, no token budget.
    rawTail: (_tenantId, conversationId) => redis.lrange(`${keyPrefix}raw:${conversationId}`, -100, -1),
    rawTailDecoded: async (_tenantId, conversationId) => (await redis.lrange(`${keyPrefix}raw:${conversationId}`, -100, -1)).map((item) => JSON.parse(item) as unknown),
    seedRaw: async (conversationId, jsonItems) => {
      for (let start = 0; start < jsonItems.length; start += 1000) await redis.rpush(`${keyPrefix}raw:${conversationId}`, ...jsonItems.slice(start, start + 1000));
    },
    close: async () => {
      await unlinkPrefix(redis, keyPrefix);
      redis.disconnect();
    },
  };
}

export async function unlinkPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
