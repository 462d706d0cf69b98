import { expiryBucketSql, recencySql } from './recency.js';
import type { SqlQueryable } from './sql-client.js';
import type { SqlNames } from './sql-names.js';
import { MESSAGE_TSVECTOR_SQL_V1, memoryTsvectorSql, messageTsvectorSql, TEXT_SEARCH_CONFIG } from './text-search.js';

/**
 * The ordered schema migrations. Each runs once and is recorded in the bookkeeping table. Never
 * edit what an applied migration leaves in the schema: append a new one.
 *
 * Two shapes. `sql`: statements run in one transaction (creating tables and their indexes while
 * they are still empty). `steps`: an online migration for tables that may already be large, run by
 * `migrate()` so that no step holds a lock that blocks writers for longer than a moment (see
 * {@link MigrationStep}); every step is safe to run again after a crash part-way through.
 *
 * Layout rules: `tenant_id` leads every primary key and unique constraint (so a deployment can
 * partition or distribute by tenant, e.g. Citus with distribution column `tenant_id`); `user_id`
 * is `''` for user-less data (ids are at least one character, so `''` is free), which keeps
 * ownership an equality that btree indexes serve. The exceptions are the GIN full-text indexes and
 * the cross-tenant TTL-sweep index, whose lookups are not per tenant by nature.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Applied only when this returns true for the current options and database (e.g. pgvector present). */
  readonly when?: (context: MigrationContext) => boolean;
  /** Statements of a transactional migration (one transaction). */
  readonly sql?: (names: SqlNames, context: MigrationContext) => string[];
  /** Steps of an online migration, in order. */
  readonly steps?: (names: SqlNames, context: MigrationContext) => MigrationStep[];
}

/**
 * One step of an online migration. Every step is idempotent, so a run that crashed part-way is
 * finished by the next `migrate()`.
 *
 * - `ddl`: a short transaction under `lock_timeout` (see migrate.ts), retried when the lock is not
 *   granted in time, so it never queues writers behind it for long. Only catalog changes that do
 *   not rewrite or scan the table belong here (a nullable column without a default, a trigger).
 * - `backfill`: one batch per call, in its own short transaction: `$1, $2, …` are the last key
 *   done (`start` at first, default `(tenant_id, id)` = `''`, `''`); it returns that batch's last
 *   key (its columns in parameter order), or no row when done. Rows are locked a batch at a time,
 *   never the table.
 * - `create-index`: `CREATE INDEX CONCURRENTLY` (writes continue while it builds). A build that
 *   failed or was interrupted leaves an INVALID index of that name; it is dropped and built again.
 *   `sql(true)` is the concurrent form, `sql(false)` the plain one, used on PGlite (one connection)
 *   and on a still empty `table` (a fresh database), where it takes a moment and CONCURRENTLY would
 *   only wait for every other transaction in the database.
 * - `drop-index`: `DROP INDEX CONCURRENTLY IF EXISTS`.
 * - `plan`: steps chosen from the database's current state (e.g. whether a table is empty, or how
 *   far a crashed run got). `choose` may run `ddl` steps itself (same rules as `ddl` above) and
 *   returns the steps to run next; `online` is false on the single-transaction path (PGlite, a
 *   pool of one connection), where a table rewrite blocks no other connection.
 */
export type MigrationStep =
  | { readonly kind: 'ddl'; readonly apply: (sql: SqlQueryable) => Promise<void> }
  | { readonly kind: 'backfill'; readonly table: string; readonly sql: string; readonly start?: readonly string[] }
  | { readonly kind: 'create-index'; readonly name: string; readonly table: string; readonly sql: (concurrently: boolean) => string }
  | { readonly kind: 'drop-index'; readonly name: string }
  | { readonly kind: 'plan'; readonly choose: (planner: MigrationPlanner) => Promise<MigrationStep[]> };

/** What a `plan` step may use to inspect and change the schema before choosing its next steps. */
export interface MigrationPlanner {
  readonly online: boolean;
  /** Runs `work` like a `ddl` step (a short transaction under `lock_timeout`, retried). */
  ddl(work: (sql: SqlQueryable) => Promise<void>): Promise<void>;
}

export interface MigrationContext {
  /** The `vector` extension could be created. */
  readonly vectorAvailable: boolean;
  /** Vector dimensions that get an HNSW index. */
  readonly vectorIndexDimensions: readonly number[];
  readonly rowLevelSecurity: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations, messages, summaries',
    sql: (n) => [
      `CREATE TABLE ${n.conversations} (
        tenant_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        title text,
        tags text[] NOT NULL,
        -- tags qualified by owner (JSON [tenant, user, tag]) so the GIN tag index is scoped by tenant too
        tag_keys text[] NOT NULL,
        state jsonb NOT NULL,
        state_version integer NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL,
        parent_id text COLLATE "C",
        forked_from_seq bigint,
        ttl_seconds integer,
        ttl_mode text CHECK (ttl_mode IN ('sliding', 'fixed')),
        expires_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        message_count integer NOT NULL DEFAULT 0,
        token_count bigint NOT NULL DEFAULT 0,
        last_seq bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, id)
      )`,
      // listConversations: newest first within one owner, keyset pagination on (updated_at, id).
      `CREATE INDEX ${n.index('conversations_owner_updated')} ON ${n.conversations} (tenant_id, user_id, updated_at DESC, id DESC)`,
      `CREATE INDEX ${n.index('conversations_parent')} ON ${n.conversations} (tenant_id, user_id, parent_id, updated_at DESC, id DESC) WHERE parent_id IS NOT NULL`,
      `CREATE INDEX ${n.index('conversations_tags')} ON ${n.conversations} USING gin (tag_keys)`,
      // sweepExpired: the oldest expiries first, across tenants.
      `CREATE INDEX ${n.index('conversations_expiry')} ON ${n.conversations} (expires_at, tenant_id, id) WHERE expires_at IS NOT NULL`,
      `CREATE TABLE ${n.messages} (
        tenant_id text COLLATE "C" NOT NULL,
        conversation_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        id text COLLATE "C" NOT NULL,
        role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        name text,
        content jsonb NOT NULL,
        metadata jsonb NOT NULL,
        tags text[] NOT NULL,
        token_counts jsonb NOT NULL,
        -- the count in the store's primary encoding (the first key the writer listed; jsonb does not keep key order)
        primary_tokens integer NOT NULL,
        content_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        search_vector tsvector GENERATED ALWAYS AS ${MESSAGE_TSVECTOR_SQL_V1} STORED,
        PRIMARY KEY (tenant_id, conversation_id, seq),
        -- No foreign key to the conversation: the check would look up the (hot, often updated)
        -- conversation row once per inserted message. Appends insert only after locking that row, and
        -- deletes remove messages explicitly under the same lock (delete-conversations.ts).
        UNIQUE (tenant_id, conversation_id, id)
      )`,
      `CREATE INDEX ${n.index('messages_search')} ON ${n.messages} USING gin (search_vector)`,
      `CREATE TABLE ${n.summaries} (
        tenant_id text COLLATE "C" NOT NULL,
        conversation_id text COLLATE "C" NOT NULL,
        text text NOT NULL,
        covers_through_seq bigint NOT NULL,
        token_count integer NOT NULL,
        encoding text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, conversation_id),
        FOREIGN KEY (tenant_id, conversation_id) REFERENCES ${n.conversations} (tenant_id, id) ON DELETE CASCADE
      )`,
    ],
  },
  {
    version: 2,
    name: 'memories',
    sql: (n) => [
      `CREATE TABLE ${n.memories} (
        tenant_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        key text COLLATE "C",
        text text NOT NULL,
        tags text[] NOT NULL,
        pinned boolean NOT NULL,
        source jsonb,
        metadata jsonb NOT NULL,
        token_counts jsonb NOT NULL,
        content_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        search_vector tsvector GENERATED ALWAYS AS (to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, text)) STORED,
        PRIMARY KEY (tenant_id, id)
      )`,
      `CREATE UNIQUE INDEX ${n.index('memories_key')} ON ${n.memories} (tenant_id, user_id, key) WHERE key IS NOT NULL`,
      `CREATE INDEX ${n.index('memories_owner_updated')} ON ${n.memories} (tenant_id, user_id, updated_at DESC, id DESC)`,
      `CREATE INDEX ${n.index('memories_search')} ON ${n.memories} USING gin (search_vector)`,
    ],
  },
  {
    version: 3,
    name: 'embeddings (pgvector)',
    when: (context) => context.vectorAvailable,
    sql: (n) => [
      // Untyped `vector` so several models (and dimensions) share one table; HNSW indexes are
      // partial expression indexes per dimension (pgvector's documented pattern), see migrate().
      `CREATE TABLE ${n.embeddings} (
        tenant_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        kind text NOT NULL CHECK (kind IN ('message', 'memory')),
        model text NOT NULL,
        conversation_id text COLLATE "C" NOT NULL,
        target_id text COLLATE "C" NOT NULL,
        seq bigint,
        content_hash text NOT NULL,
        dimensions integer NOT NULL,
        embedding vector NOT NULL,
        PRIMARY KEY (tenant_id, kind, model, conversation_id, target_id)
      )`,
      `CREATE INDEX ${n.index('embeddings_owner')} ON ${n.embeddings} (tenant_id, user_id, kind, model, dimensions)`,
      `CREATE INDEX ${n.index('embeddings_conversation')} ON ${n.embeddings} (tenant_id, conversation_id) WHERE kind = 'message'`,
    ],
  },
  {
    version: 4,
    name: 'conversation listing indexes on recency (HOT appends)',
    // See recency.ts: the listing indexes stop holding updated_at, so an append no longer updates
    // an indexed column (except once per second per conversation).
    steps: (n) => [
      derivedColumn(n, 'recency', recencySql, 'updated_at'),
      backfill(n, 'recency', 'updated_at'),
      createIndex(n, 'conversations_owner_recency', '(tenant_id, user_id, recency DESC, id DESC)'),
      createIndex(n, 'conversations_parent_recency', '(tenant_id, user_id, parent_id, recency DESC, id DESC) WHERE parent_id IS NOT NULL'),
      { kind: 'drop-index', name: 'conversations_owner_updated' },
      { kind: 'drop-index', name: 'conversations_parent' },
    ],
  },
  {
    version: 5,
    name: 'expiry index on minute buckets, fillfactor 80 (HOT appends, also with a sliding TTL)',
    // See recency.ts: a sliding TTL moves expires_at on every append; the sweep's index now holds
    // a key that changes at most once a minute.
    steps: (n) => [
      derivedColumn(n, 'expiry_bucket', expiryBucketSql, 'expires_at'),
      backfill(n, 'expiry_bucket', 'expires_at'),
      createIndex(n, 'conversations_expiry_bucket', '(expiry_bucket, tenant_id, id) WHERE expiry_bucket IS NOT NULL'),
      { kind: 'drop-index', name: 'conversations_expiry' },
      {
        kind: 'ddl',
        // Every append updates its conversation row; a HOT update needs room on the row's own page,
        // so pages keep 20% free (the PostgreSQL docs' advice for heavily updated tables). Applies to
        // pages written from now on. SHARE UPDATE EXCLUSIVE: writers are not blocked.
        apply: async (sql) => void (await sql.query(`ALTER TABLE ${n.conversations} SET (fillfactor = 80)`)),
      },
    ],
  },
  {
    version: 6,
    name: 'full-text search over CJK character bigrams (the terms of the in-memory analyzer)',
    // See text-search.ts: a CJK run without spaces was one lexeme, so "订单" did not find
    // "我的订单在哪里". The search_vector columns get the new expression, and their GIN indexes are
    // rebuilt, without rewriting a large table under lock (see searchVectorUpgrade).
    steps: (n) => [
      searchVectorUpgrade(n, {
        table: n.messages,
        prefix: 'messages',
        expression: messageTsvectorSql,
        sources: ['content', 'name'],
        key: ['tenant_id', 'conversation_id', 'seq'],
        start: ['', '', '0'],
      }),
      searchVectorUpgrade(n, { table: n.memories, prefix: 'memories', expression: memoryTsvectorSql, sources: ['text'], key: ['tenant_id', 'id'], start: ['', ''] }),
    ],
  },
  {
    version: 7,
    name: 'memory history: superseded versions, valid_from',
    // Online as it is: a new (empty) table with its index, and a nullable column without a default
    // on memories — a catalog-only change, taken under lock_timeout like every DDL here. Rows
    // written before it have valid_from NULL, read as created_at (their text is the first one
    // known). No backfill, no index on memories.
    sql: (n, context) => [
      `CREATE TABLE ${n.memoryVersions} (
        tenant_id text COLLATE "C" NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        version bigint GENERATED ALWAYS AS IDENTITY,
        key text COLLATE "C",
        text text NOT NULL,
        tags text[] NOT NULL,
        pinned boolean NOT NULL,
        source jsonb,
        metadata jsonb NOT NULL,
        token_counts jsonb NOT NULL,
        content_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id, version)
      )`,
      `CREATE INDEX ${n.index('memory_versions_owner')} ON ${n.memoryVersions} (tenant_id, user_id)`,
      `ALTER TABLE ${n.memories} ADD COLUMN valid_from timestamptz`,
      ...(context.rowLevelSecurity ? rowLevelSecuritySql(n, n.memoryVersions) : []),
    ],
  },
];

/** Row-level security, applied when the store is created with `rowLevelSecurity: true`. */
export const RLS_MIGRATION: Migration = {
  version: 100,
  name: 'row-level security by llm_context.tenant_id',
  when: (context) => context.rowLevelSecurity,
  sql: (n, context) => {
    const tables = [n.conversations, n.messages, n.summaries, n.memories, ...(context.vectorAvailable ? [n.embeddings] : []), n.memoryVersions];
    return tables.flatMap((table) => rowLevelSecuritySql(n, table));
  },
};

/**
 * Row-level security on one table. Idempotent (the policy is dropped first), so a table added by a
 * later migration (which applies it itself when `rowLevelSecurity` is on) can be in the RLS
 * migration's list too, for databases that turn it on later.
 */
function rowLevelSecuritySql(n: SqlNames, table: string): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    // FORCE: the table owner is subject to the policy too (only superusers and BYPASSRLS roles are not).
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${n.index('tenant_isolation')} ON ${table}`,
    // current_setting(..., true) is NULL when unset, and NULL never equals: no setting, no rows.
    `CREATE POLICY ${n.index('tenant_isolation')} ON ${table} USING (tenant_id = current_setting('llm_context.tenant_id', true)) WITH CHECK (tenant_id = current_setting('llm_context.tenant_id', true))`,
  ];
}

/** The HNSW index for one vector dimension (`concurrently`: see {@link MigrationStep}). */
export function hnswIndexSql(n: SqlNames, dimensions: number, concurrently = false): string {
  return `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${n.index(`embeddings_hnsw_${dimensions}`)} ON ${n.embeddings} USING hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) WHERE dimensions = ${dimensions}`;
}

/**
 * Adds `column` to the conversations table, derived from `source` by the immutable `expression`.
 *
 * A stored generated column is what a fresh database gets (as it always has), but adding one to a
 * table with rows rewrites the whole table under an ACCESS EXCLUSIVE lock: minutes of blocked
 * appends on a large deployment. So the column is generated only when the table is empty (checked
 * under the lock, so no row can arrive in between); otherwise it is added as a plain nullable
 * column (a catalog-only change) kept equal to the same expression by a BEFORE INSERT OR UPDATE
 * trigger, and the existing rows are filled in by {@link backfill}. Both read the same; neither
 * makes appends non-HOT (the trigger writes the value the generated column would).
 */
function derivedColumn(n: SqlNames, column: string, expression: (timestamp: string) => string, source: string): MigrationStep {
  const fn = `"${n.schema}".${n.index(`conversations_${column}_fn`)}`;
  return {
    kind: 'ddl',
    apply: async (sql) => {
      await sql.query(`LOCK TABLE ${n.conversations} IN ACCESS EXCLUSIVE MODE`);
      const empty = (await sql.query(`SELECT NOT EXISTS (SELECT 1 FROM ${n.conversations}) AS empty`)).rows[0]?.empty === true;
      if (empty) {
        await sql.query(`ALTER TABLE ${n.conversations} ADD COLUMN IF NOT EXISTS ${column} bigint GENERATED ALWAYS AS (${expression(source)}) STORED`);
        return;
      }
      await sql.query(`ALTER TABLE ${n.conversations} ADD COLUMN IF NOT EXISTS ${column} bigint`);
      await sql.query(
        `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.${column} := ${expression(`NEW.${source}`)}; RETURN NEW; END $fn$`,
      );
      await sql.query(`DROP TRIGGER IF EXISTS ${n.index(`conversations_${column}`)} ON ${n.conversations}`);
      await sql.query(`CREATE TRIGGER ${n.index(`conversations_${column}`)} BEFORE INSERT OR UPDATE ON ${n.conversations} FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    },
  };
}

/** Rows written before the trigger existed: a no-op update per row fires it. Batches of 2,000 in key order. */
function backfill(n: SqlNames, column: string, source: string): MigrationStep {
  return {
    kind: 'backfill',
    table: n.conversations,
    sql: `WITH batch AS (
        SELECT tenant_id, id FROM ${n.conversations} WHERE (tenant_id, id) > ($1::text, $2::text) ORDER BY tenant_id, id LIMIT 2000
      ), filled AS (
        UPDATE ${n.conversations} c SET ${source} = c.${source} FROM batch b
        WHERE c.tenant_id = b.tenant_id AND c.id = b.id AND c.${column} IS NULL AND c.${source} IS NOT NULL
      )
      SELECT tenant_id, id FROM batch ORDER BY tenant_id DESC, id DESC LIMIT 1`,
  };
}

function createIndex(n: SqlNames, name: string, definition: string): MigrationStep {
  return {
    kind: 'create-index',
    name,
    table: n.conversations,
    sql: (concurrently) => `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${n.index(name)} ON ${n.conversations} ${definition}`,
  };
}

interface SearchVectorTable {
  /** The qualified table name. */
  readonly table: string;
  /** Its name unqualified and without the table prefix (`messages`), for index, trigger and function names. */
  readonly prefix: string;
  /** The new tsvector expression over the columns of a row reference (`''` or `'NEW.'`). */
  readonly expression: (row: string) => string;
  /** The columns the expression reads: the trigger fires on updates of these only. */
  readonly sources: readonly string[];
  /** The primary key, in order, for the backfill's batches; and its value before the first row. */
  readonly key: readonly string[];
  readonly start: readonly string[];
}

/**
 * Migration 6 for one table: `search_vector` (a generated column over the old expression, with the
 * GIN index `<prefix>_search`) takes the new expression.
 *
 * On an empty table, and on the single-transaction path (PGlite, a pool of one connection), the
 * generated column is dropped and added again with the new expression and its index rebuilt: what
 * a fresh database gets, as simple as before. On a table with rows that would rewrite the table and
 * build the index under ACCESS EXCLUSIVE (minutes of blocked appends on a large deployment), so
 * instead: a nullable `search_vector_next` (catalog-only) kept equal to the new expression by a
 * BEFORE INSERT OR UPDATE OF <sources> trigger, a batched backfill, `CREATE INDEX CONCURRENTLY`
 * `<prefix>_search_next`, then one short DDL transaction (under lock_timeout) that drops the old
 * column (catalog-only; its index goes with it), renames the new column and index into place and
 * points the trigger at the renamed column. Upgraded databases keep that trigger and a plain
 * column, where fresh ones have a generated column (as migrations 4 and 5 leave them); both read
 * the same. Every state a crash can leave is recognised on the next run: `search_vector_next`
 * present (continue), `search_vector` no longer generated (already swapped: nothing to do).
 */
function searchVectorUpgrade(n: SqlNames, spec: SearchVectorTable): MigrationStep {
  const { table, prefix } = spec;
  const fn = `"${n.schema}".${n.index(`${prefix}_search_vector_fn`)}`;
  const trigger = n.index(`${prefix}_search_vector`);
  const createFunction = (column: string) =>
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN NEW.${column} := ${spec.expression('NEW.')}; RETURN NEW; END $fn$`;
  const columnState = async (sql: SqlQueryable) => {
    const rows = (
      await sql.query<{ column_name: string; generated: boolean }>(
        `SELECT attname AS column_name, attgenerated <> '' AS generated FROM pg_attribute
         WHERE attrelid = $1::regclass AND attname IN ('search_vector', 'search_vector_next') AND NOT attisdropped`,
        [table],
        { prepare: false },
      )
    ).rows;
    return { next: rows.some((row) => row.column_name === 'search_vector_next'), generated: rows.some((row) => row.column_name === 'search_vector' && row.generated) };
  };
  const keyList = spec.key.join(', ');
  const keyParameters = spec.key.map((column, index) => `$${index + 1}::${column === 'seq' ? 'bigint' : 'text'}`).join(', ');
  const swap: MigrationStep = {
    kind: 'ddl',
    apply: async (sql) => {
      await sql.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      if (!(await columnState(sql)).next) return;
      // Catalog-only: a dropped column is only marked so; its GIN index is dropped with it.
      await sql.query(`ALTER TABLE ${table} DROP COLUMN IF EXISTS search_vector`);
      await sql.query(`ALTER TABLE ${table} RENAME COLUMN search_vector_next TO search_vector`);
      await sql.query(`ALTER INDEX "${n.schema}".${n.index(`${prefix}_search_next`)} RENAME TO ${n.index(`${prefix}_search`)}`);
      // plpgsql looks NEW's fields up by name when it runs: the function must name the new column.
      await sql.query(createFunction('search_vector'));
    },
  };
  return {
    kind: 'plan',
    choose: async ({ online, ddl }) => {
      let path: 'done' | 'online' = 'done';
      await ddl(async (sql) => {
        // Under the lock, so no row can arrive between the emptiness check and the DDL.
        await sql.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
        const state = await columnState(sql);
        if (!state.next && !state.generated) return; // swapped by a run that crashed before recording the version
        const empty = (await sql.query(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS empty`)).rows[0]?.empty === true;
        if (!state.next && (empty || !online)) {
          await sql.query(`ALTER TABLE ${table} DROP COLUMN search_vector`);
          await sql.query(`ALTER TABLE ${table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ${spec.expression('')} STORED`);
          await sql.query(`CREATE INDEX ${n.index(`${prefix}_search`)} ON ${table} USING gin (search_vector)`);
          return;
        }
        await sql.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS search_vector_next tsvector`);
        await sql.query(createFunction('search_vector_next'));
        await sql.query(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
        await sql.query(`CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE OF ${spec.sources.join(', ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
        path = 'online';
      });
      if (path === 'done') return [];
      return [
        {
          kind: 'backfill',
          table,
          start: spec.start,
          // A no-op update of a source column fires the trigger. Batches of 2,000 rows in key order.
          sql: `WITH batch AS (
              SELECT ${keyList} FROM ${table} WHERE (${keyList}) > (${keyParameters}) ORDER BY ${keyList} LIMIT 2000
            ), filled AS (
              UPDATE ${table} t SET ${spec.sources[0]} = t.${spec.sources[0]} FROM batch b
              WHERE ${spec.key.map((column) => `t.${column} = b.${column}`).join(' AND ')} AND t.search_vector_next IS NULL
            )
            SELECT ${keyList} FROM batch ORDER BY ${spec.key.map((column) => `${column} DESC`).join(', ')} LIMIT 1`,
        },
        {
          kind: 'create-index',
          name: `${prefix}_search_next`,
          table,
          sql: (concurrently) => `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${n.index(`${prefix}_search_next`)} ON ${table} USING gin (search_vector_next)`,
        },
        swap,
      ];
    },
  };
}
