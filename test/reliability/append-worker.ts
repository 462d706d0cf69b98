/**
 * One writer process of the cross-process concurrency test:
 * `tsx append-worker.ts <postgres|redis|dynamodb> <schema|keyPrefix|"endpoint table"> <tag> <appends> <conversation,…>`.
 * Appends `appends` batches of 1–3 messages (ids `<tag>-<batch>-<index>`) round-robin over the
 * conversations, then prints `{ acknowledged: string[] }` — the ids of every acknowledged batch.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { dynamoDBClient } from '../dynamodb/dynalite.js';
import type { Store } from '../../src/spec/store.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { newMessages } from '../../src/testing/index.js';

const [kind, location, tag, appendsText, conversationList] = process.argv.slice(2) as [string, string, string, string, string];
const conversations = conversationList.split(',');
const scope = { tenantId: 'concurrency', userId: 'u1' };
let store: Store;
let close: () => Promise<void>;
if (kind === 'postgres') {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 4 });
  store = await createPostgresStore({ client: pool, schema: location });
  close = () => pool.end();
} else if (kind === 'dynamodb') {
  // location = "<endpoint> <table>": the dynalite server the test process started.
  const [endpoint, tableName] = location.split(' ') as [string, string];
  const client = dynamoDBClient(endpoint);
  store = createDynamoDBStore({ client, tableName });
  close = async () => client.destroy();
} else {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  store = createRedisStore({ client: redis as unknown as RedisClientLike, keyPrefix: location });
  close = async () => redis.disconnect();
}
const acknowledged: string[] = [];
// DynamoDB: every append in flight at once (the "500 concurrent appends"); others: 4.
const inFlight = kind === 'dynamodb' ? Number(appendsText) : 4;
let next = 0;
const appends = Number(appendsText);
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < appends) {
      const batch = next++;
      const size = 1 + (batch % 3);
      const messages = await newMessages(Array.from({ length: size }, (_, index) => ({ id: `${tag}-${batch}-${index}`, role: 'user' as const, content: `${tag} batch ${batch} part ${index}` })));
      await store.appendMessages(scope, conversations[batch % conversations.length]!, messages);
      acknowledged.push(...messages.map((message) => message.id));
    }
  }),
);
await close();
process.stdout.write(JSON.stringify({ acknowledged }));
