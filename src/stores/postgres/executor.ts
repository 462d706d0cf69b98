import type { PGliteLike, PgPoolLike, PostgresClient, SqlExecutor, SqlQueryable, SqlQueryOptions, SqlResult } from './sql-client.js';

/** Options of {@link createSqlExecutor}. */
export interface SqlExecutorOptions {
  /**
   * `false`: never send named (prepared) statements, for transaction-mode poolers (PgBouncer before
   * 1.21 or with `max_prepared_statements = 0`, Supabase's and Neon's poolers), which hand each
   * transaction to any server connection, where a statement prepared on another one is unknown
   * (`prepared statement "…" does not exist`). Every statement is then an unnamed one, parsed and
   * planned per call. PGlite never prepares. @default true
   */
  readonly preparedStatements?: boolean;
}

/**
 * Builds the tiny per-driver executor: node-postgres transactions check out one pooled connection
 * and run BEGIN/COMMIT on it; PGlite (single connection) uses its own `transaction()`.
 * @throws {TypeError} when `client` is neither a `pg.Pool` nor a PGlite instance.
 */
export function createSqlExecutor(client: PostgresClient, options: SqlExecutorOptions = {}): SqlExecutor {
  if (isPGlite(client)) return pgliteExecutor(client);
  if (isPgPool(client)) return pgPoolExecutor(client, options.preparedStatements ?? true);
  throw new TypeError('[llm-context] [postgres] client must be a pg.Pool (node-postgres) or a PGlite instance (@electric-sql/pglite)');
}

function isPGlite(client: PostgresClient): client is PGliteLike {
  return typeof (client as PGliteLike).transaction === 'function' && typeof (client as PGliteLike).exec === 'function';
}

function isPgPool(client: PostgresClient): client is PgPoolLike {
  return typeof (client as PgPoolLike).connect === 'function' && typeof (client as PgPoolLike).query === 'function';
}

/**
 * Named (prepared) statements skip parsing and planning on every call after the first on a
 * connection; the name is a hash of the SQL text, so different texts never share a name.
 */
const statementNames = new Map<string, string>();
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    // FNV-1a, two 32-bit lanes (collisions across this library's few hundred statements are negligible).
    let low = 0x811c9dc5;
    let high = 0x01000193;
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      low = Math.imul(low ^ code, 0x01000193) >>> 0;
      high = Math.imul(high ^ code, 0x811c9dc5) >>> 0;
    }
    name = `llmctx_${high.toString(36)}${low.toString(36)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Statements worth preparing: parameterised DML, unless the caller asked for a plan per call.
 * Session and DDL statements run unnamed.
 */
function config(text: string, params: readonly unknown[], options: SqlQueryOptions = {}, prepared = true): { text: string; values: unknown[]; name?: string } {
  return prepared && options.prepare !== false && params.length > 0 && /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(text)
    ? { text, values: [...params], name: statementName(text) }
    : { text, values: [...params] };
}

/**
 * Thrown by a transaction whose connection died while the store held it. It carries SQLSTATE 08006
 * (connection_failure, PostgreSQL Appendix A) so `toStoreError` maps it to the retryable
 * `StoreUnavailableError`; the driver's own error stays in `cause`.
 */
class ConnectionLostError extends Error {
  readonly code = '08006';
  constructor(cause: Error) {
    super('the connection to the server was lost during the transaction', { cause });
    this.name = 'ConnectionLostError';
  }
}

function pgPoolExecutor(pool: PgPoolLike, prepared: boolean): SqlExecutor {
  const connection = async <T>(work: (sql: SqlQueryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost ??= error;
    };
    client.on?.('error', onError);
    let broken: Error | undefined;
    try {
      return await work({
        query: async <Row>(text: string, params: readonly unknown[] = [], options?: SqlQueryOptions) => {
          if (lost) throw new ConnectionLostError(lost);
          return (await client.query(config(text, params, options, prepared))) as SqlResult<Row>;
        },
      });
    } catch (error) {
      // `work` may have left a transaction open or the connection half-dead: never pool it again.
      broken = lost ?? (error instanceof Error ? error : new Error('connection work failed'));
      throw lost ? new ConnectionLostError(lost) : error;
    } finally {
      client.release(broken);
      if (!broken) client.off?.('error', onError);
    }
  };
  return {
    driver: 'pg',
    // Online migrations hold one connection (the advisory lock) and work on a second.
    ...(pool.options?.max === 1 ? {} : { connection }),
    query: async <Row>(text: string, params: readonly unknown[] = [], options?: SqlQueryOptions) => {
      if (options?.keepConnectionOnError) return (await queryKeepingConnection(pool, config(text, params, options, prepared))) as SqlResult<Row>;
      return (await pool.query(config(text, params, options, prepared))) as SqlResult<Row>;
    },
    async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      // The pool stops listening for 'error' on a connection it hands out; if its backend dies between
      // two of our statements (pg_terminate_backend, server restart, network drop) pg emits 'error' and,
      // unheard, Node would crash the process. Remember it instead and fail the transaction.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
      };
      connection.on?.('error', onError);
      let broken: Error | undefined;
      try {
        await connection.query({ text: 'BEGIN' });
        const tx: SqlQueryable = {
          query: async <Row>(text: string, params: readonly unknown[] = [], options?: SqlQueryOptions) => {
            if (lost) throw new ConnectionLostError(lost);
            return (await connection.query(config(text, params, options, prepared))) as SqlResult<Row>;
          },
        };
        const result = await work(tx);
        await connection.query({ text: 'COMMIT' });
        return result;
      } catch (error) {
        if (lost) {
          // The server rolled the transaction back when the backend went; ROLLBACK could only fail.
          broken = lost;
          throw new ConnectionLostError(lost);
        }
        try {
          await connection.query({ text: 'ROLLBACK' });
        } catch (rollbackError) {
          // The connection is unusable (e.g. the server went away): destroy it rather than pool it.
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
        }
        throw lost ? new ConnectionLostError(lost) : error;
      } finally {
        connection.release(broken);
        // A discarded connection keeps the listener: its teardown may still emit 'error'. A pooled one
        // is handed back to the pool's own idle listener.
        if (!broken) connection.off?.('error', onError);
      }
    },
  };
}

/**
 * One autocommit statement on a checked-out connection that goes back to the pool after a server
 * error (see `SqlQueryOptions.keepConnectionOnError`): after an `ERROR` the server has rolled the
 * statement back and waits for the next one, so the connection is as good as before. It is
 * discarded when the connection failed instead: an 'error' event, a connection-class SQLSTATE
 * (08…, 57P01–57P03), a FATAL, or an error that did not come from the server.
 */
async function queryKeepingConnection(pool: PgPoolLike, query: { text: string; values: unknown[]; name?: string }): Promise<{ rows: unknown[] }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on?.('error', onError);
  let broken: Error | undefined;
  try {
    return await client.query(query);
  } catch (error) {
    if (lost || !isStatementError(error)) broken = lost ?? (error instanceof Error ? error : new Error('query failed'));
    throw lost ? new ConnectionLostError(lost) : error;
  } finally {
    client.release(broken);
    // A discarded connection keeps the listener: its teardown may still emit 'error'.
    if (!broken) client.off?.('error', onError);
  }
}

/** A server `ERROR` for one statement (node-postgres `DatabaseError`), not a failure of the connection. */
function isStatementError(error: unknown): boolean {
  const { code, severity } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; severity?: unknown };
  return severity === 'ERROR' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}

function pgliteExecutor(db: PGliteLike): SqlExecutor {
  return {
    driver: 'pglite',
    query: async <Row>(text: string, params: readonly unknown[] = []) => (await db.query(text, [...params])) as SqlResult<Row>,
    transaction: <T>(work: (tx: SqlQueryable) => Promise<T>) =>
      db.transaction((tx) =>
        work({ query: async <Row>(text: string, params: readonly unknown[] = []) => (await tx.query(text, [...params])) as SqlResult<Row> }),
      ),
  };
}
