import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPostgresStore, type PgPoolLike, type PgQueryConfig } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const scope = { tenantId: 't1', userId: 'u1' };

/** The pool, recording every statement sent (through `query` or a checked-out connection) and whether it failed. */
function recordingPool(pool: pg.Pool): { client: PgPoolLike; statements: { text: string; failed: boolean }[] } {
  const statements: { text: string; failed: boolean }[] = [];
  const record = async <T>(text: string, run: () => Promise<T>): Promise<T> => {
    try {
      const result = await run();
      statements.push({ text, failed: false });
      return result;
    } catch (error) {
      statements.push({ text, failed: true });
      throw error;
    }
  };
  return {
    statements,
    client: {
      options: pool.options,
      async connect() {
        const connection = await pool.connect();
        return {
          query: (config: PgQueryConfig) => record(config.text, () => connection.query(config)),
          release: (error?: Error | boolean) => connection.release(error),
          on: (event: 'error', listener: (error: Error) => void) => connection.on(event, listener),
          off: (event: 'error', listener: (error: Error) => void) => connection.off(event, listener),
        };
      },
      query: (config: PgQueryConfig) => record(config.text, () => pool.query(config)),
    },
  };
}

describe.skipIf(!reachable)('postgres store: the append statements on node-postgres', () => {
  const schema = uniqueSchema('append_paths');
  let pool: pg.Pool;

  beforeAll(() => {
    pool = createPool(3);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('should append new messages in one statement, and answer a retried batch without losing the connection', async () => {
    const { client, statements } = recordingPool(pool);
    const store = await createPostgresStore({ client, schema });
    await store.migrate();
    await store.createConversation(scope, { id: 'c1' });
    const batch = await newMessages([
      { id: 'a', role: 'user', content: 'first' },
      { id: 'b', role: 'assistant', content: 'second' },
    ]);

    statements.length = 0;
    const first = await store.appendMessages(scope, 'c1', batch);
    expect(first.inserted).toBe(2);
    expect(first.messages.map((message) => message.seq)).toEqual([1, 2]);
    expect(statements).toHaveLength(1);

    // A retry (e.g. after a lost response): the stored messages back, nothing written. The fast
    // statement fails on the unique constraint and the lookup statement answers; the pool keeps its
    // connection (pg-pool's own query() closes a connection after any error).
    let removed = 0;
    pool.on('remove', () => (removed += 1));
    statements.length = 0;
    const retried = await store.appendMessages(scope, 'c1', batch);
    expect(retried.inserted).toBe(0);
    expect(retried.messages).toEqual(first.messages);
    expect(statements.map((statement) => statement.failed)).toEqual([true, false]);
    expect(removed).toBe(0);

    // Partly stored: the new message takes the next seq; counters count it once.
    const [next] = await newMessages([{ id: 'c', role: 'user', content: 'third' }]);
    const partly = await store.appendMessages(scope, 'c1', [...batch, next!]);
    expect(partly.inserted).toBe(1);
    expect(partly.messages.map((message) => message.seq)).toEqual([1, 2, 3]);
    expect(await store.getConversation(scope, 'c1')).toMatchObject({ lastSeq: 3, messageCount: 3 });
  });

  it('should report a missing conversation, and another user’s conversation as missing, writing nothing', async () => {
    const store = await createPostgresStore({ client: pool, schema });
    await store.createConversation(scope, { id: 'owned' });
    const [message] = await newMessages([{ id: 'x', role: 'user', content: 'hello' }]);
    await expect(store.appendMessages(scope, 'nowhere', [message!])).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.appendMessages({ tenantId: 't1', userId: 'u2' }, 'owned', [message!])).rejects.toMatchObject({ code: 'not_found' });
    // The same id stored by its owner: another user still gets not_found, not the stored message.
    await store.appendMessages(scope, 'owned', [message!]);
    await expect(store.appendMessages({ tenantId: 't1', userId: 'u2' }, 'owned', [message!])).rejects.toMatchObject({ code: 'not_found' });
    const stored = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".llmctx_messages WHERE conversation_id IN ('owned', 'nowhere')`);
    expect(stored.rows[0].n).toBe(1);
  });
});
