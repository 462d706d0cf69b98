import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore, type PgQueryConfig } from '../../src/stores/postgres/index.js';
import { SEARCH_CANDIDATES, SEARCH_WINDOW } from '../../src/stores/postgres/messages.js';
import { expiryBucketSql, NEWEST_FIRST } from '../../src/stores/postgres/recency.js';
import { newMessages } from '../../src/testing/fixtures.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The hot queries use the indexes they were designed for, on a few thousand rows after ANALYZE
 * (so the planner is not choosing a sequential scan because the table is tiny).
 */
describe.skipIf(!reachable)('postgres store: query plans on a few thousand rows', () => {
  const schema = uniqueSchema('explain');
  let pool: pg.Pool;
  const t = (name: string) => `"${schema}".llmctx_${name}`;

  beforeAll(async () => {
    pool = createPool(3);
    const store = await createPostgresStore({ client: pool, schema });
    await store.migrate();
    // 2,000 conversations over 40 tenants, 3,000 of one busy user (30 with a rare tag), one conversation of 5,000 messages.
    await pool.query(`INSERT INTO ${t('conversations')} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at, expires_at)
      SELECT 'tenant-' || (g % 40), 'c' || g, 'user-' || (g % 7), ARRAY['tag-' || (g % 13)], ARRAY[format('["%s","%s","%s"]', 'tenant-' || (g % 40), 'user-' || (g % 7), 'tag-' || (g % 13))],
             '{}', '{}', now(), now() - (g || ' seconds')::interval, CASE WHEN g % 5 = 0 THEN now() + (g || ' minutes')::interval END
      FROM generate_series(1, 2000) g`);
    await pool.query(`INSERT INTO ${t('conversations')} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at)
      SELECT 'tenant-busy', 'b' || g, 'user-busy', ARRAY[CASE WHEN g % 100 = 0 THEN 'rare' ELSE 'common' END],
             ARRAY[format('["tenant-busy","user-busy","%s"]', CASE WHEN g % 100 = 0 THEN 'rare' ELSE 'common' END)],
             '{}', '{}', now(), now() - (g || ' seconds')::interval
      FROM generate_series(1, 3000) g`);
    await pool.query(`INSERT INTO ${t('conversations')} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at, last_seq)
      VALUES ('tenant-x', 'long', 'user-x', '{}', '{}', '{}', '{}', now(), now(), 5000)`);
    await pool.query(`INSERT INTO ${t('messages')} (tenant_id, conversation_id, seq, id, role, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
      SELECT 'tenant-x', 'long', g, 'm' || g, 'user', to_jsonb('message number ' || g || ' about topic ' || (g % 50)), '{}', '{}', '{"o200k_base": 12}', 12, md5(g::text), now()
      FROM generate_series(1, 5000) g`);
    // VACUUM also flushes the GIN pending list, as autovacuum would on a live table.
    await pool.query(`VACUUM ANALYZE ${t('conversations')}`);
    await pool.query(`VACUUM ANALYZE ${t('messages')}`);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  /** Plans `sql` with `params` as the store would run it (generic plan forced, as a prepared statement would get). */
  async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
    const result = await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    if (process.env.DEBUG_PLANS) console.log(JSON.stringify(result.rows[0]['QUERY PLAN']));
    return nodes((result.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
  }
  const indexScans = (plan: PlanNode[]) => plan.filter((node) => /Index/.test(node['Node Type'])).map((node) => node['Index Name']);
  const seqScans = (plan: PlanNode[]) => plan.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);

  it('should read the tail by a backward index-range scan on the primary key, reading about the rows it returns', async () => {
    await pool.query(`UPDATE ${t('conversations')} SET message_count = 5000, token_count = 60000 WHERE id = 'long'`);
    const captured: Array<{ text: string; values?: unknown[] }> = [];
    const store = await createPostgresStore({
      client: { query: (config: PgQueryConfig) => (captured.push(config), pool.query(config)), connect: () => pool.connect() },
      schema,
    });
    const tail = await store.getTail({ tenantId: 'tenant-x', userId: 'user-x' }, 'long', { maxTokens: 240, encoding: 'o200k_base' });
    expect(tail.messages.map((message) => message.seq)).toEqual(Array.from({ length: 20 }, (_, index) => 4981 + index));
    expect(tail.reachedStart).toBe(false);
    const query = captured.find((config) => config.text.includes('llmctx_messages" m'))!;
    const analyzed = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query.text}`, query.values);
    const steps = nodes((analyzed.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan) as Array<PlanNode & { 'Actual Rows'?: number; 'Scan Direction'?: string }>;
    const scan = steps.find((node) => node['Relation Name'] === 'llmctx_messages')!;
    expect(scan['Index Name']).toBe('llmctx_messages_pkey');
    expect(scan['Scan Direction']).toBe('Backward');
    // 20 rows returned; the estimated LIMIT (12 tokens each on average) reads ceil(240 / 12 · 1.25) + 8 = 33.
    expect(scan['Actual Rows']).toBeLessThanOrEqual(33);
    expect(seqScans(steps)).toEqual([]);
  });

  it('should list a user\'s conversations newest first from the owner recency index, pages included, without sorting them all', async () => {
    const captured: PgQueryConfig[] = [];
    const store = await createPostgresStore({
      client: { query: (config: PgQueryConfig) => (captured.push(config), pool.query(config)), connect: () => pool.connect() },
      schema,
    });
    const scope = { tenantId: 'tenant-busy', userId: 'user-busy' };
    const first = await store.listConversations(scope, { limit: 50 });
    const second = await store.listConversations(scope, { limit: 50, cursor: first.nextCursor! });
    const expected = await pool.query(`SELECT id FROM ${t('conversations')} WHERE tenant_id = $1 AND user_id = $2 ORDER BY updated_at DESC, id DESC LIMIT 100`, [
      scope.tenantId,
      scope.userId,
    ]);
    expect([...first.items, ...second.items].map((conversation) => conversation.id)).toEqual(expected.rows.map((row) => row.id));
    const listings = captured.filter((config) => config.text.includes('llmctx_conversations" c'));
    expect(listings).toHaveLength(2);
    for (const query of listings) {
      const steps = await plan(query.text, query.values ?? []);
      expect(indexScans(steps)).toContain('llmctx_conversations_owner_recency');
      expect(seqScans(steps)).toEqual([]);
      // At most an incremental sort of each second's conversations, never a sort of them all.
      expect(steps.some((node) => node['Node Type'] === 'Sort')).toBe(false);
    }
  });

  it('should filter by tag through the owner-qualified GIN index', async () => {
    const steps = await plan(
      `SELECT id FROM ${t('conversations')} c WHERE c.tenant_id = $1 AND c.user_id = $2 AND c.tag_keys @> ARRAY[$3]::text[] ORDER BY ${NEWEST_FIRST} LIMIT 51`,
      ['tenant-busy', 'user-busy', JSON.stringify(['tenant-busy', 'user-busy', 'rare'])],
    );
    expect(indexScans(steps)).toContain('llmctx_conversations_tags');
    expect(seqScans(steps)).toEqual([]);
  });

  it('should find expired conversations for the sweep by an index range on the expiry buckets', async () => {
    // The sweep's statement (postgres-store.ts), without its row locks.
    const steps = await plan(
      `SELECT tenant_id, id FROM ${t('conversations')} WHERE expiry_bucket <= ${expiryBucketSql('$1::timestamptz')} AND expires_at <= $1::timestamptz ORDER BY expiry_bucket LIMIT 100`,
      [new Date(Date.now() + 3_600_000).toISOString()],
    );
    expect(indexScans(steps)).toContain('llmctx_conversations_expiry_bucket');
    expect(seqScans(steps)).toEqual([]);
  });

  it('should append as HOT updates of the conversation row, with a sliding TTL too', async () => {
    // One connection, so its statistics can be flushed and read back.
    const single = createPool(1);
    try {
      const store = await createPostgresStore({ client: single, schema });
      const scope = { tenantId: 'tenant-hot', userId: 'user-hot' };
      await store.createConversation(scope, { id: 'sliding', ttl: { seconds: 3600, mode: 'sliding' } });
      const counts = async () => {
        await single.query('SELECT pg_stat_force_next_flush()');
        const row = (await single.query(`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = '${t('conversations')}'::regclass`)).rows[0];
        return { updates: Number(row.n_tup_upd), hot: Number(row.n_tup_hot_upd) };
      };
      const before = await counts();
      const messages = await newMessages(Array.from({ length: 40 }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${index}` })));
      for (const message of messages) await store.appendMessages(scope, 'sliding', [message]);
      const after = await counts();
      expect(after.updates - before.updates).toBe(40);
      // recency changes once a second and the expiry bucket once a minute: those updates may not be HOT.
      expect(after.hot - before.hot).toBeGreaterThanOrEqual(36);
    } finally {
      await single.end();
    }
  });

  /** Sequential scans that ran: a branch gated off by a one-time filter is planned but never executed. */
  const executedSeqScans = (steps: PlanNode[]) => steps.filter((node) => node['Node Type'] === 'Seq Scan' && (node as { 'Actual Loops'?: number })['Actual Loops'] !== 0).map((node) => node['Relation Name']);

  /** Runs the store's own search statement (captured from the driver) under EXPLAIN ANALYZE. */
  async function analyzedSearch(options: { query: string; conversationId?: string; beforeSeq?: number }) {
    const captured: PgQueryConfig[] = [];
    const store = await createPostgresStore({
      client: { query: (config: PgQueryConfig) => (captured.push(config), pool.query(config)), connect: () => pool.connect() },
      schema,
    });
    const hits = await store.searchMessages!({ tenantId: 'tenant-x', userId: 'user-x' }, { ...options, limit: 10 });
    const statement = captured.find((config) => config.text.includes('ts_rank_cd'))!;
    const analyzed = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.values);
    const steps = nodes((analyzed.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan) as Array<PlanNode & { 'Actual Rows'?: number; 'Scan Direction'?: string }>;
    return { hits, statement, steps, messageScans: steps.filter((node) => node['Relation Name'] === 'llmctx_messages') };
  }

  it('should plan search per call (unnamed statement) so the planner sees the query terms', async () => {
    const { statement } = await analyzedSearch({ query: 'number 4242' });
    expect(statement.name).toBeUndefined();
  });

  it('should find a rare term through the GIN full-text index without scanning the conversation', async () => {
    const { hits, steps, messageScans } = await analyzedSearch({ query: '4242' });
    expect(hits.map((hit) => hit.message.seq)).toEqual([4242]);
    expect(indexScans(steps)).toContain('llmctx_messages_search');
    expect(executedSeqScans(steps)).toEqual([]);
    // The newest-window read stops at SEARCH_WINDOW rows; the GIN branch returns the one match.
    expect(Math.max(...messageScans.map((node) => node['Actual Rows'] ?? 0))).toBeLessThanOrEqual(SEARCH_WINDOW);
    expect(messageScans.find((node) => node['Node Type'] === 'Bitmap Heap Scan')?.['Actual Rows']).toBe(1);
  });

  it(`should rank at most ${SEARCH_CANDIDATES} candidates of a common term, read newest first by primary key (recall path)`, async () => {
    const { hits, steps, messageScans } = await analyzedSearch({ query: 'message topic', conversationId: 'long', beforeSeq: 4900 });
    expect(hits).toHaveLength(10);
    expect(hits.every((hit) => hit.message.seq < 4900)).toBe(true);
    expect(executedSeqScans(steps)).toEqual([]);
    const scan = messageScans.find((node) => node['Index Name'] === 'llmctx_messages_pkey')!;
    expect(scan['Scan Direction']).toBe('Backward');
    // Every row matches "message", so the scan stops at the window instead of reading all 4,899.
    expect(scan['Actual Rows']).toBeLessThanOrEqual(SEARCH_WINDOW);
    // Enough matches in the window: the GIN branch never runs.
    expect(messageScans.some((node) => node['Node Type'] === 'Bitmap Heap Scan' && (node as { 'Actual Loops'?: number })['Actual Loops'] !== 0)).toBe(false);
  });

  it('should bound a common-term search across the user\'s conversations the same way (no conversationId)', async () => {
    const { hits, steps, messageScans } = await analyzedSearch({ query: 'message topic' });
    expect(hits).toHaveLength(10);
    expect(executedSeqScans(steps)).toEqual([]);
    expect(Math.max(...messageScans.map((node) => node['Actual Rows'] ?? 0))).toBeLessThanOrEqual(SEARCH_WINDOW);
  });
});
