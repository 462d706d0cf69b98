import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createSqlExecutor } from '../../src/stores/postgres/executor.js';
import { toStoreError } from '../../src/stores/postgres/driver-errors.js';
import type { PgQueryConfig } from '../../src/stores/postgres/index.js';

/** A pg.Pool double whose one connection is an EventEmitter, as `pg.PoolClient` is. */
function fakePool(options: { onQuery?: (config: PgQueryConfig, connection: EventEmitter) => void } = {}) {
  const connection = new EventEmitter();
  const statements: string[] = [];
  const releases: Array<Error | boolean | undefined> = [];
  const client = Object.assign(connection, {
    query: async (config: PgQueryConfig) => {
      statements.push(config.text);
      options.onQuery?.(config, connection);
      return { rows: [] };
    },
    release: (error?: Error | boolean) => void releases.push(error),
  });
  const pool = { query: async () => ({ rows: [] }), connect: async () => client };
  return { pool, connection, statements, releases };
}

describe('pg executor: a connection that dies while a transaction holds it', () => {
  it('should turn the connection\'s error event into a retryable store_unavailable error and discard the connection', async () => {
    const { pool, connection, statements, releases } = fakePool();
    const executor = createSqlExecutor(pool);
    const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const failure = await executor
      .transaction(async (tx) => {
        await tx.query('SELECT 1 FROM t FOR UPDATE', [1]);
        // Between two statements, with no query running, pg emits 'error' on the client.
        expect(connection.emit('error', lost)).toBe(true);
        await tx.query('INSERT INTO t VALUES ($1)', [1]);
      })
      .then(() => undefined, (error: unknown) => error);
    const typed = toStoreError(failure, 'appendMessages');
    expect(typed.code).toBe('store_unavailable');
    expect(typed.retryable).toBe(true);
    expect((failure as Error).cause).toBe(lost);
    // Nothing ran after the loss (no INSERT, no COMMIT, no ROLLBACK on a dead connection).
    expect(statements).toEqual(['BEGIN', 'SELECT 1 FROM t FOR UPDATE']);
    expect(releases).toEqual([lost]);
    // A late 'error' from the discarded connection's teardown must not crash the process either.
    expect(connection.listenerCount('error')).toBe(1);
  });

  it('should stop listening once a healthy connection goes back to the pool', async () => {
    const { pool, connection, statements, releases } = fakePool();
    const result = await createSqlExecutor(pool).transaction(async (tx) => {
      expect(connection.listenerCount('error')).toBe(1);
      await tx.query('SELECT $1::int', [1]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(statements).toEqual(['BEGIN', 'SELECT $1::int', 'COMMIT']);
    expect(releases).toEqual([undefined]);
    expect(connection.listenerCount('error')).toBe(0);
  });

  it('should map a loss reported while COMMIT fails to store_unavailable', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const { pool, releases } = fakePool({
      onQuery: (config, connection) => {
        if (config.text !== 'COMMIT') return;
        connection.emit('error', lost);
        throw new Error('Client has encountered a connection error and is not queryable');
      },
    });
    const failure = await createSqlExecutor(pool)
      .transaction(async (tx) => tx.query('UPDATE t SET a = $1', [1]))
      .then(() => undefined, (error: unknown) => error);
    expect(toStoreError(failure, 'deleteMessage').code).toBe('store_unavailable');
    expect(releases).toEqual([lost]);
  });

  it('should plan a statement per call when asked (no prepared-statement name)', async () => {
    const seen: PgQueryConfig[] = [];
    const pool = { query: async (config: PgQueryConfig) => (seen.push(config), { rows: [] }), connect: async () => fakePool().pool.connect() };
    const executor = createSqlExecutor(pool);
    await executor.query('SELECT $1::int', [1]);
    await executor.query('SELECT $1::int', [1], { prepare: false });
    expect(seen[0]!.name).toMatch(/^llmctx_/);
    expect(seen[1]!.name).toBeUndefined();
  });
});

describe('pg executor: keepConnectionOnError', () => {
  it('should put the connection back after a server error of the statement, and discard it after a connection failure', async () => {
    const duplicate = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505', severity: 'ERROR' });
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
    const dropped = new Error('Connection terminated unexpectedly');
    let failure: Error = duplicate;
    const { pool, connection, releases } = fakePool({
      onQuery: () => {
        throw failure;
      },
    });
    const executor = createSqlExecutor(pool);
    for (const next of [duplicate, terminated, dropped]) {
      failure = next;
      await expect(executor.query('INSERT INTO t VALUES ($1)', [1], { keepConnectionOnError: true })).rejects.toBe(next);
    }
    expect(releases).toEqual([undefined, terminated, dropped]);
    // Listening stops for the connection that went back; the discarded ones keep the listener.
    expect(connection.listenerCount('error')).toBe(2);
  });

  it('should discard the connection when it reported an error while the statement ran', async () => {
    const lost = new Error('read ECONNRESET');
    const { pool, releases } = fakePool({
      onQuery: (_config, connection) => {
        connection.emit('error', lost);
        throw Object.assign(new Error('duplicate'), { code: '23505', severity: 'ERROR' });
      },
    });
    const failure = await createSqlExecutor(pool)
      .query('INSERT INTO t VALUES ($1)', [1], { keepConnectionOnError: true })
      .then(() => undefined, (error: unknown) => error);
    expect(toStoreError(failure, 'appendMessages').code).toBe('store_unavailable');
    expect(releases).toEqual([lost]);
  });
});

describe('pg executor: preparedStatements option (transaction-mode poolers)', () => {
  async function sentConfigs(preparedStatements: boolean | undefined) {
    const sent: PgQueryConfig[] = [];
    const connection = { query: async (config: PgQueryConfig) => (sent.push(config), { rows: [] }), release: () => undefined };
    const pool = { query: async (config: PgQueryConfig) => (sent.push(config), { rows: [] }), connect: async () => connection };
    const executor = createSqlExecutor(pool, preparedStatements === undefined ? {} : { preparedStatements });
    await executor.query('SELECT * FROM t WHERE id = $1', ['a']);
    await executor.transaction((tx) => tx.query('UPDATE t SET x = 1 WHERE id = $1', ['a']));
    return sent.filter((config) => config.values && config.values.length > 0);
  }

  it('should name parameterised statements by default', async () => {
    const sent = await sentConfigs(undefined);
    expect(sent).toHaveLength(2);
    for (const config of sent) expect(config.name).toMatch(/^llmctx_/);
  });

  it('should send only unnamed statements, in and out of transactions, with preparedStatements: false', async () => {
    const sent = await sentConfigs(false);
    expect(sent).toHaveLength(2);
    for (const config of sent) expect(config.name).toBeUndefined();
  });
});
