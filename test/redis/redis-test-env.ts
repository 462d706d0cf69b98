import { Redis, type Cluster } from 'ioredis';
import type { RedisClientLike } from '../../src/stores/redis/index.js';

/** Redis for the tests: `REDIS_URL` or the local server. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a Redis server answers PING within a second. */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Whether to skip a suite that needs Redis: never in CI (there the suite must fail loudly when the
 * server is unreachable), otherwise when no server answers.
 */
export async function skipWithoutRedis(url = REDIS_URL): Promise<boolean> {
  if (process.env.CI) return false;
  const reachable = await redisReachable(url);
  if (!reachable) console.warn(`skipping: no Redis at ${url} (set REDIS_URL or start redis-server)`);
  return !reachable;
}

/** A unique key prefix for one test file, so files run in parallel against one server. */
export function uniquePrefix(name: string): string {
  return `llmctx:test:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** Deletes every key under `prefix` with SCAN + UNLINK (never KEYS), on every master of a cluster. */
export async function unlinkPrefix(client: Redis | Cluster, prefix: string): Promise<number> {
  const nodes: Redis[] = 'nodes' in client && typeof (client as Cluster).nodes === 'function' && (client as Cluster).isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  let removed = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) removed += await node.unlink(key);
    } while (cursor !== '0');
  }
  return removed;
}

export const asClient = (client: Redis | Cluster): RedisClientLike => client as unknown as RedisClientLike;
