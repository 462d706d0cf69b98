import type pg from 'pg';

/** Words of the seeded memories: `common` is in every one, each `rare-k` in one memory of 2,000. */
export const MEMORY_COMMON_QUERY = 'customer prefers';
export const MEMORY_RARE_QUERIES = ['zebra', 'quokka', 'axolotl', 'narwhal'];

/**
 * Inserts `count` memories for one owner straight into the store's table (generate_series, one
 * statement), plus `others` memories spread over 50 other tenants that share the same words, so the
 * global GIN index holds postings of other tenants too. Texts vary over a 40-word topic list.
 */
export async function seedMemories(pool: pg.Pool, table: string, owner: { tenantId: string; userId: string }, count: number, others = 0): Promise<void> {
  const rare = `(ARRAY[${MEMORY_RARE_QUERIES.map((word) => `'${word}'`).join(', ')}])[1 + (g / 2000) % ${MEMORY_RARE_QUERIES.length}]`;
  const text = `'customer prefers ' || (ARRAY['email','phone','chat','mornings','evenings','invoices','refunds','express','gift','wrap','vegan','spicy','window','aisle','metric','imperial','french','german','spanish','dark mode','large print','weekly','monthly','paper','digital','cash','card','crypto','pickup','delivery','quiet','loud','short','long','formal','casual','tea','coffee','cats','dogs'])[1 + g % 40]
    || ' note ' || g || CASE WHEN g % 2000 = 0 THEN ' ' || ${rare} ELSE '' END`;
  const insert = (tenant: string, user: string, rows: number, idPrefix: string) =>
    pool.query(
      `INSERT INTO ${table} (tenant_id, user_id, id, key, text, tags, pinned, source, metadata, token_counts, content_hash, created_at, updated_at)
       SELECT ${tenant}, ${user}, '${idPrefix}' || g, NULL, ${text}, '{}', false, NULL, '{}', '{"o200k_base": 12}', md5(g::text),
              now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
       FROM generate_series(1, ${rows}) g`,
    );
  await insert(`'${owner.tenantId}'`, `'${owner.userId}'`, count, 'mem-');
  if (others > 0) await insert(`'other-' || (g % 50)`, `'user'`, others, 'other-');
  // VACUUM flushes the GIN pending list, as autovacuum would on a live table.
  await pool.query(`VACUUM ANALYZE ${table}`);
}
