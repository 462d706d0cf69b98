import { expiryBucketSql, recencySql } from './recency.js';
import type { SqlNames } from './sql-names.js';
import { MEMORY_TSVECTOR_SQL, MESSAGE_TSVECTOR_SQL, MESSAGE_TSVECTOR_SQL_V1, TEXT_SEARCH_CONFIG } from './text-search.js';

/**
 * The ordered schema migrations. Each runs once, inside the single transaction of `migrate()`, and
 * is recorded in the bookkeeping table. Never edit an applied migration: append a new one.
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
  readonly sql: (names: SqlNames, context: MigrationContext) => string[];
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
    sql: (n) => [
      `ALTER TABLE ${n.conversations} ADD COLUMN recency bigint GENERATED ALWAYS AS (${recencySql('updated_at')}) STORED`,
      `CREATE INDEX ${n.index('conversations_owner_recency')} ON ${n.conversations} (tenant_id, user_id, recency DESC, id DESC)`,
      `CREATE INDEX ${n.index('conversations_parent_recency')} ON ${n.conversations} (tenant_id, user_id, parent_id, recency DESC, id DESC) WHERE parent_id IS NOT NULL`,
      `DROP INDEX "${n.schema}".${n.index('conversations_owner_updated')}`,
      `DROP INDEX "${n.schema}".${n.index('conversations_parent')}`,
    ],
  },
  {
    version: 5,
    name: 'expiry index on minute buckets, fillfactor 80 (HOT appends, also with a sliding TTL)',
    // See recency.ts: a sliding TTL moves expires_at on every append; the sweep's index now holds
    // a key that changes at most once a minute.
    sql: (n) => [
      `ALTER TABLE ${n.conversations} ADD COLUMN expiry_bucket bigint GENERATED ALWAYS AS (${expiryBucketSql('expires_at')}) STORED`,
      `CREATE INDEX ${n.index('conversations_expiry_bucket')} ON ${n.conversations} (expiry_bucket, tenant_id, id) WHERE expiry_bucket IS NOT NULL`,
      `DROP INDEX "${n.schema}".${n.index('conversations_expiry')}`,
      // Every append updates its conversation row; a HOT update needs room on the row's own page,
      // so pages keep 20% free (the PostgreSQL docs' advice for heavily updated tables). Applies to
      // pages written from now on.
      `ALTER TABLE ${n.conversations} SET (fillfactor = 80)`,
    ],
  },
  {
    version: 6,
    name: 'full-text search over CJK character bigrams (the terms of the in-memory analyzer)',
    // See text-search.ts: a CJK run without spaces was one lexeme, so "订单" did not find
    // "我的订单在哪里". Dropping the generated column drops its GIN index; both are rebuilt.
    sql: (n) => [
      `ALTER TABLE ${n.messages} DROP COLUMN search_vector`,
      `ALTER TABLE ${n.messages} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ${MESSAGE_TSVECTOR_SQL} STORED`,
      `CREATE INDEX ${n.index('messages_search')} ON ${n.messages} USING gin (search_vector)`,
      `ALTER TABLE ${n.memories} DROP COLUMN search_vector`,
      `ALTER TABLE ${n.memories} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ${MEMORY_TSVECTOR_SQL} STORED`,
      `CREATE INDEX ${n.index('memories_search')} ON ${n.memories} USING gin (search_vector)`,
    ],
  },
];

/** Row-level security, applied when the store is created with `rowLevelSecurity: true`. */
export const RLS_MIGRATION: Migration = {
  version: 100,
  name: 'row-level security by llm_context.tenant_id',
  when: (context) => context.rowLevelSecurity,
  sql: (n, context) => {
    const tables = [n.conversations, n.messages, n.summaries, n.memories, ...(context.vectorAvailable ? [n.embeddings] : [])];
    return tables.flatMap((table) => [
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      // FORCE: the table owner is subject to the policy too (only superusers and BYPASSRLS roles are not).
      `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
      // current_setting(..., true) is NULL when unset, and NULL never equals: no setting, no rows.
      `CREATE POLICY ${n.index('tenant_isolation')} ON ${table} USING (tenant_id = current_setting('llm_context.tenant_id', true)) WITH CHECK (tenant_id = current_setting('llm_context.tenant_id', true))`,
    ]);
  },
};

/** Name of the HNSW index for one vector dimension. */
export function hnswIndexSql(n: SqlNames, dimensions: number): string {
  return `CREATE INDEX IF NOT EXISTS ${n.index(`embeddings_hnsw_${dimensions}`)} ON ${n.embeddings} USING hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) WHERE dimensions = ${dimensions}`;
}
