/**
 * Child process of the peak-RSS benchmark: opens the already-seeded store (Postgres schema or
 * Redis key prefix given on the command line), runs assemblies, and prints JSON with the RSS
 * after warm-up and the peak RSS sampled after each assembly, in MiB.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { ContextManager } from '../src/context-manager.js';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { createRedisStore, type RedisClientLike } from '../src/stores/redis/index.js';
import type { Store } from '../src/spec/store.js';
import { DATABASE_URL, REDIS_URL } from './lib/backends.js';

const [kind, location, size, runs] = process.argv.slice(2) as [string, string, string, string];
let store: Store;
let close: () => Promise<void>;
if (kind === 'postgres') {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  store = await createPostgresStore({ client: pool, schema: location });
  close = () => pool.end();
} else {
  const redis = new Redis(REDIS_URL);
  store = createRedisStore({ client: redis as unknown as RedisClientLike, keyPrefix: location });
  close = async () => redis.disconnect();
}
const manager = new ContextManager({ store });
const scope = { tenantId: 'bench', userId: `u${size}` };
const assemble = () => manager.assemble(`c${size}`, { scope, budget: { maxTokens: 4000 } });
for (let index = 0; index < 5; index += 1) await assemble();
const mib = (bytes: number) => bytes / 2 ** 20;
const afterWarmup = mib(process.memoryUsage().rss);
let sampledPeak = afterWarmup;
for (let index = 0; index < Number(runs); index += 1) {
  await assemble();
  sampledPeak = Math.max(sampledPeak, mib(process.memoryUsage().rss));
}
// Sampled after every assembly: the OS high-water mark (resourceUsage().maxRSS) is dominated by
// start-up (TypeScript loading), which would hide growth during assembly.
await close();
process.stdout.write(JSON.stringify({ afterWarmup, peak: sampledPeak, heapUsed: mib(process.memoryUsage().heapUsed) }));
