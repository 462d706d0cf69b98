/**
 * PostgreSQL memory search (`store.memories.search`, top 10) at 10,000 and 100,000 memories of one
 * owner (plus 20,000 of other tenants): p50 and p95 in ms for a common term (matches every memory,
 * so the bound on ranked candidates is what keeps it flat) and a rare term (the GIN index), as a
 * ratio to a floor measured in the same run: `store.memories.get` of one memory by primary key.
 */
import pg from 'pg';
import { createPostgresStore } from '../src/stores/postgres/index.js';
import { DATABASE_URL, postgresReachable } from './lib/backends.js';
import { MEMORY_COMMON_QUERY, MEMORY_RARE_QUERIES, seedMemories } from './lib/seed-memories.js';
import { formatMs, formatRatio, summarize, timeRuns } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

export async function runMemorySearchBench(options: { quick: boolean }): Promise<string> {
  if (!(await postgresReachable())) return '### PostgreSQL memory search: skipped (no PostgreSQL at DATABASE_URL)';
  const sizes = options.quick ? [2000] : [10_000, 100_000];
  const iterations = options.quick ? 20 : 100;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const schema = `bench_memsearch_${process.pid}`;
  const rows: string[][] = [];
  try {
    for (const size of sizes) {
      progress(`memory search: seeding ${size} memories`);
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const store = await createPostgresStore({ client: pool, schema });
      await store.migrate();
      const scope = { tenantId: 'tenant-bench', userId: 'user-bench' };
      await seedMemories(pool, `"${schema}".llmctx_memories`, scope, size, options.quick ? 2000 : 20_000);
      const floor = summarize(await timeRuns(iterations, () => store.memories.get(scope, `mem-${1 + Math.floor(Math.random() * size)}`)));
      for (const [kind, queries] of [['common term (every memory matches)', [MEMORY_COMMON_QUERY]], ['rare term (1 in 2,000)', MEMORY_RARE_QUERIES]] as const) {
        let next = 0;
        let found = 0;
        await timeRuns(5, () => store.memories.search(scope, { query: queries[0]!, limit: 10 }));
        const samples = summarize(
          await timeRuns(iterations, async () => {
            const hits = await store.memories.search(scope, { query: queries[next++ % queries.length]!, limit: 10 });
            found += hits.length;
          }),
        );
        if (found === 0) throw new Error(`memory search found nothing for ${kind}`);
        rows.push([size.toLocaleString('en-US'), kind, formatMs(samples.median), formatMs(samples.p95), formatMs(floor.p95), formatRatio(samples.p95 / floor.p95)]);
      }
    }
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  return [
    `### PostgreSQL memory search (one owner; top 10; ${iterations} runs; ms)`,
    '',
    markdownTable(['memories', 'query', 'p50 ms', 'p95 ms', 'floor p95 ms (get by id)', 'p95 / floor'], rows),
    '',
    'Ranking reads at most 1,000 candidates (the newest matches): from the owner index when the newest 2,000 memories hold them, else from the GIN full-text index.',
  ].join('\n');
}
