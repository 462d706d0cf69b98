import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { recencySql, expiryBucketSql } from '../../src/stores/postgres/recency.js';
import { newMessages, textTurns } from '../../src/testing/fixtures.js';
import { describeSchema, migrateAsReleased } from './released-schema.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
/** The embeddings table depends on pgvector being present, identically on both sides; left out. */
const schemaOf = async (pool: pg.Pool, schema: string) => (await describeSchema(pool, schema)).filter((line) => !line.includes('embeddings'));

/**
 * Online migrations keep schema histories valid: a fresh database ends where it always did, a
 * database at version 5 runs nothing, one at version 3 with rows ends equivalent (the derived columns
 * kept by a trigger instead of generated), and an interrupted index build is repaired.
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
    expect(report.applied).toEqual([1, 2, ...(report.vectorAvailable ? [3] : []), 4, 5]);
    await migrateAsReleased(pool, { schema: released, through: 5 });
    const freshSchema = await schemaOf(pool, fresh);
    expect(freshSchema.some((line) => /column llmctx_conversations\.recency bigint generated/.test(line))).toBe(true);
    expect(freshSchema).toEqual(await schemaOf(pool, released));
  });

  it('should run nothing on a database already at version 5, and leave its schema as it was', async () => {
    const at5 = schema('at5');
    await migrateAsReleased(pool, { schema: at5, through: 5 });
    const before = await schemaOf(pool, at5);
    const store = await createPostgresStore({ client: pool, schema: at5 });
    const report = await store.migrate();
    expect(report.applied).toEqual([]);
    expect(report.current).toEqual([1, 2, 4, 5]);
    expect(await schemaOf(pool, at5)).toEqual(before);
  });

  it('should upgrade a database at version 3 with rows to an equivalent schema: same indexes, derived columns kept by triggers', async () => {
    const at3 = schema('at3');
    const fresh = schema('fresh3');
    const n = await migrateAsReleased(pool, { schema: at3, through: 3 });
    await pool.query(`INSERT INTO ${n.conversations} (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at, expires_at)
      SELECT 'tenant-' || (g % 7), 'c' || g, 'user', '{}', '{}', '{}', '{}', now(), now() - (g || ' seconds')::interval, CASE WHEN g % 3 = 0 THEN now() + (g || ' minutes')::interval END
      FROM generate_series(1, 5000) g`);
    const store = await createPostgresStore({ client: pool, schema: at3 });
    expect((await store.migrate()).applied).toEqual([4, 5]);
    await (await createPostgresStore({ client: pool, schema: fresh })).migrate();

    const upgraded = await schemaOf(pool, at3);
    const reference = await schemaOf(pool, fresh);
    const onlyUpgraded = upgraded.filter((line) => !reference.includes(line));
    const onlyFresh = reference.filter((line) => !upgraded.includes(line));
    expect(onlyFresh).toEqual([
      `column llmctx_conversations.expiry_bucket bigint generated ${(await generation(fresh, 'expiry_bucket'))}`,
      `column llmctx_conversations.recency bigint generated ${(await generation(fresh, 'recency'))}`,
    ]);
    expect(onlyUpgraded).toEqual([
      'column llmctx_conversations.expiry_bucket bigint',
      'column llmctx_conversations.recency bigint',
      'function llmctx_conversations_expiry_bucket_fn',
      'function llmctx_conversations_recency_fn',
      expect.stringMatching(/^trigger llmctx_conversations_expiry_bucket CREATE TRIGGER .* BEFORE INSERT OR UPDATE ON <schema>\.llmctx_conversations FOR EACH ROW/),
      expect.stringMatching(/^trigger llmctx_conversations_recency CREATE TRIGGER .* BEFORE INSERT OR UPDATE ON <schema>\.llmctx_conversations FOR EACH ROW/),
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
  });

  async function generation(schemaName: string, column: string): Promise<string> {
    const result = await pool.query(`SELECT generation_expression FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'llmctx_conversations' AND column_name = $2`, [
      schemaName,
      column,
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
    expect((await store.migrate()).applied).toEqual([4, 5]);
    const repaired = await schemaOf(pool, crashed);
    expect(repaired.filter((line) => line.startsWith('invalid index'))).toEqual([]);
    expect(repaired).toContain(
      'index CREATE INDEX llmctx_conversations_owner_recency ON <schema>.llmctx_conversations USING btree (tenant_id, user_id, recency DESC, id DESC)',
    );
  });
});
