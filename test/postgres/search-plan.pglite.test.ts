import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PGliteLike } from '../../src/stores/postgres/index.js';
import { SEARCH_WINDOW } from '../../src/stores/postgres/messages.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Scan Direction'?: string;
  /** 0 when a branch gated off by a one-time filter never ran. */
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * The search statement's plan on PGlite (the embedded driver plans like the server): the same
 * index choices as test/postgres/explain.int.test.ts, with no server needed.
 */
describe('postgres store on PGlite: full-text search plan on a few thousand rows', () => {
  let db: PGlite;
  const scope = { tenantId: 'tenant-x', userId: 'user-x' };

  beforeAll(async () => {
    db = await PGlite.create();
    const store = await createPostgresStore({ client: db });
    await store.migrate();
    await db.query(`INSERT INTO llmctx_conversations (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at, last_seq, message_count)
      VALUES ('tenant-x', 'long', 'user-x', '{}', '{}', '{}', '{}', now(), now(), 5000, 5000)`);
    await db.query(`INSERT INTO llmctx_messages (tenant_id, conversation_id, seq, id, role, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
      SELECT 'tenant-x', 'long', g, 'm' || g, 'user', to_jsonb('message number ' || g || ' about topic ' || (g % 50)), '{}', '{}', '{"o200k_base": 12}', 12, md5(g::text), now()
      FROM generate_series(1, 5000) g`);
    await db.query('VACUUM ANALYZE llmctx_messages');
  });
  afterAll(async () => {
    await db.close();
  });

  /** Runs the store's own search statement (captured from the client) under EXPLAIN ANALYZE. */
  async function analyzedSearch(options: { query: string; conversationId?: string; beforeSeq?: number }) {
    const captured: Array<{ text: string; params?: unknown[] }> = [];
    const client: PGliteLike = {
      query: (text, params) => (captured.push({ text, params }), db.query(text, params)),
      exec: (text) => db.exec(text),
      transaction: (callback) => db.transaction(callback),
    };
    const store = await createPostgresStore({ client });
    const hits = await store.searchMessages!(scope, { ...options, limit: 10 });
    const statement = captured.find((entry) => entry.text.includes('ts_rank_cd'))!;
    const analyzed = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.params);
    const steps = nodes(analyzed.rows[0]!['QUERY PLAN'][0]!.Plan);
    return { hits, steps, messageScans: steps.filter((node) => node['Relation Name'] === 'llmctx_messages') };
  }

  it('should find a rare term through the GIN index', async () => {
    const { hits, steps, messageScans } = await analyzedSearch({ query: '4242' });
    expect(hits.map((hit) => hit.message.seq)).toEqual([4242]);
    expect(steps.map((node) => node['Index Name'])).toContain('llmctx_messages_search');
    expect(steps.filter((node) => node['Node Type'] === 'Seq Scan' && node['Actual Loops'] !== 0)).toEqual([]);
    // The newest-window read stops at SEARCH_WINDOW rows; the GIN branch returns the one match.
    expect(Math.max(...messageScans.map((node) => node['Actual Rows'] ?? 0))).toBeLessThanOrEqual(SEARCH_WINDOW);
    expect(messageScans.find((node) => node['Node Type'] === 'Bitmap Heap Scan')?.['Actual Rows']).toBe(1);
  });

  it(`should read at most ${SEARCH_WINDOW} rows of a common term, newest first by primary key`, async () => {
    const { hits, steps, messageScans } = await analyzedSearch({ query: 'message topic', conversationId: 'long', beforeSeq: 4900 });
    expect(hits).toHaveLength(10);
    expect(hits.every((hit) => hit.message.seq < 4900)).toBe(true);
    expect(steps.filter((node) => node['Node Type'] === 'Seq Scan' && node['Actual Loops'] !== 0)).toEqual([]);
    const scan = messageScans.find((node) => node['Index Name'] === 'llmctx_messages_pkey')!;
    expect(scan['Scan Direction']).toBe('Backward');
    expect(scan['Actual Rows']).toBeLessThanOrEqual(SEARCH_WINDOW);
    // Enough matches in the window: the GIN branch never runs.
    expect(messageScans.some((node) => node['Node Type'] === 'Bitmap Heap Scan' && node['Actual Loops'] !== 0)).toBe(false);
  });
});
