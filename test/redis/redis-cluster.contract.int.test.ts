import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { describeMemoriesContract, describeStoreContract } from '../../src/testing/index.js';
import { hasRedisBinaries, startLocalCluster, type LocalCluster } from './redis-cluster.js';
import { asClient, uniquePrefix, unlinkPrefix } from './redis-test-env.js';

const available = hasRedisBinaries();
if (!available && !process.env.CI) console.warn('skipping: redis-server/redis-cli not installed (needed to start a local cluster)');

describe.skipIf(!available && !process.env.CI)('redis store (3-master cluster)', () => {
  const prefix = uniquePrefix('cluster');
  let cluster: LocalCluster;
  let client: Cluster;
  let counter = 0;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    client = cluster.connect();
  }, 120_000);
  afterAll(async () => {
    if (client) {
      await unlinkPrefix(client, prefix);
      client.disconnect();
    }
    await cluster?.stop();
  });

  it('should spread conversations over every master (hash tags, not one slot)', async () => {
    const store = createRedisStore({ client: asClient(client), keyPrefix: `${prefix}spread:` });
    for (let index = 0; index < 30; index += 1) await store.createConversation({ tenantId: 't' }, { id: `c${index}` });
    const perNode = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perNode.every((count) => count > 0)).toBe(true);
    expect((await store.listConversations({ tenantId: 't' }, { limit: 100 })).items).toHaveLength(30);
  });

  const createStore = async ({ clock }: { clock: { now(): number } }) => createRedisStore({ client: asClient(client), keyPrefix: `${prefix}${(counter += 1)}:`, clock });
  describeStoreContract({ name: 'redis-cluster', createStore });
  describeMemoriesContract({ name: 'redis-cluster', createStore });
});
