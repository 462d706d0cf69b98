import type pg from 'pg';
import { MIGRATIONS } from '../../src/stores/postgres/migrations.js';
import { expiryBucketSql, recencySql } from '../../src/stores/postgres/recency.js';
import type { SqlNames } from '../../src/stores/postgres/sql-names.js';
import { MEMORY_TSVECTOR_SQL, MESSAGE_TSVECTOR_SQL } from '../../src/stores/postgres/text-search.js';
import { createSqlNames } from '../../src/stores/postgres/sql-names.js';

/**
 * Migrations 4, 5 and 6 exactly as released (single-transaction DDL that rewrites the conversations
 * table, and for 6 the messages and memories tables): the reference for "a fresh database ends in
 * the same schema as before" and the way to build a database that is already at version 6.
 */
export function releasedMigrationSql(n: SqlNames): Record<4 | 5 | 6, string[]> {
  return {
    4: [
      `ALTER TABLE ${n.conversations} ADD COLUMN recency bigint GENERATED ALWAYS AS (${recencySql('updated_at')}) STORED`,
      `CREATE INDEX ${n.index('conversations_owner_recency')} ON ${n.conversations} (tenant_id, user_id, recency DESC, id DESC)`,
      `CREATE INDEX ${n.index('conversations_parent_recency')} ON ${n.conversations} (tenant_id, user_id, parent_id, recency DESC, id DESC) WHERE parent_id IS NOT NULL`,
      `DROP INDEX "${n.schema}".${n.index('conversations_owner_updated')}`,
      `DROP INDEX "${n.schema}".${n.index('conversations_parent')}`,
    ],
    5: [
      `ALTER TABLE ${n.conversations} ADD COLUMN expiry_bucket bigint GENERATED ALWAYS AS (${expiryBucketSql('expires_at')}) STORED`,
      `CREATE INDEX ${n.index('conversations_expiry_bucket')} ON ${n.conversations} (expiry_bucket, tenant_id, id) WHERE expiry_bucket IS NOT NULL`,
      `DROP INDEX "${n.schema}".${n.index('conversations_expiry')}`,
      `ALTER TABLE ${n.conversations} SET (fillfactor = 80)`,
    ],
    6: [
      `ALTER TABLE ${n.messages} DROP COLUMN search_vector`,
      `ALTER TABLE ${n.messages} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ${MESSAGE_TSVECTOR_SQL} STORED`,
      `CREATE INDEX ${n.index('messages_search')} ON ${n.messages} USING gin (search_vector)`,
      `ALTER TABLE ${n.memories} DROP COLUMN search_vector`,
      `ALTER TABLE ${n.memories} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ${MEMORY_TSVECTOR_SQL} STORED`,
      `CREATE INDEX ${n.index('memories_search')} ON ${n.memories} USING gin (search_vector)`,
    ],
  };
}

/**
 * Builds the schema as a released version did, up to `through` (3, 5, 6 or 7), recording the versions
 * (no pgvector table: `vectorAvailable` false, like a server without the extension).
 */
export async function migrateAsReleased(pool: pg.Pool, options: { schema: string; tablePrefix?: string; through: 3 | 5 | 6 | 7 }): Promise<SqlNames> {
  const n = createSqlNames(options);
  const context = { vectorAvailable: false, vectorIndexDimensions: [], rowLevelSecurity: false };
  const released = releasedMigrationSql(n);
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${n.schema}"`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${n.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
  for (const migration of MIGRATIONS) {
    if (migration.version > options.through) break;
    const statements = migration.version === 4 || migration.version === 5 || migration.version === 6 ? released[migration.version] : migration.sql?.(n, context) ?? [];
    if (migration.when && !migration.when(context)) continue;
    for (const statement of statements) await pool.query(statement);
    await pool.query(`INSERT INTO ${n.migrations} (version, name, applied_at) VALUES ($1, $2, now())`, [migration.version, migration.name]);
  }
  return n;
}

/**
 * A comparable description of one store's schema: columns (type, nullability, default,
 * generation), indexes, constraints, triggers, functions and table options, with the schema name
 * replaced by `<schema>` so two schemas compare equal when they are alike.
 */
export async function describeSchema(pool: pg.Pool, schema: string): Promise<string[]> {
  const rows = await pool.query<{ line: string }>(
    `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END
            || coalesce(' default ' || column_default, '') || CASE WHEN is_generated = 'ALWAYS' THEN ' generated ' || generation_expression ELSE '' END AS line
     FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'llmctx_migrations'
     UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = $1
     UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::regnamespace
     UNION ALL SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)
     UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = $1::regnamespace
     UNION ALL SELECT 'table ' || relname || ' ' || coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'r'
     UNION ALL SELECT 'invalid index ' || indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid AND indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)`,
    [schema],
  );
  return rows.rows.map((row) => row.line.replaceAll(`"${schema}"`, '<schema>').replaceAll(`${schema}.`, '<schema>.')).sort();
}
