import pg from 'pg';

/**
 * The PostgreSQL server the integration tests use (`DATABASE_URL`, default the local trust-auth
 * server). `serverReachable` is checked once per file: on CI an unreachable server is an error
 * (tests must not silently skip there); on a dev machine the suites skip with a one-line reason.
 */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function checkServer(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${DATABASE_URL.replace(/\/\/[^@]*@/, '//…@')} is unreachable on CI: ${String(error)}`);
    console.warn(`skipping PostgreSQL tests: no server at DATABASE_URL (${String((error as Error).message)})`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name unique to this test file run. */
export function uniqueSchema(label: string): string {
  return `lc_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export function createPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: DATABASE_URL, max });
}

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
