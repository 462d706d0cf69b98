import { NotFoundError, ValidationError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../spec/cursor.js';
import type { MemoryDriver } from '../define-store/driver.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import { json, MEMORY_COLUMNS, memoryFromRow } from './rows.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';
import { tsQuerySql } from './text-search.js';

/**
 * How many matches memory search ranks at most (the owner's most recently updated ones): ranking
 * costs a few µs a match, so 1,000 keeps a search within a few ms at any number of memories, and
 * covers every match of an owner with up to a few thousand memories.
 */
export const MEMORY_SEARCH_CANDIDATES = 1000;

/** How many of the owner's newest memories search reads from the owner index before it asks the GIN index. */
export const MEMORY_SEARCH_WINDOW = 2 * MEMORY_SEARCH_CANDIDATES;

/**
 * Long-term memories in one table keyed `(tenant_id, id)`, upserted by `(tenant_id, user_id, key)`
 * (a partial unique index), searched with the same full-text setup as messages.
 */
export function createMemoryTable(context: StoreContext): MemoryDriver {
  const { names } = context;

  return {
    async put(scope: Scope, memory: NewMemory): Promise<Memory> {
      const now = timestamp(context.clock.now());
      const values = [
        scope.tenantId,
        userKey(scope),
        memory.id,
        memory.key ?? null,
        memory.text,
        [...memory.tags],
        memory.pinned,
        memory.source === undefined ? null : json(memory.source),
        json(memory.metadata),
        json(memory.tokenCounts),
        memory.contentHash,
        now,
      ];
      const columns = `(tenant_id, user_id, id, key, text, tags, pinned, source, metadata, token_counts, content_hash, created_at, updated_at)`;
      const select = `SELECT $1, $2, $3, $4, $5, $6::text[], $7::boolean, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12::timestamptz, $12::timestamptz`;
      const update = `text = excluded.text, tags = excluded.tags, pinned = excluded.pinned, source = excluded.source, metadata = excluded.metadata,
        token_counts = excluded.token_counts, content_hash = excluded.content_hash, updated_at = excluded.updated_at`;
      return context.run('memories.put', scope, async (sql) => {
        // With a key: upsert on the owner's key (the stored id is kept). Without: upsert by id within the owner.
        const conflict = memory.key !== undefined ? `(tenant_id, user_id, key) WHERE key IS NOT NULL` : `(tenant_id, id)`;
        const ownerGuard = memory.key !== undefined ? '' : `WHERE mm.user_id = excluded.user_id`;
        const result = await sql.query(
          `INSERT INTO ${names.memories} AS mm ${columns} ${select}
           ON CONFLICT ${conflict} DO UPDATE SET ${update} ${ownerGuard}
           RETURNING ${MEMORY_COLUMNS}`,
          values,
        );
        const row = result.rows[0];
        // An id held by another user of the tenant: report it as taken without revealing anything.
        if (!row) throw new ValidationError({ field: 'memory.id', message: 'is already used by another memory; choose another id' });
        return memoryFromRow(row);
      });
    },

    async get(scope: Scope, id: string): Promise<Memory | null> {
      return context.run('memories.get', scope, async (sql) => {
        const result = await sql.query(`SELECT ${MEMORY_COLUMNS} FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.user_id = $2 AND mm.id = $3`, [
          scope.tenantId,
          userKey(scope),
          id,
        ]);
        const row = result.rows[0];
        return row ? memoryFromRow(row) : null;
      });
    },

    async list(scope: Scope, options: Parameters<MemoryDriver['list']>[1]) {
      const { limit } = options;
      const tags = options.tags === undefined ? null : [...options.tags];
      const cursor = options.cursor === undefined ? null : decodeCursor('cursor', options.cursor);
      return context.run('memories.list', scope, async (sql) => {
        const result = await sql.query(
          `SELECT ${MEMORY_COLUMNS} FROM ${names.memories} mm
           WHERE mm.tenant_id = $1 AND mm.user_id = $2
             AND ($3::text[] IS NULL OR mm.tags @> $3::text[]) AND ($4::boolean IS NULL OR mm.pinned = $4::boolean)
             AND ($5::timestamptz IS NULL OR (mm.updated_at, mm.id) < ($5::timestamptz, $6::text))
           ORDER BY mm.updated_at DESC, mm.id DESC LIMIT $7`,
          [scope.tenantId, userKey(scope), tags, options.pinned ?? null, cursor ? timestamp(cursor.updatedAt) : null, cursor?.id ?? null, limit + 1],
        );
        const rows = result.rows.map(memoryFromRow);
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) } : {}) };
      });
    },

    async update(scope: Scope, id: string, patch) {
      const parameters: unknown[] = [scope.tenantId, userKey(scope), id, timestamp(context.clock.now())];
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      const sets = ['updated_at = $4::timestamptz'];
      if (patch.text !== undefined) sets.push(`text = ${bind(patch.text)}`);
      if (patch.tags !== undefined) sets.push(`tags = ${bind([...patch.tags])}::text[]`);
      if (patch.pinned !== undefined) sets.push(`pinned = ${bind(patch.pinned === true)}::boolean`);
      if (patch.metadata !== undefined) sets.push(`metadata = ${bind(json(patch.metadata))}::jsonb`);
      if (patch.tokenCounts !== undefined) sets.push(`token_counts = ${bind(json(patch.tokenCounts))}::jsonb`);
      if (patch.contentHash !== undefined) sets.push(`content_hash = ${bind(patch.contentHash)}`);
      return context.run('memories.update', scope, async (sql) => {
        const result = await sql.query(
          `UPDATE ${names.memories} mm SET ${sets.join(', ')} WHERE mm.tenant_id = $1 AND mm.user_id = $2 AND mm.id = $3 RETURNING ${MEMORY_COLUMNS}`,
          parameters,
        );
        const row = result.rows[0];
        if (!row) throw new NotFoundError({ kind: 'memory', id });
        return memoryFromRow(row);
      });
    },

    async delete(scope: Scope, id: string): Promise<boolean> {
      return context.run(
        'memories.delete',
        scope,
        async (sql) => {
          const deleted = await sql.query(`DELETE FROM ${names.memories} WHERE tenant_id = $1 AND user_id = $2 AND id = $3 RETURNING id`, [scope.tenantId, userKey(scope), id]);
          if (deleted.rows.length === 0) return false;
          if (context.vectorTable) await sql.query(`DELETE FROM ${names.embeddings} WHERE tenant_id = $1 AND kind = 'memory' AND target_id = $2`, [scope.tenantId, id]);
          return true;
        },
        { transaction: true },
      );
    },

    /**
     * Full-text search ranked by `ts_rank_cd` over at most {@link MEMORY_SEARCH_CANDIDATES} matches
     * (the owner's most recently updated ones), so its cost is bounded by an index whatever the term:
     * 1. Read the owner's newest {@link MEMORY_SEARCH_WINDOW} memories from the owner index
     *    `(tenant_id, user_id, updated_at DESC, id DESC)`. If they hold MEMORY_SEARCH_CANDIDATES
     *    matches (a common term), or are all the owner has, rank those.
     * 2. Otherwise (a rarer term) take the matches from the GIN full-text index on `search_vector`,
     *    newest MEMORY_SEARCH_CANDIDATES first.
     * The choice uses counts, not planner estimates, so it holds on tables without statistics.
     * Planned per call (`prepare: false`) so the tsquery is a constant the planner matches to the
     * GIN index. Full rows are read only for the top `limit`.
     */
    async search(scope: Scope, options: Parameters<MemoryDriver['search']>[1]) {
      const { query, limit } = options;
      const tags = options.tags === undefined ? null : [...options.tags];
      const tsQuery = tsQuerySql('$3', query);
      return context.run('memories.search', scope, async (sql) => {
        const result = await sql.query(
          `WITH recent AS MATERIALIZED (
             SELECT mm.id, mm.tags, mm.updated_at, mm.search_vector FROM ${names.memories} mm
             WHERE mm.tenant_id = $1 AND mm.user_id = $2
             ORDER BY mm.updated_at DESC, mm.id DESC
             LIMIT ${MEMORY_SEARCH_WINDOW}
           ),
           recent_hits AS MATERIALIZED (
             SELECT r.id, r.updated_at, r.search_vector FROM recent r
             WHERE ts_match_vq(r.search_vector, ${tsQuery}) AND ($4::text[] IS NULL OR r.tags @> $4::text[])
             LIMIT ${MEMORY_SEARCH_CANDIDATES}
           ),
           settled AS (
             SELECT (SELECT count(*) FROM recent_hits) >= ${MEMORY_SEARCH_CANDIDATES} OR (SELECT count(*) FROM recent) < ${MEMORY_SEARCH_WINDOW} AS done
           ),
           candidates AS (
             SELECT h.* FROM recent_hits h WHERE (SELECT done FROM settled)
             UNION ALL
             SELECT g.* FROM (
               SELECT mm.id, mm.updated_at, mm.search_vector FROM ${names.memories} mm
               -- The planner picks the GIN index for a term rare in the table, or the owner index (newest
               -- first, stopping after the candidates) for a term common elsewhere; never the whole table.
               WHERE mm.search_vector @@ ${tsQuery} AND mm.tenant_id = $1 AND mm.user_id = $2 AND ($4::text[] IS NULL OR mm.tags @> $4::text[])
               ORDER BY mm.updated_at DESC, mm.id DESC
               LIMIT ${MEMORY_SEARCH_CANDIDATES}
             ) g
             WHERE NOT (SELECT done FROM settled)
           ),
           top AS (
             SELECT k.id, ts_rank_cd(k.search_vector, ${tsQuery}) AS score, k.updated_at FROM candidates k
             ORDER BY score DESC, k.updated_at DESC, k.id
             LIMIT $5
           )
           SELECT ${MEMORY_COLUMNS}, top.score FROM top
           JOIN ${names.memories} mm ON mm.tenant_id = $1 AND mm.id = top.id
           ORDER BY top.score DESC, mm.updated_at DESC, mm.id`,
          [scope.tenantId, userKey(scope), query, tags, limit],
          { prepare: false },
        );
        return result.rows.map((row) => ({ memory: memoryFromRow(row), score: Number(row.score) }));
      });
    },
  };
}
