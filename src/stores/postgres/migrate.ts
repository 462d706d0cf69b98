import { hnswIndexSql, MIGRATIONS, RLS_MIGRATION, type MigrationContext, type MigrationStep } from './migrations.js';
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
 * How long a DDL step waits for its table lock before giving up and retrying (ms). While a DDL
 * statement waits for ACCESS EXCLUSIVE, every later statement on that table queues behind it, so
 * this bounds how long a migration can stall appends; the PostgreSQL docs' and common practice
 * (e.g. GitLab's migration helpers) use a lock timeout of this order, with retries.
 */
export const DDL_LOCK_TIMEOUT_MS = 200;
/** Attempts of one DDL step before `migrate()` fails (with a jittered pause of up to 1 s between). */
const DDL_ATTEMPTS = 60;

interface MigrationOptions {
  executor: SqlExecutor;
  names: SqlNames;
  vectorIndexDimensions: readonly number[];
  rowLevelSecurity: boolean;
  now: () => number;
}

/** Where the steps run: on one connection outside a transaction (online), or inside the one transaction. */
interface StepRunner {
  readonly online: boolean;
  readonly sql: SqlQueryable;
  /** Runs `work` in a short transaction under `lock_timeout`, retried while the lock is not granted. */
  ddl(work: (sql: SqlQueryable) => Promise<void>): Promise<void>;
}

/**
 * Applies pending migrations under an advisory lock, so two processes migrating at once are safe:
 * the second waits, then finds nothing left to do. Also tries `CREATE EXTENSION IF NOT EXISTS
 * vector` (in a savepoint, so its failure changes nothing else) and creates the per-dimension HNSW
 * indexes.
 *
 * On node-postgres the run is online: one connection holds `pg_advisory_xact_lock` in an open
 * transaction that touches no table (so it holds back neither vacuum nor `CREATE INDEX
 * CONCURRENTLY`, and it works through a transaction-mode pooler, unlike a session lock), while a
 * second connection runs each step: DDL in short transactions under a lock timeout, backfills in
 * batches, indexes built concurrently (see {@link MigrationStep}). A crash part-way leaves the
 * version unrecorded and the next run finishes the steps (each is idempotent). On PGlite (one
 * connection, no concurrent writers) and on a pool of one connection, everything runs in one
 * transaction, as before.
 *
 * Operational note: `CREATE INDEX CONCURRENTLY` waits for every transaction in the database that
 * holds an older snapshot (PostgreSQL docs, "Building Indexes Concurrently"), so a long-running
 * transaction anywhere in the database, or a process of an older llm-context version blocked in
 * `pg_advisory_xact_lock`, makes `migrate()` wait for it; appends are not blocked meanwhile.
 */
export async function runMigrations(options: MigrationOptions): Promise<MigrationReport> {
  const { executor } = options;
  const connection = executor.connection;
  if (!connection) {
    return executor.transaction(async (tx) => {
      await acquireMigrationLock(tx);
      return applyPending(options, { online: false, sql: tx, ddl: (work) => work(tx) });
    });
  }
  return executor.transaction(async (holder) => {
    await acquireMigrationLock(holder);
    return connection((sql) => applyPending(options, { online: true, sql, ddl: (work) => shortTransaction(sql, work) }));
  });
}

/**
 * Takes the migration lock for the rest of `tx`. Polled, not waited for: a statement waiting for
 * the lock holds a snapshot, and CREATE INDEX CONCURRENTLY in the process holding the lock waits for
 * every older snapshot to go away — an undetected deadlock across backends. No parameters either:
 * node-postgres then uses the simple query protocol, which leaves no open portal (and so no
 * snapshot) in the idle transaction that holds the lock.
 */
async function acquireMigrationLock(tx: SqlQueryable): Promise<void> {
  while (!(await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('${LOCK_KEY}')::bigint) AS locked`)).rows[0]?.locked) {
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
  }
}

async function applyPending(options: MigrationOptions, runner: StepRunner): Promise<MigrationReport> {
  const { names } = options;
  let vectorAvailable = false;
  let done = new Set<number>();
  await runner.ddl(async (sql) => {
    await sql.query(`CREATE SCHEMA IF NOT EXISTS "${names.schema}"`);
    await sql.query(`CREATE TABLE IF NOT EXISTS ${names.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
    vectorAvailable = await ensureVectorExtension(sql);
    done = new Set((await sql.query<{ version: number }>(`SELECT version FROM ${names.migrations}`)).rows.map((row) => Number(row.version)));
  });
  const context: MigrationContext = { vectorAvailable, vectorIndexDimensions: options.vectorIndexDimensions, rowLevelSecurity: options.rowLevelSecurity };
  const applied: number[] = [];
  for (const migration of [...MIGRATIONS, RLS_MIGRATION]) {
    if (done.has(migration.version) || (migration.when && !migration.when(context))) continue;
    const record = (sql: SqlQueryable) =>
      sql.query(`INSERT INTO ${names.migrations} (version, name, applied_at) VALUES ($1, $2, $3::timestamptz) ON CONFLICT (version) DO NOTHING`, [
        migration.version,
        migration.name,
        new Date(options.now()).toISOString(),
      ]);
    if (migration.sql) {
      const statements = migration.sql(names, context);
      await runner.ddl(async (sql) => {
        for (const statement of statements) await sql.query(statement);
        await record(sql);
      });
    } else {
      for (const step of migration.steps?.(names, context) ?? []) await runStep(names, runner, step);
      await runner.ddl(async (sql) => void (await record(sql)));
    }
    applied.push(migration.version);
    done.add(migration.version);
  }
  if (vectorAvailable) {
    for (const dimensions of options.vectorIndexDimensions) {
      await runStep(names, runner, { kind: 'create-index', name: `embeddings_hnsw_${dimensions}`, table: names.embeddings, sql: (concurrently) => hnswIndexSql(names, dimensions, concurrently) });
    }
  }
  return { applied, current: [...done].sort((a, b) => a - b), vectorAvailable };
}

async function runStep(names: SqlNames, runner: StepRunner, step: MigrationStep): Promise<void> {
  const { sql } = runner;
  const qualified = `"${names.schema}".${names.index(step.kind === 'create-index' || step.kind === 'drop-index' ? step.name : '')}`;
  switch (step.kind) {
    case 'ddl':
      return runner.ddl(step.apply);
    case 'backfill': {
      let last: unknown[] = [...(step.start ?? ['', ''])];
      for (;;) {
        const row = (await sql.query<Record<string, unknown>>(step.sql, last, { prepare: false })).rows[0];
        if (!row) return;
        last = Object.values(row);
      }
    }
    case 'plan':
      for (const next of await step.choose({ online: runner.online, ddl: (work) => runner.ddl(work) })) await runStep(names, runner, next);
      return;
    case 'create-index': {
      if (!runner.online) return void (await sql.query(step.sql(false)));
      const existing = (await sql.query<{ valid: boolean }>(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)`, [qualified], { prepare: false })).rows[0];
      if (existing?.valid) return;
      // An interrupted CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would keep.
      if (existing) await sql.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
      const empty = (await sql.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${step.table}) AS empty`)).rows[0]?.empty === true;
      if (empty) return runner.ddl(async (tx) => void (await tx.query(step.sql(false))));
      await sql.query(step.sql(true));
      return;
    }
    case 'drop-index':
      await sql.query(`DROP INDEX ${runner.online ? 'CONCURRENTLY ' : ''}IF EXISTS ${qualified}`);
  }
}

/** BEGIN; SET LOCAL lock_timeout; work; COMMIT — retried when a lock was not granted in time (SQLSTATE 55P03). */
async function shortTransaction(sql: SqlQueryable, work: (sql: SqlQueryable) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await sql.query('BEGIN');
    try {
      await sql.query(`SET LOCAL lock_timeout = ${DDL_LOCK_TIMEOUT_MS}`);
      await work(sql);
      await sql.query('COMMIT');
      return;
    } catch (error) {
      await sql.query('ROLLBACK');
      if ((error as { code?: unknown }).code !== '55P03' || attempt >= DDL_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 900));
    }
  }
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
