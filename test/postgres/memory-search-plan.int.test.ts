import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore, type PgQueryConfig } from '../../src/stores/postgres/index.js';
import { MEMORY_SEARCH_CANDIDATES, MEMORY_SEARCH_WINDOW } from '../../src/stores/postgres/memory-table.js';
import { MEMORY_COMMON_QUERY, seedMemories } from '../../bench/lib/seed-memories.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * Memory search reads a bounded number of rows whatever the term, at 20,000 memories of one owner
 * plus 10,000 of other tenants: a common term is answered from the owner index's newest window,
 * a rare one from the GIN full-text index; nothing scans the table.
 */
describe.skipIf(!reachable)('postgres memory search: bounded by an index', () => {
  const schema = uniqueSchema('memplan');
  const scope = { tenantId: 'tenant-busy', userId: 'user-busy' };
  let pool: pg.Pool;
  const captured: PgQueryConfig[] = [];
  let store: Awaited<ReturnType<typeof createPostgresStore>>;

  beforeAll(async () => {
    pool = createPool(3);
    const setup = await createPostgresStore({ client: pool, schema });
    await setup.migrate();
    await seedMemories(pool, `"${schema}".llmctx_memories`, scope, 20_000, 10_000);
    // A word in 15,000 memories of another tenant and in one old memory of the owner.
    await pool.query(`INSERT INTO "${schema}".llmctx_memories (tenant_id, user_id, id, text, tags, pinned, metadata, token_counts, content_hash, created_at, updated_at)
      SELECT CASE WHEN g = 0 THEN 'tenant-busy' ELSE 'tenant-walrus' END, CASE WHEN g = 0 THEN 'user-busy' ELSE 'user' END, 'walrus-' || g,
             'walrus sighting ' || g, '{}', false, '{}', '{}', 'h', now() - interval '30 days', now() - interval '30 days'
      FROM generate_series(0, 15000) g`);
    await pool.query(`VACUUM ANALYZE "${schema}".llmctx_memories`);
    store = await createPostgresStore({
      client: { query: (config: PgQueryConfig) => (captured.push(config), pool.query(config)), connect: () => pool.connect() },
      schema,
    });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  async function searchAndExplain(query: string) {
    captured.length = 0;
    const hits = await store.memories.search(scope, { query, limit: 10 });
    const statement = captured.find((config) => config.text.includes('llmctx_memories'))!;
    // The store plans this statement per call (unnamed), so EXPLAIN ANALYZE with the same values shows its plan.
    expect(statement.name).toBeUndefined();
    const analyzed = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.values);
    const steps = nodes((analyzed.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
    if (process.env.DEBUG_PLANS) console.log(JSON.stringify(analyzed.rows[0]['QUERY PLAN']));
    const executed = (step: PlanNode) => (step['Actual Loops'] ?? 0) > 0;
    const onMemories = steps.filter((step) => step['Relation Name'] === 'llmctx_memories' || step['Index Name']?.startsWith('llmctx_memories'));
    return { hits, steps, executed, onMemories };
  }

  it('should answer a term in every memory from the owner index, reading at most the window', async () => {
    const { hits, steps, executed } = await searchAndExplain(MEMORY_COMMON_QUERY);
    expect(hits).toHaveLength(10);
    const window = steps.find((step) => step['Index Name'] === 'llmctx_memories_owner_updated' && executed(step))!;
    expect(window).toBeDefined();
    expect(window['Actual Rows']).toBeLessThanOrEqual(MEMORY_SEARCH_WINDOW);
    // The GIN branch is gated off: planned, never run.
    expect(steps.filter((step) => step['Index Name'] === 'llmctx_memories_search' && executed(step))).toEqual([]);
    expect(steps.filter((step) => step['Node Type'] === 'Seq Scan' && step['Relation Name'] === 'llmctx_memories' && executed(step))).toEqual([]);
  });

  it('should answer a rare term from the GIN full-text index, reading about its matches', async () => {
    const { hits, steps, executed } = await searchAndExplain('zebra');
    // 20,000 memories, one in 2,000 carries a rare word, four rare words in turn: "zebra" is in 3 of the owner's.
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit.memory.text).toContain('zebra');
    const gin = steps.find((step) => step['Index Name'] === 'llmctx_memories_search' && executed(step))!;
    expect(gin).toBeDefined();
    // Its postings across every tenant (the owner's plus the other tenants'), far fewer than the table.
    expect(gin['Actual Rows']).toBeLessThan(MEMORY_SEARCH_CANDIDATES);
    expect(steps.filter((step) => step['Node Type'] === 'Seq Scan' && step['Relation Name'] === 'llmctx_memories' && executed(step))).toEqual([]);
  });

  it('should not scan the table for a word common in another tenant and rare in the owner\'s memories', async () => {
    const { hits, steps, executed } = await searchAndExplain('walrus');
    expect(hits.map((hit) => hit.memory.id)).toEqual(['walrus-0']);
    expect(steps.filter((step) => step['Node Type'] === 'Seq Scan' && step['Relation Name'] === 'llmctx_memories' && executed(step))).toEqual([]);
  });

  it('should rank the best matches first and stay inside the owner', async () => {
    const hits = await store.memories.search(scope, { query: 'customer prefers coffee', limit: 5 });
    expect(hits).toHaveLength(5);
    for (const hit of hits) {
      expect(hit.memory.text).toContain('coffee');
      expect(hit.memory.id.startsWith('mem-')).toBe(true);
    }
    expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
  });

  // Last: it adds the tenant's shared memories, which the user's search reads too.
  it('should read at most the window from each owner index range when the tenant has 10,000 shared memories', async () => {
    await pool.query(`INSERT INTO "${schema}".llmctx_memories (tenant_id, user_id, id, text, tags, pinned, metadata, token_counts, content_hash, created_at, updated_at)
      SELECT 'tenant-busy', '', 'shared-' || g, 'customer prefers shared desk ' || g, '{}', false, '{}', '{}', 'h', now(), now() - (g || ' seconds')::interval
      FROM generate_series(1, 10000) g`);
    await pool.query(`ANALYZE "${schema}".llmctx_memories`);
    const { hits, steps, executed } = await searchAndExplain(MEMORY_COMMON_QUERY);
    expect(hits).toHaveLength(10);
    expect(hits.some((hit) => hit.memory.shared)).toBe(true);
    const windows = steps.filter((step) => step['Index Name'] === 'llmctx_memories_owner_updated' && executed(step));
    expect(windows).toHaveLength(2);
    for (const window of windows) expect(window['Actual Rows']).toBeLessThanOrEqual(MEMORY_SEARCH_WINDOW);
    expect(steps.filter((step) => step['Node Type'] === 'Seq Scan' && step['Relation Name'] === 'llmctx_memories' && executed(step))).toEqual([]);
  });
});
