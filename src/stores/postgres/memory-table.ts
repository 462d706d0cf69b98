import { NotFoundError, ValidationError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../spec/cursor.js';
import type { MemoryDriver } from '../define-store/driver.js';
import type { Memory, NewMemory, Scope } from '../../types.js';

type Row = Record<string, unknown>;
import { json, MEMORY_COLUMNS, MEMORY_VERSION_COLUMNS, memoryFromRow } from './rows.js';
import type { SqlQueryable } from './sql-client.js';
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
 * Long-term memories in one table keyed `(tenant_id, id)`, with a unique key per owner
 * `(tenant_id, user_id, key)` (a partial unique index), searched with the same full-text setup as
 * messages. Superseded versions live in `memory_versions` (migration 7), keyed
 * `(tenant_id, id, version)`. Writes match the owner exactly (`user_id = $2`); reads of a user also
 * match the tenant's shared rows (`user_id IN ($2, '')`, which for a tenant scope is just `''`).
 */
export function createMemoryTable(context: StoreContext): MemoryDriver {
  const { names } = context;
  const VISIBLE = `mm.tenant_id = $1 AND mm.user_id IN ($2, '')`;
  /**
   * The newest `limit` visible rows matching `filter`, newest first: one owner-index range read per
   * owner (the user's, then the tenant's shared one, skipped for a tenant scope), each stopping at
   * `limit`, merged — where `user_id IN (…) ORDER BY … LIMIT` would read and sort all of them.
   */
  const newestVisible = (columns: string, filter: string, limit: string) => `SELECT * FROM (
      (SELECT ${columns} FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.user_id = $2 AND ${filter} ORDER BY mm.updated_at DESC, mm.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT ${columns} FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.user_id = '' AND $2 <> '' AND ${filter} ORDER BY mm.updated_at DESC, mm.id DESC LIMIT ${limit})
    ) visible ORDER BY updated_at DESC, id DESC LIMIT ${limit}`;

  /**
   * Within a transaction, with `current` locked: keeps `current` as a superseded version (closed at
   * `now`) when `text` differs from its text, then applies `sets` to the row; returns the new row.
   */
  const supersede = async (sql: SqlQueryable, current: Row, text: string | undefined, now: string, sets: string[], parameters: unknown[]): Promise<Memory> => {
    const changed = text !== undefined && text !== current.text;
    if (changed) {
      await sql.query(
        `INSERT INTO ${names.memoryVersions} (tenant_id, user_id, id, key, text, tags, pinned, source, metadata, token_counts, content_hash, created_at, updated_at, valid_from, valid_to)
         SELECT mm.tenant_id, mm.user_id, mm.id, mm.key, mm.text, mm.tags, mm.pinned, mm.source, mm.metadata, mm.token_counts, mm.content_hash, mm.created_at, mm.updated_at,
                coalesce(mm.valid_from, mm.created_at), $3::timestamptz
         FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.id = $2`,
        [current.tenant_id, current.id, now],
      );
    }
    const all = [...parameters, current.tenant_id, current.id, now];
    const at = parameters.length;
    const result = await sql.query(
      `UPDATE ${names.memories} mm SET ${[...sets, `updated_at = $${at + 3}::timestamptz`, ...(changed ? [`valid_from = $${at + 3}::timestamptz`] : [])].join(', ')}
       WHERE mm.tenant_id = $${at + 1} AND mm.id = $${at + 2} RETURNING ${MEMORY_COLUMNS}`,
      all,
    );
    return memoryFromRow(result.rows[0]!);
  };

  return {
    async put(scope: Scope, memory: NewMemory, { now: at }): Promise<Memory> {
      const now = timestamp(at.getTime());
      const fields = [
        memory.text,
        [...memory.tags],
        memory.pinned,
        memory.source === undefined ? null : json(memory.source),
        json(memory.metadata),
        json(memory.tokenCounts),
        memory.contentHash,
        memory.key ?? null,
      ];
      return context.run(
        'memories.put',
        scope,
        async (sql) => {
          // Lock the memory this put updates (the owner's key, else the id), or insert; an insert that
          // loses a race to a concurrent one finds that row locked on the second pass.
          for (let attempt = 0; attempt < 2; attempt++) {
            const found = await sql.query(
              `SELECT mm.tenant_id, mm.user_id, mm.id, mm.text FROM ${names.memories} mm
               WHERE mm.tenant_id = $1 AND ((mm.user_id = $2 AND mm.key = $3::text) OR mm.id = $4)
               ORDER BY (mm.id = $4) LIMIT 1 FOR UPDATE`, // false first: the key's memory before an id match
              [scope.tenantId, userKey(scope), memory.key ?? null, memory.id],
            );
            const current = found.rows[0];
            if (current) {
              // An id held by another user of the tenant: report it as taken without revealing anything.
              if (current.user_id !== userKey(scope)) break;
              return supersede(
                sql,
                current,
                memory.text,
                now,
                ['text = $1', 'tags = $2::text[]', 'pinned = $3::boolean', 'source = $4::jsonb', 'metadata = $5::jsonb', 'token_counts = $6::jsonb', 'content_hash = $7', 'key = $8'],
                fields,
              );
            }
            const inserted = await sql.query(
              `INSERT INTO ${names.memories} AS mm (tenant_id, user_id, id, key, text, tags, pinned, source, metadata, token_counts, content_hash, created_at, updated_at, valid_from)
               SELECT $9, $10, $11, $8, $1, $2::text[], $3::boolean, $4::jsonb, $5::jsonb, $6::jsonb, $7, $12::timestamptz, $12::timestamptz, $12::timestamptz
               ON CONFLICT DO NOTHING RETURNING ${MEMORY_COLUMNS}`,
              [...fields, scope.tenantId, userKey(scope), memory.id, now],
            );
            if (inserted.rows[0]) return memoryFromRow(inserted.rows[0]);
          }
          throw new ValidationError({ field: 'memory.id', message: 'is already used by another memory; choose another id' });
        },
        { transaction: true },
      );
    },

    async get(scope: Scope, id: string): Promise<Memory | null> {
      return context.run('memories.get', scope, async (sql) => {
        const result = await sql.query(`SELECT ${MEMORY_COLUMNS} FROM ${names.memories} mm WHERE ${VISIBLE} AND mm.id = $3`, [scope.tenantId, userKey(scope), id]);
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
          newestVisible(
            MEMORY_COLUMNS,
            `($3::text[] IS NULL OR mm.tags @> $3::text[]) AND ($4::boolean IS NULL OR mm.pinned = $4::boolean)
             AND ($5::timestamptz IS NULL OR (mm.updated_at, mm.id) < ($5::timestamptz, $6::text))`,
            '$7',
          ),
          [scope.tenantId, userKey(scope), tags, options.pinned ?? null, cursor ? timestamp(cursor.updatedAt) : null, cursor?.id ?? null, limit + 1],
        );
        const rows = result.rows.map(memoryFromRow);
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) } : {}) };
      });
    },

    async update(scope: Scope, id: string, patch, { now: at }) {
      const parameters: unknown[] = [];
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      const sets: string[] = [];
      if (patch.text !== undefined) sets.push(`text = ${bind(patch.text)}`);
      if (patch.tags !== undefined) sets.push(`tags = ${bind([...patch.tags])}::text[]`);
      if (patch.pinned !== undefined) sets.push(`pinned = ${bind(patch.pinned === true)}::boolean`);
      if (patch.metadata !== undefined) sets.push(`metadata = ${bind(json(patch.metadata))}::jsonb`);
      if (patch.tokenCounts !== undefined) sets.push(`token_counts = ${bind(json(patch.tokenCounts))}::jsonb`);
      if (patch.contentHash !== undefined) sets.push(`content_hash = ${bind(patch.contentHash)}`);
      return context.run(
        'memories.update',
        scope,
        async (sql) => {
          const found = await sql.query(`SELECT mm.tenant_id, mm.id, mm.text FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.user_id = $2 AND mm.id = $3 FOR UPDATE`, [
            scope.tenantId,
            userKey(scope),
            id,
          ]);
          const current = found.rows[0];
          if (!current) throw new NotFoundError({ kind: 'memory', id });
          return supersede(sql, current, patch.text, timestamp(at.getTime()), sets, parameters);
        },
        { transaction: true },
      );
    },

    async delete(scope: Scope, id: string): Promise<boolean> {
      return context.run(
        'memories.delete',
        scope,
        async (sql) => {
          const deleted = await sql.query(`DELETE FROM ${names.memories} WHERE tenant_id = $1 AND user_id = $2 AND id = $3 RETURNING id`, [scope.tenantId, userKey(scope), id]);
          if (deleted.rows.length === 0) return false;
          await sql.query(`DELETE FROM ${names.memoryVersions} WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, id]);
          if (context.vectorTable) await sql.query(`DELETE FROM ${names.embeddings} WHERE tenant_id = $1 AND kind = 'memory' AND target_id = $2`, [scope.tenantId, id]);
          return true;
        },
        { transaction: true },
      );
    },

    /** The current row, then the superseded ones newest first: two index range reads of one id. */
    async history(scope: Scope, id: string, { limit }) {
      return context.run('memories.history', scope, async (sql) => {
        const result = await sql.query(
          `SELECT * FROM (
             SELECT ${MEMORY_COLUMNS}, NULL::timestamptz AS valid_to, NULL::bigint AS version FROM ${names.memories} mm WHERE ${VISIBLE} AND mm.id = $3
             UNION ALL
             SELECT ${MEMORY_VERSION_COLUMNS}, mv.version FROM ${names.memoryVersions} mv
             WHERE mv.tenant_id = $1 AND mv.user_id IN ($2, '') AND mv.id = $3
               AND EXISTS (SELECT 1 FROM ${names.memories} mm WHERE ${VISIBLE} AND mm.id = $3)
           ) versions
           ORDER BY version DESC NULLS FIRST LIMIT $4`,
          [scope.tenantId, userKey(scope), id, limit],
        );
        return result.rows.map(memoryFromRow);
      });
    },

    /**
     * Full-text search ranked by `ts_rank_cd` over at most {@link MEMORY_SEARCH_CANDIDATES} matches
     * (the most recently updated visible ones: the user's and the tenant's shared ones), so its cost
     * is bounded by an index whatever the term:
     * 1. Read the newest {@link MEMORY_SEARCH_WINDOW} visible memories from the owner index
     *    `(tenant_id, user_id, updated_at DESC, id DESC)` (one range per owner, merged). If they hold
     *    MEMORY_SEARCH_CANDIDATES matches (a common term), or are all there is, rank those.
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
          `WITH recent AS MATERIALIZED (${newestVisible('mm.id, mm.tags, mm.updated_at, mm.search_vector', 'true', String(MEMORY_SEARCH_WINDOW))}),
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
               WHERE mm.search_vector @@ ${tsQuery} AND ${VISIBLE} AND ($4::text[] IS NULL OR mm.tags @> $4::text[])
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
