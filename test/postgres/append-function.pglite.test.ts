import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { newMessages, textTurns } from '../../src/testing/fixtures.js';

/**
 * PGlite's fast append runs as a temporary PL/pgSQL function (src/stores/postgres/append-function.ts).
 * What the contract suite cannot see: that the function is what runs, and that losing it (the
 * session's temporary objects discarded by someone else sharing the PGlite) costs nothing.
 */
describe('postgres store on PGlite: the append function', () => {
  let db: PGlite;
  let store: PostgresStore;
  const scope = { tenantId: 'tenant-f', userId: 'user-f' };
  const temporaryFunctions = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = pg_my_temp_schema() AND proname LIKE 'llmctx_append_%'`)).rows[0]!.n;

  beforeAll(async () => {
    db = await PGlite.create();
    store = await createPostgresStore({ client: db });
    await store.migrate();
    await store.createConversation(scope, { id: 'c1' });
  });
  afterAll(async () => {
    await db.close();
  });

  it('should append through one temporary function of this session', async () => {
    await store.appendMessages(scope, 'c1', await newMessages(textTurns(2, 'a')));
    expect(await temporaryFunctions()).toBe(1);
    const second = await createPostgresStore({ client: db });
    await second.appendMessages(scope, 'c1', await newMessages(textTurns(1, 'b')));
    // Same schema, prefix and code: the second store uses the same function.
    expect(await temporaryFunctions()).toBe(1);
  });

  it('should create the function again when DISCARD TEMP dropped it, and append as before', async () => {
    await db.query('DISCARD TEMP');
    expect(await temporaryFunctions()).toBe(0);
    const result = await store.appendMessages(scope, 'c1', await newMessages(textTurns(2, 'c')));
    expect(result.inserted).toBe(2);
    expect(result.messages.map((message) => message.seq)).toEqual([4, 5]);
    expect(await temporaryFunctions()).toBe(1);
    expect(await store.getConversation(scope, 'c1')).toMatchObject({ lastSeq: 5, messageCount: 5 });
  });

  it('should answer a retried batch with the stored messages, writing nothing (the locked path)', async () => {
    const batch = await newMessages(textTurns(2, 'd'));
    const first = await store.appendMessages(scope, 'c1', batch);
    const retry = await store.appendMessages(scope, 'c1', batch);
    expect(retry.inserted).toBe(0);
    expect(retry.messages).toEqual(first.messages);
    expect(await store.getConversation(scope, 'c1')).toMatchObject({ lastSeq: 7, messageCount: 7 });
  });
});
