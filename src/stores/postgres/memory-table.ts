import { NotFoundError, ValidationError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../spec/cursor.js';
import type { MemoryDriver } from '../define-store/driver.js';
import type { Memory, NewMemory, Scope } from '../../types.js';
import { json, MEMORY_COLUMNS, memoryFromRow } from './rows.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';
import { tsQuerySql } from './text-search.js';

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

    async search(scope: Scope, options: Parameters<MemoryDriver['search']>[1]) {
      const { query, limit } = options;
      const tags = options.tags === undefined ? null : [...options.tags];
      return context.run('memories.search', scope, async (sql) => {
        const result = await sql.query(
          `SELECT ${MEMORY_COLUMNS}, ts_rank_cd(mm.search_vector, q.query) AS score
           FROM ${names.memories} mm, (SELECT ${tsQuerySql('$3', query)} AS query) q
           WHERE mm.tenant_id = $1 AND mm.user_id = $2 AND mm.search_vector @@ q.query AND ($4::text[] IS NULL OR mm.tags @> $4::text[])
           ORDER BY score DESC, mm.updated_at DESC, mm.id LIMIT $5`,
          [scope.tenantId, userKey(scope), query, tags, limit],
        );
        return result.rows.map((row) => ({ memory: memoryFromRow(row), score: Number(row.score) }));
      });
    },
  };
}
