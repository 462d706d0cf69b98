import type { Store, StoreCapabilities } from '../../spec/store.js';
import { validateLimit } from '../../spec/validate.js';
import { defineStore } from '../define-store/define-store.js';
import type { StoreDriver } from '../define-store/driver.js';
import { createContextRead } from './context-read.js';
import { createConversationOperations } from './conversations.js';
import { toStoreError } from './driver-errors.js';
import { createErasureOperations } from './erasure.js';
import { createSqlExecutor } from './executor.js';
import { createMemoryTable } from './memory-table.js';
import { createMessageOperations } from './messages.js';
import { appliedVersions, detectVector, runMigrations, type MigrationReport } from './migrate.js';
import type { PostgresClient } from './sql-client.js';
import { createSqlNames } from './sql-names.js';
import { createSnapshotOperations } from './snapshots.js';
import { createStoreContext } from './store-context.js';
import { createSummaryOperations } from './summaries.js';
import { createVectorIndex } from './vector-index.js';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** A `pg.Pool` (node-postgres) or a `PGlite` instance. The store never closes it. */
  readonly client: PostgresClient;
  /** Schema holding the tables (created by `migrate()`). @default "public" */
  readonly schema?: string;
  /** Prefix of every table and index name. @default "llmctx_" */
  readonly tablePrefix?: string;
  /** Clock in ms since epoch (tests inject one for TTL). @default Date */
  readonly clock?: { now(): number };
  /**
   * Enforce tenant isolation in the database too: `migrate()` enables row-level security with a
   * policy on `current_setting('llm_context.tenant_id')`, and every call sets it (transaction-local).
   * Superusers and roles with BYPASSRLS are not subject to policies; `sweepExpired` needs such a role.
   * @default false
   */
  readonly rowLevelSecurity?: boolean;
  /**
   * Embedding dimensions that get an HNSW index (cosine) in `migrate()`. Other dimensions are
   * searched exactly within the caller's scope and model. At most 2,000 (pgvector's HNSW limit).
   * @default [384, 768, 1024, 1536]
   */
  readonly vectorIndexDimensions?: readonly number[];
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
  /** Store name in errors and reports. @default "postgres" */
  readonly name?: string;
  /**
   * `false` behind a transaction-mode pooler (PgBouncer `pool_mode = transaction` without
   * `max_prepared_statements`, Supabase's pooler on port 6543, Neon's `-pooler` host): the store then
   * sends only unnamed statements, since a named one prepared on one server connection is unknown
   * on the next. Costs a parse and plan per statement. Run `migrate()` through such a pooler or a
   * direct connection alike. @default true
   */
  readonly preparedStatements?: boolean;
}

/** The PostgreSQL store: a {@link Store} plus schema management for the CLI and deployments. */
export interface PostgresStore extends Store {
  /**
   * Applies pending migrations under an advisory lock (safe to run from several processes at once).
   * On node-postgres it runs online: no step blocks appends for longer than a lock timeout of
   * 200 ms (indexes built concurrently, backfills in batches); it uses two pool connections. Run it
   * once per deployment (or `llm-context migrate`), never per request.
   */
  migrate(): Promise<MigrationReport>;
  /** Migration versions recorded, or null when `migrate()` never ran on this schema. */
  schemaVersions(): Promise<number[] | null>;
  sweepExpired(options?: { limit?: number }): Promise<number>;
  searchMessages: NonNullable<Store['searchMessages']>;
  readContext: NonNullable<Store['readContext']>;
  readonly memories: NonNullable<Store['memories']>;
  /** The SQL driver in use. */
  readonly driver: 'pg' | 'pglite';
}

const DEFAULT_INDEXED_DIMENSIONS = [384, 768, 1024, 1536];

/**
 * Creates the PostgreSQL store over node-postgres or PGlite with one SQL implementation.
 * Checks once, here, whether pgvector is available (`capabilities.vectorSearch`); run
 * `await store.migrate()` before first use.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ client: new pg.Pool({ connectionString }) });
 * await store.migrate();
 * ```
 * @throws {StoreUnavailableError} when the server cannot be reached (retry later).
 * @throws {ValidationError} for a bad `schema`, `tablePrefix` or `vectorIndexDimensions`.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const name = options.name ?? 'postgres';
  const names = createSqlNames(options);
  const executor = createSqlExecutor(options.client, { preparedStatements: options.preparedStatements });
  const clock = options.clock ?? { now: () => Date.now() };
  const indexedDimensions = [...(options.vectorIndexDimensions ?? DEFAULT_INDEXED_DIMENSIONS)];
  indexedDimensions.forEach((dimensions, index) => validateLimit(`vectorIndexDimensions[${index}]`, dimensions, 0, 2000));
  const rowLevelSecurity = options.rowLevelSecurity ?? false;

  let vector: { available: boolean; iterativeScan: boolean };
  try {
    vector = await detectVector(executor);
  } catch (error) {
    throw toStoreError(error, 'createPostgresStore', name);
  }

  const context = createStoreContext({ executor, names, clock, rowLevelSecurity, vectorTable: vector.available, name });
  const conversations = createConversationOperations(context);
  const messages = createMessageOperations(context);

  const capabilities: StoreCapabilities = {
    lexicalSearch: { available: true },
    vectorSearch: vector.available
      ? { available: true }
      : {
          available: false,
          reason: `the PostgreSQL "vector" extension (pgvector) is not installed on this server, so vector search is off (no fallback scan). Install pgvector (e.g. the postgresql-<version>-pgvector package) and re-run migrate(); on PGlite pass the pgvector extension to PGlite.create.`,
        },
    memories: { available: true },
    ttlSweep: { available: true },
  };

  // Storage only: the store layer validates every input before a statement is built.
  const { findVisible: _findVisible, ...conversationOperations } = conversations;
  const driver: StoreDriver = {
    name,
    capabilities,
    ...conversationOperations,
    ...messages,
    readContext: createContextRead(context, messages.getTail, { tailAsJson: executor.driver === 'pglite' }),
    ...createSummaryOperations(context, conversations),
    ...createSnapshotOperations(context, conversations),
    ...createErasureOperations(context),
    memories: createMemoryTable(context),
    ...(vector.available ? { vectors: createVectorIndex(context, { indexedDimensions, iterativeScan: vector.iterativeScan }) } : {}),
  };

  const schema = {
    driver: executor.driver,
    migrate: async (): Promise<MigrationReport> => {
      try {
        return await runMigrations({ executor, names, vectorIndexDimensions: indexedDimensions, rowLevelSecurity, now: () => clock.now() });
      } catch (error) {
        throw toStoreError(error, 'migrate', name);
      }
    },
    schemaVersions: () => context.run('schemaVersions', null, (sql) => appliedVersions(sql, names)),
  };
  return defineStore(driver, { clock, ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}) }, schema) as PostgresStore;
}
