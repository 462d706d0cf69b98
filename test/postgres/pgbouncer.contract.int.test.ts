import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { describeStoreContract } from '../../src/testing/index.js';
import { describeMemoriesContract } from '../../src/testing/memories-contract.js';
import { findPgBouncer, startPgBouncer, type RunningPgBouncer } from './pgbouncer.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const binary = findPgBouncer();
if (!binary) {
  // CI installs it (.ci/run); a missing pooler there is a broken CI, never a skip.
  if (process.env.CI) throw new Error('pgbouncer is not installed on CI (.ci/run installs the Debian package; the binary is /usr/sbin/pgbouncer)');
  console.warn('skipping the PgBouncer contract run: pgbouncer is not installed (apt-get install pgbouncer)');
}
const runnable = reachable && binary !== null;

/**
 * The whole store contract, through PgBouncer in transaction mode (as behind Supabase's or Neon's
 * pooler): every transaction may land on a different server connection, so the store must send no
 * named statement (`preparedStatements: false`) and keep no session state between transactions.
 */
describe.skipIf(!runnable)('postgres store through PgBouncer (transaction mode)', () => {
  const schema = uniqueSchema('pgbouncer');
  let bouncer: RunningPgBouncer;
  let pool: pg.Pool;
  let direct: pg.Pool;
  let counter = 0;

  beforeAll(async () => {
    bouncer = await startPgBouncer();
    pool = new pg.Pool({ connectionString: bouncer.url, max: 10 });
    direct = createPool(2);
  });
  afterAll(async () => {
    await pool?.end();
    if (direct) {
      await dropSchema(direct, schema);
      await direct.end();
    }
    await bouncer?.stop();
  });

  const createStore = async ({ clock }: { clock: { now(): number } }) => {
    counter += 1;
    const store = await createPostgresStore({ client: pool, schema, tablePrefix: `t${counter}_`, clock, preparedStatements: false });
    await store.migrate();
    return store;
  };

  it('should go through the pooler (its own port, transaction pool mode)', async () => {
    expect(new URL(bouncer.url).port).not.toBe('5432');
    // SHOW pool_mode is answered by PgBouncer's console only; through the pooler two transactions
    // may see different backends, which a direct session never does. Hold one backend in a
    // transaction and the next statement must get another one.
    const held = await pool.connect();
    try {
      await held.query('BEGIN');
      const first = (await held.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const other = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      expect(other).not.toBe(first);
      await held.query('COMMIT');
    } finally {
      held.release();
    }
  });

  describeStoreContract({ name: 'postgres through PgBouncer (preparedStatements: false)', createStore });
  describeMemoriesContract({ name: 'postgres through PgBouncer (preparedStatements: false)', createStore });
});

/** Why the option exists: with named statements, the same store fails through the same pooler. */
describe.skipIf(!runnable)('postgres store through PgBouncer: named statements', () => {
  const schema = uniqueSchema('pgbouncer_named');
  let bouncer: RunningPgBouncer;
  let direct: pg.Pool;

  beforeAll(async () => {
    bouncer = await startPgBouncer();
    direct = createPool(2);
    const setup = await createPostgresStore({ client: direct, schema });
    await setup.migrate();
  });
  afterAll(async () => {
    if (direct) {
      await dropSchema(direct, schema);
      await direct.end();
    }
    await bouncer?.stop();
  });

  /**
   * One client connection prepares a statement on server connection S1; a second client then holds
   * S1 in an open transaction (PgBouncer hands out its most recently used idle server connection),
   * so the first client's next transaction runs on a fresh S2, where the statement does not exist.
   */
  async function readTwiceWhileAnotherClientHoldsTheFirstBackend(preparedStatements: boolean) {
    const storePool = new pg.Pool({ connectionString: bouncer.url, max: 1 });
    const holder = new pg.Client({ connectionString: bouncer.url });
    await holder.connect();
    try {
      const store = await createPostgresStore({ client: storePool, schema, preparedStatements });
      const scope = { tenantId: `t-${preparedStatements}` };
      await store.getConversation(scope, 'missing');
      await holder.query('BEGIN');
      await holder.query('SELECT 1');
      try {
        return await store.getConversation(scope, 'missing').then(
          () => 'ok',
          (error: unknown) => error as Error,
        );
      } finally {
        await holder.query('COMMIT');
      }
    } finally {
      await holder.end();
      await storePool.end();
    }
  }

  it('should fail with the default (named) statements, since the statement is unknown on the next backend', async () => {
    const outcome = await readTwiceWhileAnotherClientHoldsTheFirstBackend(true);
    expect(outcome).toBeInstanceOf(Error);
    const causes = [(outcome as Error).message, String(((outcome as Error).cause as Error | undefined)?.message)].join(' ');
    expect(causes).toMatch(/prepared statement .* does not exist/);
  });

  it('should work with preparedStatements: false', async () => {
    expect(await readTwiceWhileAnotherClientHoldsTheFirstBackend(false)).toBe('ok');
  });
});
