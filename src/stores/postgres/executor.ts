import type { PGliteLike, PgPoolLike, PostgresClient, SqlExecutor, SqlQueryable, SqlResult } from './sql-client.js';

/**
 * Builds the tiny per-driver executor: node-postgres transactions check out one pooled connection
 * and run BEGIN/COMMIT on it; PGlite (single connection) uses its own `transaction()`.
 * @throws {TypeError} when `client` is neither a `pg.Pool` nor a PGlite instance.
 */
export function createSqlExecutor(client: PostgresClient): SqlExecutor {
  if (isPGlite(client)) return pgliteExecutor(client);
  if (isPgPool(client)) return pgPoolExecutor(client);
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
function statementName(text: string): string {
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

/** Statements worth preparing: parameterised DML. Session and DDL statements run unnamed. */
function config(text: string, params: readonly unknown[]): { text: string; values: unknown[]; name?: string } {
  return params.length > 0 && /^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(text) ? { text, values: [...params], name: statementName(text) } : { text, values: [...params] };
}

function pgPoolExecutor(pool: PgPoolLike): SqlExecutor {
  return {
    driver: 'pg',
    query: async <Row>(text: string, params: readonly unknown[] = []) => (await pool.query(config(text, params))) as SqlResult<Row>,
    async transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query({ text: 'BEGIN' });
        const tx: SqlQueryable = {
          query: async <Row>(text: string, params: readonly unknown[] = []) => (await connection.query(config(text, params))) as SqlResult<Row>,
        };
        const result = await work(tx);
        await connection.query({ text: 'COMMIT' });
        return result;
      } catch (error) {
        try {
          await connection.query({ text: 'ROLLBACK' });
        } catch (rollbackError) {
          // The connection is unusable (e.g. the server went away): destroy it rather than pool it.
          broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
        }
        throw error;
      } finally {
        connection.release(broken);
      }
    },
  };
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
