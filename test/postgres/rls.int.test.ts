import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import { checkServer, createPool, DATABASE_URL, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const A = { tenantId: 'tenant-a', userId: 'alice' };
const B = { tenantId: 'tenant-b', userId: 'alice' };

/**
 * Row-level security: the database itself enforces tenant isolation. The application connects as
 * an ordinary role (superusers bypass RLS), and the store sets `llm_context.tenant_id` per call.
 */
describe.skipIf(!reachable)('postgres store: optional row-level security', () => {
  const schema = uniqueSchema('rls');
  const role = `${schema}_app`;
  let admin: pg.Pool;
  let app: pg.Pool;
  let store: PostgresStore;

  beforeAll(async () => {
    admin = createPool(2);
    const owner = await createPostgresStore({ client: admin, schema, rowLevelSecurity: true });
    await owner.migrate();
    await admin.query(`CREATE ROLE "${role}" NOLOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO "${role}"`);
    app = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
    // Each pooled connection acts as the unprivileged application role.
    app.on('connect', (client) => {
      void client.query(`SET ROLE "${role}"`);
    });
    store = await createPostgresStore({ client: app, schema, rowLevelSecurity: true });
    await store.createConversation(A, { id: 'c1', title: 'tenant a' });
    await store.appendMessages(A, 'c1', await newMessages([{ id: 'm1', role: 'user', content: 'hello from a' }]));
  });
  afterAll(async () => {
    await app?.end();
    await dropSchema(admin, schema);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.end();
  });

  it('should work normally through the store, which sets the tenant per call', async () => {
    expect((await store.getConversation(A, 'c1'))?.title).toBe('tenant a');
    expect((await store.listMessages(A, 'c1', { order: 'asc', limit: 10 })).map((message) => message.id)).toEqual(['m1']);
    expect(await store.getConversation(B, 'c1')).toBeNull();
    expect((await store.searchMessages(A, { query: 'hello' })).length).toBe(1);
    expect(await store.searchMessages(B, { query: 'hello' })).toEqual([]);
  });

  it('should show nothing to a query without the tenant setting', async () => {
    const counts = await app.query(
      `SELECT (SELECT count(*) FROM "${schema}".llmctx_conversations)::int AS conversations, (SELECT count(*) FROM "${schema}".llmctx_messages)::int AS messages, current_user AS who`,
    );
    expect(counts.rows[0]).toEqual({ conversations: 0, messages: 0, who: role });
    // while the rows are there (seen by the owner, a superuser, which bypasses RLS)
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${schema}".llmctx_conversations`)).rows[0].n).toBe(1);
  });

  it('should show only the configured tenant and refuse writes into another tenant', async () => {
    const client = await app.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('llm_context.tenant_id', 'tenant-b', true)`);
      expect((await client.query(`SELECT count(*)::int AS n FROM "${schema}".llmctx_conversations`)).rows[0].n).toBe(0);
      await client.query(`SELECT set_config('llm_context.tenant_id', 'tenant-a', true)`);
      expect((await client.query(`SELECT count(*)::int AS n FROM "${schema}".llmctx_conversations`)).rows[0].n).toBe(1);
      await expect(
        client.query(`INSERT INTO "${schema}".llmctx_conversations (tenant_id, id, user_id, tags, tag_keys, state, metadata, created_at, updated_at) VALUES ('tenant-b', 'x', '', '{}', '{}', '{}', '{}', now(), now())`),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
