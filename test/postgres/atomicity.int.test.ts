import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { StoreError } from '../../src/errors.js';
import { createPostgresStore, type PgPoolLike, type PgQueryConfig } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const scope = { tenantId: 't1', userId: 'u1' };

/**
 * A pool whose transactions fail on the first statement matching `failOn` that comes after an
 * INSERT: the failure lands midway, after rows were written inside the transaction.
 */
function failingPool(pool: pg.Pool, failOn: RegExp): PgPoolLike {
  return {
    query: (config) => pool.query(config),
    async connect() {
      const client = await pool.connect();
      let inserted = false;
      return {
        query: async (config: PgQueryConfig) => {
          if (inserted && failOn.test(config.text)) throw Object.assign(new Error('injected failure'), { code: 'XX000' });
          const result = await client.query(config);
          if (/INSERT INTO/.test(config.text)) inserted = true;
          return result;
        },
        release: (error?: Error | boolean) => client.release(error),
      };
    },
  };
}

describe.skipIf(!reachable)('postgres store: a transaction that fails midway leaves nothing behind', () => {
  const schema = uniqueSchema('atomic');
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = createPool(5);
    const store = await createPostgresStore({ client: pool, schema });
    await store.migrate();
    await store.createConversation(scope, { id: 'parent' });
    await store.appendMessages(scope, 'parent', await newMessages([{ id: 'p1', role: 'user', content: 'one' }, { id: 'p2', role: 'assistant', content: 'two' }]));
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  const count = async (table: string, where = 'true') => (await pool.query(`SELECT count(*)::int AS n FROM "${schema}".llmctx_${table} WHERE ${where}`)).rows[0].n as number;

  it('should roll back a fork when copying its messages fails after the conversation row was inserted', async () => {
    const store = await createPostgresStore({ client: failingPool(pool, /INSERT INTO .*messages/s), schema });
    await expect(store.forkConversation(scope, 'parent', { atSeq: 2, input: { id: 'child' } })).rejects.toSatisfy((error) => StoreError.isInstance(error) && (error as StoreError).code === 'store_error');
    expect(await count('conversations', `id = 'child'`)).toBe(0);
    expect(await count('messages', `conversation_id = 'child'`)).toBe(0);
  });

  it('should roll back an import when writing the summary fails after the conversation and messages were inserted', async () => {
    const healthy = await createPostgresStore({ client: pool, schema });
    await healthy.putSummary(scope, 'parent', { text: 'summary', coversThroughSeq: 1, tokenCount: 2, encoding: 'o200k_base', updatedAt: new Date() }, { expectedCoversThroughSeq: null });
    const exported = await healthy.exportConversation(scope, 'parent');
    const store = await createPostgresStore({ client: failingPool(pool, /INSERT INTO .*summaries/s), schema });
    await expect(store.importConversation({ tenantId: 't2' }, exported)).rejects.toThrow(/importConversation failed/);
    expect(await count('conversations', `tenant_id = 't2'`)).toBe(0);
    expect(await count('messages', `tenant_id = 't2'`)).toBe(0);
    expect(await count('summaries', `tenant_id = 't2'`)).toBe(0);
  });

  it('should roll back an append when a row after the first fails to insert, on both append paths', async () => {
    // A trigger fails the insert of one row in the middle of the batch, after earlier rows went in.
    await pool.query(`CREATE FUNCTION "${schema}".poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id LIKE 'poison%' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
    await pool.query(`CREATE TRIGGER poison AFTER INSERT ON "${schema}".llmctx_messages FOR EACH ROW EXECUTE FUNCTION "${schema}".poison()`);
    try {
      const store = await createPostgresStore({ client: pool, schema });
      const before = await store.getConversation(scope, 'parent');
      for (const dedupeByContentHash of [false, true]) {
        const batch = await newMessages([
          { id: 'ok-1', role: 'user', content: 'three' },
          { id: 'poison-1', role: 'assistant', content: 'four' },
          { id: 'ok-2', role: 'user', content: 'five' },
        ]);
        await expect(store.appendMessages(scope, 'parent', batch, { dedupeByContentHash })).rejects.toThrow(/appendMessages failed: the database returned SQLSTATE P0001/);
        expect(await count('messages', `conversation_id = 'parent'`)).toBe(2);
        expect(await store.getConversation(scope, 'parent')).toEqual(before);
      }
    } finally {
      await pool.query(`DROP TRIGGER poison ON "${schema}".llmctx_messages`);
    }
  });
});
