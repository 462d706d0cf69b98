/**
 * `llm-context/redis`: the Redis store (`ioredis` `Redis` or `Cluster`, passed in by the caller)
 * (the write-through tiered store is `llm-context/tiered`).
 */
export { createRedisStore, SEARCH_INDEX, type RedisSearchIndexOptions, type RedisStoreOptions } from './redis-store.js';
export type { RedisClientLike } from './redis-client.js';
