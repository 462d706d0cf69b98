import { hnswIndexSql, MIGRATIONS, RLS_MIGRATION, type MigrationContext } from './migrations.js';
import type { SqlExecutor, SqlQueryable } from './sql-client.js';
import type { SqlNames } from './sql-names.js';

/** What {@link runMigrations} did. */
export interface MigrationReport {
  /** Versions applied by this call, in order (empty when the schema was already current). */
  readonly applied: readonly number[];
  /** Every version recorded after this call. */
  readonly current: readonly number[];
  readonly vectorAvailable: boolean;
}

/**
 * One key for every llm-context migration in the database: migrations also create schemas and
 * extensions, which are database-wide, so two app servers (or two stores) never run DDL at once.
 */
const LOCK_KEY = 'llm-context:migrate';

/**
 * Applies pending migrations in one transaction under `pg_advisory_xact_lock`, so two processes
 * migrating at once are safe: the second waits, then finds nothing left to do. Also tries
 * `CREATE EXTENSION IF NOT EXISTS vector` (in a savepoint, so its failure changes nothing else)
 * and creates the per-dimension HNSW indexes.
 */
export async function runMigrations(options: {
  executor: SqlExecutor;
  names: SqlNames;
  vectorIndexDimensions: readonly number[];
  rowLevelSecurity: boolean;
  now: () => number;
}): Promise<MigrationReport> {
  const { executor, names } = options;
  return executor.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1)::bigint)', [LOCK_KEY]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS "${names.schema}"`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${names.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
    const vectorAvailable = await ensureVectorExtension(tx);
    const context: MigrationContext = { vectorAvailable, vectorIndexDimensions: options.vectorIndexDimensions, rowLevelSecurity: options.rowLevelSecurity };
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${names.migrations}`)).rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of [...MIGRATIONS, RLS_MIGRATION]) {
      if (done.has(migration.version) || (migration.when && !migration.when(context))) continue;
      for (const statement of migration.sql(names, context)) await tx.query(statement);
      await tx.query(`INSERT INTO ${names.migrations} (version, name, applied_at) VALUES ($1, $2, $3::timestamptz)`, [
        migration.version,
        migration.name,
        new Date(options.now()).toISOString(),
      ]);
      applied.push(migration.version);
      done.add(migration.version);
    }
    if (vectorAvailable) {
      for (const dimensions of options.vectorIndexDimensions) await tx.query(hnswIndexSql(names, dimensions));
    }
    return { applied, current: [...done].sort((a, b) => a - b), vectorAvailable };
  });
}

/** True when the `vector` extension exists or could be created now. */
async function ensureVectorExtension(tx: SqlQueryable): Promise<boolean> {
  const installed = await tx.query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
  if (installed.rows.length > 0) return true;
  await tx.query('SAVEPOINT llm_context_vector');
  try {
    await tx.query('CREATE EXTENSION IF NOT EXISTS vector');
    await tx.query('RELEASE SAVEPOINT llm_context_vector');
    return true;
  } catch {
    // Not installed on this server, or no privilege: the store reports vector search as absent.
    await tx.query('ROLLBACK TO SAVEPOINT llm_context_vector');
    return false;
  }
}

/**
 * Whether vector search can work, checked once when the store is created: the extension is
 * installed, or listed as available to `CREATE EXTENSION` (which `migrate()` will run).
 */
export async function detectVector(sql: SqlQueryable): Promise<{ available: boolean; iterativeScan: boolean }> {
  const result = await sql.query<{ installed: string | null; available: string | null }>(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available`,
  );
  const row = result.rows[0];
  const version = row?.installed ?? row?.available ?? null;
  if (version === null) return { available: false, iterativeScan: false };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  // hnsw.iterative_scan (keeps scanning until enough rows pass the scope filter) exists from pgvector 0.8.0.
  return { available: true, iterativeScan: major > 0 || minor >= 8 };
}

/** Versions recorded in the bookkeeping table, or null when `migrate()` has never run. */
export async function appliedVersions(sql: SqlQueryable, names: SqlNames): Promise<number[] | null> {
  const exists = await sql.query(`SELECT to_regclass($1) AS table`, [names.migrations]);
  if ((exists.rows[0] as { table: unknown } | undefined)?.table == null) return null;
  return (await sql.query<{ version: number }>(`SELECT version FROM ${names.migrations} ORDER BY version`)).rows.map((row) => Number(row.version));
}
