/**
 * `llm-context/postgres`: the PostgreSQL store for node-postgres (`pg.Pool`) and PGlite, with
 * migrations, full-text search, pgvector search, memories, TTL sweep and optional row-level security.
 * Imports no driver: pass your client in.
 */
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export type { MigrationReport } from './migrate.js';
export type { PGliteLike, PgPoolClientLike, PgPoolLike, PgQueryConfig, PostgresClient } from './sql-client.js';
export { TEXT_SEARCH_CONFIG } from './text-search.js';
