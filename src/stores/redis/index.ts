/**
 * `llm-context/redis`: the Redis store (`ioredis` `Redis` or `Cluster`, passed in by the caller)
 * and the write-through tiered store that puts it in front of a durable store such as Postgres.
 */
export { createRedisStore, SEARCH_WINDOW, type RedisStoreOptions } from './redis-store.js';
export type { RedisClientLike } from './redis-client.js';
export { createTieredStore, type TieredStore, type TieredStoreOptions, type TieredHealth } from '../tiered/index.js';
