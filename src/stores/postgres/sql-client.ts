/**
 * The structural subset of the two PostgreSQL clients the store runs on, so the core never imports a
 * driver: `pg.Pool` from node-postgres and a `PGlite` instance from `@electric-sql/pglite`.
 * Pass the client in; the store never creates or closes it.
 */

/** One result of a parameterised query; both drivers return `rows` as plain objects. */
export interface SqlResult<Row = Record<string, unknown>> {
  readonly rows: Row[];
}

/** node-postgres query config; `name` makes it a prepared statement, parsed and planned once per connection. */
export interface PgQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  readonly name?: string;
}

/** A checked-out node-postgres connection (`pg.PoolClient`). */
export interface PgPoolClientLike {
  query(config: PgQueryConfig): Promise<{ rows: unknown[] }>;
  /** Pass an error to destroy a connection left in an unknown state instead of reusing it. */
  release(error?: Error | boolean): void;
  /**
   * `pg.Client` is an EventEmitter that emits `'error'` when its backend dies while no query is
   * running (e.g. between two statements of a transaction); with no listener Node throws it and the
   * process exits. The store listens while it holds the connection. Optional only so hand-written
   * test doubles need not implement it; `pg.PoolClient` always has both.
   */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The subset of `pg.Pool` used: `query` for single statements, `connect` for transactions. */
export interface PgPoolLike {
  query(config: PgQueryConfig): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgPoolClientLike>;
  /** `pg.Pool`'s options; `max: 1` means `migrate()` cannot hold two connections (see migrate.ts). */
  readonly options?: { readonly max?: number };
}

/** The subset of a PGlite transaction used. */
export interface PGliteTransactionLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The subset of `PGlite` used: `query`, `exec` (multi-statement DDL) and `transaction`. */
export interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  exec(text: string): Promise<unknown>;
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
}

/** Either supported client. */
export type PostgresClient = PgPoolLike | PGliteLike;

/** Per-statement options of {@link SqlQueryable.query}. */
export interface SqlQueryOptions {
  /**
   * `false`: plan this statement for every call's parameter values instead of preparing it once
   * (node-postgres: an unnamed statement; PGlite never prepares). For statements whose best plan
   * depends on the values, e.g. full-text search, where a rare term wants the GIN index and a
   * common one the newest rows by primary key. Default `true`.
   */
  readonly prepare?: boolean;
  /**
   * `true`: the caller expects this statement to fail now and then with a server error it handles
   * (e.g. a unique violation), so such an error leaves the connection in the pool. node-postgres's
   * `pool.query` closes the connection after any error, and opening one again cost 30–50 ms of
   * mostly server CPU on the 2-core bench machine. Connection failures still discard it. Outside a
   * transaction only (a failed statement inside one is rolled back with it). Default `false`.
   */
  readonly keepConnectionOnError?: boolean;
}

/** Runs queries; inside {@link SqlExecutor.transaction} every query goes to the same connection. */
export interface SqlQueryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: SqlQueryOptions): Promise<SqlResult<Row>>;
}

/** The two things the SQL core needs from a driver: single queries and all-or-nothing transactions. */
export interface SqlExecutor extends SqlQueryable {
  /** `pg` or `pglite`, for reports. */
  readonly driver: 'pg' | 'pglite';
  /** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is rethrown). */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `work` on one connection of its own, outside any transaction (statements autocommit unless
   * `work` sends BEGIN/COMMIT), while other connections stay usable: for online migrations
   * (`CREATE INDEX CONCURRENTLY` cannot run in a transaction). Absent on PGlite (one connection) and
   * on a pool of one connection.
   */
  readonly connection?: <T>(work: (sql: SqlQueryable) => Promise<T>) => Promise<T>;
}
