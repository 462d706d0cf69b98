/**
 * Redis memory search (`store.memories.search`, top 10) at two sizes of one owner's memories (plus
 * another owner's 2,000 sharing the words, which must not count): p50 and p95 in ms for a rare term
 * (1 memory in 2,000 matches: the cost should follow the matches, flat in the memories held) and a
 * common query (both words in every memory: bounded by the postings read per term), as a
 * ratio to a floor measured in the same run, interleaved: `store.memories.get` of one memory (one `HGET`).
 *
 * Seeds through `store.memories.put` (the public write path: document, sets and postings in one script).
 */
import { Redis } from 'ioredis';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { MEMORY_POSTINGS_SCANNED } from '../../src/stores/redis/memories.js';
import { newMemory } from '../../src/testing/index.js';
import type { Scope } from '../../src/types.js';
import { asClient, unlinkPrefix } from '../../test/redis/redis-test-env.js';
import { REDIS_URL, redisReachable } from '../lib/backends.js';
import { MEMORY_COMMON_QUERY, MEMORY_RARE_QUERIES } from '../lib/seed-memories.js';
import { compare, formatMs, formatRatio, type Summary } from '../lib/stats.js';
import { markdownTable, progress } from '../lib/table.js';

const TOPICS = ['email', 'phone', 'chat', 'mornings', 'evenings', 'invoices', 'refunds', 'express', 'gift', 'wrap', 'vegan', 'spicy', 'window', 'aisle', 'metric', 'imperial', 'french', 'german', 'spanish', 'dark mode'];

/** The same texts as `bench/lib/seed-memories.ts` seeds into PostgreSQL: every 2,000th carries a rare word. */
const memoryText = (index: number) =>
  `customer prefers ${TOPICS[index % TOPICS.length]} note ${index}${index % 2000 === 0 ? ` ${MEMORY_RARE_QUERIES[(index / 2000) % MEMORY_RARE_QUERIES.length]}` : ''}`;

export async function runRedisMemorySearchBench(options: { quick: boolean }): Promise<string> {
  if (!(await redisReachable())) return '### Redis memory search: skipped (no Redis at REDIS_URL)';
  const sizes = options.quick ? [2000, 10_000] : [10_000, 100_000];
  const iterations = options.quick ? 20 : 100;
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `llmctx:bench:memsearch:${process.pid}:`;
  const rows: string[][] = [];
  const rareP95: number[] = [];
  try {
    for (const size of sizes) {
      const store = createRedisStore({ client: asClient(client), keyPrefix: `${prefix}${size}:` });
      const owner: Scope = { tenantId: 'tenant-bench', userId: 'user-bench' };
      const other: Scope = { tenantId: 'tenant-bench', userId: 'other' };
      progress(`redis memory search: seeding ${size} memories`);
      for (let start = 1; start <= size; start += 500) {
        await Promise.all(
          Array.from({ length: Math.min(500, size - start + 1) }, async (_, offset) => {
            const index = start + offset;
            await store.memories!.put(owner, await newMemory(memoryText(index), { id: `mem-${index}` }));
            if (index <= 2000) await store.memories!.put(other, await newMemory(memoryText(index), { id: `mem-${index}` }));
          }),
        );
      }
      let next = 0;
      let rareFound = 0;
      let commonFound = 0;
      const results: Record<string, Summary> = await compare({
        iterations,
        contenders: {
          floor: () => store.memories!.get(owner, `mem-${1 + Math.floor(Math.random() * size)}`),
          rare: async () => {
            rareFound += (await store.memories!.search(owner, { query: MEMORY_RARE_QUERIES[next++ % MEMORY_RARE_QUERIES.length]!, limit: 10 })).length;
          },
          common: async () => {
            commonFound += (await store.memories!.search(owner, { query: MEMORY_COMMON_QUERY, limit: 10 })).length;
          },
        },
      });
      if (rareFound === 0 || commonFound === 0) throw new Error('redis memory search found nothing');
      const floor = results.floor!;
      rareP95.push(results.rare!.p95 / floor.p95);
      for (const [kind, summary] of [['rare term (1 in 2,000)', results.rare!], ['common query (every memory matches)', results.common!]] as const) {
        rows.push([size.toLocaleString('en-US'), kind, formatMs(summary.median), formatMs(summary.p95), formatMs(floor.p95), formatRatio(summary.p95 / floor.p95)]);
      }
    }
  } finally {
    await unlinkPrefix(client, prefix).catch(() => undefined);
    client.disconnect();
  }
  return [
    `### Redis memory search (one owner; top 10; ${iterations} interleaved runs; ms)`,
    '',
    markdownTable(['memories', 'query', 'p50 ms', 'p95 ms', 'floor p95 ms (get by id)', 'p95 / floor'], rows),
    '',
    `Ranked in Redis over the query terms' posting lists (at most ${MEMORY_POSTINGS_SCANNED.toLocaleString('en-US')} postings read per term). Rare-term p95 / floor, largest over smallest size: ${formatRatio(rareP95.at(-1)! / rareP95[0]!)} (1× = flat in the memories held).`,
  ].join('\n');
}
