import type { Scope } from '../../types.js';
import { toStoreError } from './driver-errors.js';
import type { SqlExecutor, SqlQueryable } from './sql-client.js';
import type { SqlNames } from './sql-names.js';

/** What every part of the PostgreSQL store shares: the executor, table names, clock and the RLS switch. */
export interface StoreContext {
  readonly executor: SqlExecutor;
  readonly names: SqlNames;
  readonly clock: { now(): number };
  /** Set `llm_context.tenant_id` (transaction-local) before every scoped statement. */
  readonly rowLevelSecurity: boolean;
  /** The embeddings table exists (pgvector present): deletes must clear message embeddings too. */
  readonly vectorTable: boolean;
  /**
   * Runs `work` for `operation` and maps driver errors to typed errors. With `transaction: true`
   * (or row-level security on) everything runs in one transaction: all or nothing.
   */
  run<T>(operation: string, scope: Scope | null, work: (sql: SqlQueryable) => Promise<T>, options?: { transaction?: boolean; repeatableRead?: boolean }): Promise<T>;
}

export function createStoreContext(options: {
  executor: SqlExecutor;
  names: SqlNames;
  clock: { now(): number };
  rowLevelSecurity: boolean;
  vectorTable: boolean;
  name: string;
}): StoreContext {
  const { executor, rowLevelSecurity } = options;
  return {
    ...options,
    async run(operation, scope, work, runOptions = {}) {
      try {
        if (!runOptions.transaction && !(rowLevelSecurity && scope)) return await work(executor);
        return await executor.transaction(async (tx) => {
          // Must be the transaction's first statement.
          if (runOptions.repeatableRead) await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
          if (rowLevelSecurity && scope) await tx.query(`SELECT set_config('llm_context.tenant_id', $1, true)`, [scope.tenantId]);
          return work(tx);
        });
      } catch (error) {
        throw toStoreError(error, operation, options.name);
      }
    },
  };
}

/** `user_id` column value for a scope: `''` means user-less (ids are never empty). */
export function userKey(scope: Scope): string {
  return scope.userId ?? '';
}

/** Timestamp parameter from a clock reading (ms); bound as text, cast in SQL with `::timestamptz`. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** int8 columns arrive as strings (node-postgres) or numbers (PGlite). */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
