import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/index.js';

describe('createRedisStore client typing', () => {
  it('should accept an ioredis Redis and Cluster without a cast', () => {
    const redis = new Redis({ lazyConnect: true });
    const cluster = new Cluster([{ host: '127.0.0.1', port: 7001 }], { lazyConnect: true });
    expect(createRedisStore({ client: redis }).name).toBe('redis');
    expect(createRedisStore({ client: cluster }).capabilities.ttlSweep.available).toBe(true);
    redis.disconnect();
    cluster.disconnect();
  });
});
