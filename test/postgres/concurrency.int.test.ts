import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const scope = { tenantId: 't1', userId: 'u1' };

describe.skipIf(!reachable)('postgres store: concurrency on the server', () => {
  const schema = uniqueSchema('concurrency');
  let pool: pg.Pool;

  beforeAll(() => {
    pool = createPool(25);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('should keep seqs contiguous with no duplicates or loss for 1,200 appends from 25 connections', async () => {
    const store = await createPostgresStore({ client: pool, schema });
    await store.migrate();
    await store.createConversation(scope, { id: 'busy' });
    const appends = 1200;
    const batches = await Promise.all(
      Array.from({ length: appends }, (_, index) => newMessages([{ id: `m${index}`, role: index % 2 ? 'assistant' : 'user', content: `message ${index}` }])),
    );
    // Every append is its own transaction on a pooled connection; 25 run at once.
    const results = await Promise.all(batches.map((batch) => store.appendMessages(scope, 'busy', batch)));
    expect(pool.totalCount).toBeGreaterThanOrEqual(20);
    expect(results.every((result) => result.inserted === 1)).toBe(true);
    const seqs = results.map((result) => result.messages[0]!.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: appends }, (_, index) => index + 1));
    const stored = await pool.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, max(seq)::int AS top FROM "${schema}".llmctx_messages WHERE conversation_id = 'busy'`);
    expect(stored.rows[0]).toEqual({ n: appends, ids: appends, top: appends });
    const conversation = await store.getConversation(scope, 'busy');
    expect(conversation?.lastSeq).toBe(appends);
    expect(conversation?.messageCount).toBe(appends);
  });

  it('should store a message once when the same id is appended concurrently from many connections', async () => {
    const store = await createPostgresStore({ client: pool, schema, tablePrefix: 'dup_' });
    await store.migrate();
    await store.createConversation(scope, { id: 'dup' });
    const [message] = await newMessages([{ id: 'same', role: 'user', content: 'hello' }]);
    const results = await Promise.all(Array.from({ length: 40 }, () => store.appendMessages(scope, 'dup', [message!])));
    expect(results.reduce((sum, result) => sum + result.inserted, 0)).toBe(1);
    expect(new Set(results.map((result) => result.messages[0]!.seq))).toEqual(new Set([1]));
    expect((await store.getConversation(scope, 'dup'))?.messageCount).toBe(1);
  });

  it('should leave no message behind when a conversation is deleted while appends are in flight', async () => {
    const store = await createPostgresStore({ client: pool, schema, tablePrefix: 'del_' });
    await store.migrate();
    await store.createConversation(scope, { id: 'doomed' });
    const batches = await Promise.all(Array.from({ length: 200 }, (_, index) => newMessages([{ id: `d${index}`, role: 'user', content: `doomed ${index}` }])));
    const appends = batches.map((batch) => store.appendMessages(scope, 'doomed', batch).then(() => 'ok', (error: { code?: string }) => error.code));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.deleteConversation(scope, 'doomed')).toBe(true);
    const outcomes = await Promise.all(appends);
    expect(outcomes.every((outcome) => outcome === 'ok' || outcome === 'not_found')).toBe(true);
    const left = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".del_messages WHERE conversation_id = 'doomed'`);
    expect(left.rows[0].n).toBe(0);
    await store.createConversation(scope, { id: 'doomed' });
    expect(await store.listMessages(scope, 'doomed', { order: 'asc', limit: 10 })).toEqual([]);
  });

  it('should let several app servers migrate the same fresh schema at once', async () => {
    const fresh = uniqueSchema('migrate');
    const pools = Array.from({ length: 6 }, () => createPool(2));
    try {
      const stores = await Promise.all(pools.map((client) => createPostgresStore({ client, schema: fresh })));
      const reports = await Promise.all(stores.map((store) => store.migrate()));
      // Exactly one process applied each migration; the others waited on the advisory lock and found nothing to do.
      const appliedCounts = reports.map((report) => report.applied.length);
      expect(appliedCounts.filter((count) => count > 0)).toHaveLength(1);
      expect(new Set(reports.map((report) => report.current.join(',')))).toEqual(new Set([reports[0]!.current.join(',')]));
      const rows = await pool.query(`SELECT version, count(*)::int AS n FROM "${fresh}".llmctx_migrations GROUP BY version`);
      expect(rows.rows.every((row) => row.n === 1)).toBe(true);
      expect(await stores[0]!.schemaVersions()).toEqual(reports[0]!.current);
      await stores[1]!.createConversation(scope, { id: 'works' });
      expect((await stores[2]!.getConversation(scope, 'works'))?.id).toBe('works');
    } finally {
      await dropSchema(pool, fresh);
      await Promise.all(pools.map((client) => client.end()));
    }
  });
});
