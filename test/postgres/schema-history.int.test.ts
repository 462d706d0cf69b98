import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { recencySql, expiryBucketSql } from '../../src/stores/postgres/recency.js';
import { MEMORY_TSVECTOR_SQL, MESSAGE_TSVECTOR_SQL } from '../../src/stores/postgres/text-search.js';
import { newMessages, textTurns } from '../../src/testing/fixtures.js';
import { newMemory } from '../../src/testing/memories-contract.js';
import { describeSchema, migrateAsReleased } from './released-schema.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
/** The embeddings table depends on pgvector being present, identically on both sides; left out. */
const schemaOf = async (pool: pg.Pool, schema: string) => (await describeSchema(pool, schema)).filter((line) => !line.includes('embeddings'));

/**
 * Online migrations keep schema histories valid: a fresh database ends where it always did, a
 * database at the latest version runs nothing, one at version 6 with memories gains their history, one at version 3 with rows ends equivalent (the derived columns
 * and search vectors kept by triggers instead of generated), and an interrupted index build is repaired.
 */
describe.skipIf(!reachable)('postgres migrations: schema histories', () => {
  const schemas: string[] = [];
  let pool: pg.Pool;
  const schema = (label: string) => {
    const name = uniqueSchema(label);
    schemas.push(name);
    return name;
  };

  beforeAll(() => {
    pool = createPool(6);
  });
  afterAll(async () => {
    for (const name of schemas) await dropSchema(pool, name);
    await pool.end();
  });

  it('should end a fresh database in exactly the schema the released single-transaction migrations built', async () => {
    const fresh = schema('fresh');
    const released = schema('released');
    const store = await createPostgresStore({ client: pool, schema: fresh });
    const report = await store.migrate();
    expect(report.applied).toEqual([1, 2, ...(report.vectorAvailable ? [3] : []), 4, 5, 6, 7]);
    await migrateAsReleased(pool, { schema: released, through: 7 });
    const freshSchema = await schemaOf(pool, fresh);
    expect(freshSchema.some((line) => /column llmctx_conversations\.recency bigint generated/.test(line))).toBe(true);
    expect(freshSchema).toEqual(await schemaOf(pool, released));
  });

  it('should run nothing on a database already at version 7, and leave its schema as it was', async () => {
    const at7 = schema('at7');
    await migrateAsReleased(pool, { schema: at7, through: 7 });
    const before = await schemaOf(pool, at7);
    const store = await createPostgresStore({ client: pool, schema: at7 });
    const report = await store.migrate();
    expect(report.applied).toEqual([]);
    expect(report.current).toEqual([1, 2, 4, 5, 6, 7]);
    expect(await schemaOf(pool, at7)).toEqual(before);
  });

  it('should upgrade a database at version 6 with memories to 7: old rows valid since createdAt, superseded texts kept from then on', async () => {
    const at6 = schema('at6');
    const n = await migrateAsReleased(pool, { schema: at6, through: 6 });
    await pool.query(`INSERT INTO ${n.memories} (tenant_id, user_id, id, key, text, tags, pinned, metadata, token_counts, content_hash, created_at, updated_at)
      VALUES ('t', 'u', 'city', 'home.city', 'Lives in Oslo', '{}', true, '{}', '{"o200k_base": 3}', 'h', '2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z'),
             ('t', '', 'policy', NULL, 'Office closes at 6', '{}', true, '{}', '{"o200k_base": 3}', 'h', '2025-02-01T00:00:00Z', '2025-02-01T00:00:00Z')`);
    const store = await createPostgresStore({ client: pool, schema: at6 });
    expect((await store.migrate()).applied).toEqual([7]);
    const user = { tenantId: 't', userId: 'u' };
    const old = await store.memories!.get(user, 'city');
    expect(old?.validFrom).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect((await store.memories!.list(user)).items.map((memory) => [memory.id, memory.shared])).toEqual([['city', false], ['policy', true]]);
    await store.memories!.put(user, await newMemory('Lives in Bergen', { key: 'home.city' }));
    const history = await store.memories!.history(user, 'city');
    expect(history.map((version) => version.text)).toEqual(['Lives in Bergen', 'Lives in Oslo']);
    expect(history[1]!.validFrom).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(history[1]!.validTo).toEqual(history[0]!.validFrom);
  });

  it('should upgrade a database at version 3 with rows to an equivalent schema: same indexes, derived columns kept by triggers', async () => {
    const at3 = schema('at3');
    const fresh = schema('fresh3');
    const n = await migrateAsReleased(pool, { schema: at3, through: 3 });
    await pool.query(`INSERT INTO ${n.conversations} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at, expires_at)
      SELECT 'tenant-' || (g % 7), 'c' || g, 'user', '{}', '{}', '{}', '{}', now(), now() - (g || ' seconds')::interval, CASE WHEN g % 3 = 0 THEN now() + (g || ' minutes')::interval END
      FROM generate_series(1, 5000) g`);
    // Messages and memories with rows too (CJK text among them), so migration 6 takes its online path.
    await pool.query(`INSERT INTO ${n.messages} (tenant_id, conversation_id, seq, id, role, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
      SELECT 'tenant-' || (c % 7), 'c' || c, s, 'm' || s, 'user', CASE WHEN c = 3 AND s = 1 THEN to_jsonb('我的订单在哪里'::text) ELSE to_jsonb('hello ' || s) END,
             '{}', '{}', '{"o200k_base": 12}', 12, 'h', now()
      FROM generate_series(1, 1500) c, generate_series(1, 3) s`);
    await pool.query(`INSERT INTO ${n.memories} (tenant_id, user_id, id, text, tags, pinned, metadata, token_counts, content_hash, created_at, updated_at)
      SELECT 'tenant-' || (g % 7), 'user', 'mem' || g, CASE WHEN g = 3 THEN '用户喜欢绿茶' ELSE 'likes tea ' || g END, '{}', false, '{}', '{"o200k_base": 3}', 'h', now(), now()
      FROM generate_series(1, 3000) g`);
    const store = await createPostgresStore({ client: pool, schema: at3 });
    expect((await store.migrate()).applied).toEqual([4, 5, 6, 7]);
    await (await createPostgresStore({ client: pool, schema: fresh })).migrate();

    const upgraded = await schemaOf(pool, at3);
    const reference = await schemaOf(pool, fresh);
    const onlyUpgraded = upgraded.filter((line) => !reference.includes(line));
    const onlyFresh = reference.filter((line) => !upgraded.includes(line));
    expect(onlyFresh).toEqual([
      `column llmctx_conversations.expiry_bucket bigint generated ${(await generation(fresh, 'expiry_bucket'))}`,
      `column llmctx_conversations.recency bigint generated ${(await generation(fresh, 'recency'))}`,
      `column llmctx_memories.search_vector tsvector generated ${(await generation(fresh, 'search_vector', 'llmctx_memories'))}`,
      `column llmctx_messages.search_vector tsvector generated ${(await generation(fresh, 'search_vector', 'llmctx_messages'))}`,
    ]);
    expect(onlyUpgraded).toEqual([
      'column llmctx_conversations.expiry_bucket bigint',
      'column llmctx_conversations.recency bigint',
      'column llmctx_memories.search_vector tsvector',
      'column llmctx_messages.search_vector tsvector',
      'function llmctx_conversations_expiry_bucket_fn',
      'function llmctx_conversations_recency_fn',
      'function llmctx_memories_search_vector_fn',
      'function llmctx_messages_search_vector_fn',
      expect.stringMatching(/^trigger llmctx_conversations_expiry_bucket CREATE TRIGGER .* BEFORE INSERT OR UPDATE ON <schema>\.llmctx_conversations FOR EACH ROW/),
      expect.stringMatching(/^trigger llmctx_conversations_recency CREATE TRIGGER .* BEFORE INSERT OR UPDATE ON <schema>\.llmctx_conversations FOR EACH ROW/),
      expect.stringMatching(/^trigger llmctx_memories_search_vector CREATE TRIGGER .* BEFORE INSERT OR UPDATE OF text ON <schema>\.llmctx_memories FOR EACH ROW/),
      expect.stringMatching(/^trigger llmctx_messages_search_vector CREATE TRIGGER .* BEFORE INSERT OR UPDATE OF content, name ON <schema>\.llmctx_messages FOR EACH ROW/),
    ]);

    // Every old row was backfilled, and new rows and updates keep the values the generated columns would hold.
    const scope = { tenantId: 'tenant-new', userId: 'user' };
    await store.createConversation(scope, { id: 'after', ttl: { seconds: 3600, mode: 'sliding' } });
    await store.appendMessages(scope, 'after', await newMessages(textTurns(2)));
    await pool.query(`UPDATE ${n.conversations} SET updated_at = updated_at + interval '5 minutes', expires_at = now() + interval '1 day' WHERE id = 'c9'`);
    const wrong = await pool.query(
      `SELECT count(*)::int AS n FROM ${n.conversations}
       WHERE recency IS DISTINCT FROM ${recencySql('updated_at')} OR expiry_bucket IS DISTINCT FROM ${expiryBucketSql('expires_at')}`,
    );
    expect(wrong.rows[0].n).toBe(0);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${n.conversations} WHERE expiry_bucket IS NOT NULL`)).rows[0].n).toBeGreaterThan(1600);
    const listed = await store.listConversations({ tenantId: 'tenant-3', userId: 'user' }, { limit: 3 });
    expect(listed.items.map((conversation) => conversation.id)).toEqual(['c3', 'c10', 'c17']);

    // Search vectors: every old row backfilled, new rows and edits kept by the triggers, the
    // indexes renamed into place, and CJK bigram search works on the upgraded tables.
    await store.memories!.put(scope, await newMemory('我喜欢乌龙茶'));
    await pool.query(`UPDATE ${n.messages} SET content = to_jsonb('更新的订单'::text) WHERE conversation_id = 'c11' AND seq = 2`);
    await pool.query(`UPDATE ${n.memories} SET text = '用户喜欢红茶' WHERE id = 'mem10'`);
    const staleMessages = await pool.query(`SELECT count(*)::int AS n FROM ${n.messages} WHERE search_vector IS DISTINCT FROM ${MESSAGE_TSVECTOR_SQL}`);
    expect(staleMessages.rows[0].n).toBe(0);
    const staleMemories = await pool.query(`SELECT count(*)::int AS n FROM ${n.memories} WHERE search_vector IS DISTINCT FROM ${MEMORY_TSVECTOR_SQL}`);
    expect(staleMemories.rows[0].n).toBe(0);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${n.messages} WHERE search_vector IS NULL`)).rows[0].n).toBe(0);
    expect(upgraded).toContain('index CREATE INDEX llmctx_messages_search ON <schema>.llmctx_messages USING gin (search_vector)');
    expect(upgraded).toContain('index CREATE INDEX llmctx_memories_search ON <schema>.llmctx_memories USING gin (search_vector)');
    const messageHits = await store.searchMessages!({ tenantId: 'tenant-3', userId: 'user' }, { query: '订单', limit: 5 });
    expect(messageHits.map((hit) => hit.message.id)).toEqual(['m1']);
    const memoryHits = await store.memories!.search({ tenantId: 'tenant-3', userId: 'user' }, { query: '绿茶', limit: 5 });
    expect(memoryHits.map((hit) => hit.memory.text)).toEqual(['用户喜欢绿茶']);
  });

  async function generation(schemaName: string, column: string, table = 'llmctx_conversations'): Promise<string> {
    const result = await pool.query(`SELECT generation_expression FROM information_schema.columns WHERE table_schema = $1 AND table_name = $3 AND column_name = $2`, [
      schemaName,
      column,
      table,
    ]);
    return result.rows[0].generation_expression;
  }

  it('should drop and rebuild an index left INVALID by a crashed concurrent build, then record the version', async () => {
    const crashed = schema('crashed');
    const n = await migrateAsReleased(pool, { schema: crashed, through: 3 });
    await pool.query(`INSERT INTO ${n.conversations} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at)
      SELECT 'tenant', 'c' || g, 'user', '{}', '{}', '{}', '{}', now(), now() FROM generate_series(1, 100) g`);
    // A concurrent build that fails (duplicate keys) leaves an INVALID index behind, as a crash would.
    await expect(pool.query(`CREATE UNIQUE INDEX CONCURRENTLY "llmctx_conversations_owner_recency" ON ${n.conversations} (user_id)`)).rejects.toThrow(/could not create unique index/);
    expect(await schemaOf(pool, crashed)).toContain(`invalid index <schema>.llmctx_conversations_owner_recency`);

    const store = await createPostgresStore({ client: pool, schema: crashed });
    expect((await store.migrate()).applied).toEqual([4, 5, 6, 7]);
    const repaired = await schemaOf(pool, crashed);
    expect(repaired.filter((line) => line.startsWith('invalid index'))).toEqual([]);
    expect(repaired).toContain(
      'index CREATE INDEX llmctx_conversations_owner_recency ON <schema>.llmctx_conversations USING btree (tenant_id, user_id, recency DESC, id DESC)',
    );
  });

  it('should finish migration 6 from what a crash leaves: a half-filled search_vector_next with an INVALID index, then a swap whose version was never recorded', async () => {
    const crashed = schema('crashed6');
    const n = await migrateAsReleased(pool, { schema: crashed, through: 5 });
    await pool.query(`INSERT INTO ${n.messages} (tenant_id, conversation_id, seq, id, role, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
      SELECT 'tenant', 'c' || c, s, 'm' || s, 'user', to_jsonb('我的订单 ' || c || ' ' || s), '{}', '{}', '{"o200k_base": 12}', 12, 'h', now()
      FROM generate_series(1, 1000) c, generate_series(1, 3) s`);
    await pool.query(`INSERT INTO ${n.memories} (tenant_id, user_id, id, text, tags, pinned, metadata, token_counts, content_hash, created_at, updated_at)
      SELECT 'tenant', 'user', 'mem' || g, '用户喜欢绿茶 ' || g, '{}', false, '{}', '{"o200k_base": 3}', 'h', now(), now() FROM generate_series(1, 500) g`);
    // A run that stopped during the backfill (a third of the rows filled) and whose concurrent index build failed.
    await pool.query(`ALTER TABLE ${n.messages} ADD COLUMN search_vector_next tsvector`);
    await pool.query(`UPDATE ${n.messages} SET search_vector_next = ${MESSAGE_TSVECTOR_SQL} WHERE seq = 1`);
    await expect(pool.query(`CREATE UNIQUE INDEX CONCURRENTLY llmctx_messages_search_next ON ${n.messages} (tenant_id)`)).rejects.toThrow(/could not create unique index/);
    // And this run dies after the swap, before recording version 6.
    await pool.query(`CREATE FUNCTION "${crashed}".fail_version_6() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'crash before recording 6'; END $$`);
    await pool.query(`CREATE TRIGGER fail_version_6 BEFORE INSERT ON ${n.migrations} FOR EACH ROW WHEN (NEW.version = 6) EXECUTE FUNCTION "${crashed}".fail_version_6()`);
    const store = await createPostgresStore({ client: pool, schema: crashed });
    await expect(store.migrate()).rejects.toThrow(/SQLSTATE P0001/);
    const swapped = await pool.query(`SELECT attgenerated FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'search_vector'`, [n.messages]);
    expect(swapped.rows).toEqual([{ attgenerated: '' }]);
    await pool.query(`DROP TRIGGER fail_version_6 ON ${n.migrations}`);
    await pool.query(`DROP FUNCTION "${crashed}".fail_version_6()`);

    expect((await store.migrate()).applied).toEqual([6, 7]);
    const finished = await schemaOf(pool, crashed);
    expect(finished.filter((line) => line.startsWith('invalid index') || line.includes('search_vector_next') || line.includes('search_next'))).toEqual([]);
    expect(finished).toContain('index CREATE INDEX llmctx_messages_search ON <schema>.llmctx_messages USING gin (search_vector)');
    expect(finished).toContain('index CREATE INDEX llmctx_memories_search ON <schema>.llmctx_memories USING gin (search_vector)');
    expect(finished).toContain('column llmctx_messages.search_vector tsvector');
    const stale = await pool.query(`SELECT count(*)::int AS n FROM ${n.messages} WHERE search_vector IS DISTINCT FROM ${MESSAGE_TSVECTOR_SQL}`);
    expect(stale.rows[0].n).toBe(0);
    // The trigger now writes the renamed column.
    await store.createConversation({ tenantId: 'tenant', userId: 'user' }, { id: 'c-new' });
    await store.appendMessages({ tenantId: 'tenant', userId: 'user' }, 'c-new', await newMessages(textTurns(1)));
    const fresh = await pool.query(`SELECT count(*)::int AS n FROM ${n.messages} WHERE conversation_id = 'c-new' AND search_vector IS NOT DISTINCT FROM ${MESSAGE_TSVECTOR_SQL} AND search_vector IS NOT NULL`);
    expect(fresh.rows[0].n).toBeGreaterThan(0);
  });

  it('should run migration 6 in one transaction on a pool of one connection, ending like the released migration (generated columns, no trigger)', async () => {
    const single = schema('single6');
    const released = schema('released6');
    const n = await migrateAsReleased(pool, { schema: single, through: 5 });
    await migrateAsReleased(pool, { schema: released, through: 7 });
    await pool.query(`INSERT INTO ${n.messages} (tenant_id, conversation_id, seq, id, role, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
      SELECT 'tenant', 'c' || c, 1, 'm1', 'user', to_jsonb('我的订单 ' || c), '{}', '{}', '{"o200k_base": 12}', 12, 'h', now() FROM generate_series(1, 200) c`);
    const onePool = createPool(1);
    try {
      const store = await createPostgresStore({ client: onePool, schema: single });
      expect((await store.migrate()).applied).toEqual([6, 7]);
    } finally {
      await onePool.end();
    }
    expect(await schemaOf(pool, single)).toEqual(await schemaOf(pool, released));
    const stale = await pool.query(`SELECT count(*)::int AS n FROM ${n.messages} WHERE search_vector IS DISTINCT FROM ${MESSAGE_TSVECTOR_SQL}`);
    expect(stale.rows[0].n).toBe(0);
  });
});
