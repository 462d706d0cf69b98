import { NotFoundError } from '../../errors.js';
import type { EmbeddingRecord, VectorHit, VectorIndex, VectorSearchOptions } from '../../spec/store.js';
import type { Scope } from '../../types.js';
import { VISIBLE } from './conversations.js';
import { timestamp, toNumber, userKey, type StoreContext } from './store-context.js';

/** pgvector's HNSW index holds `vector` values of at most 2,000 dimensions (pgvector README, "Indexing"). */
const MAX_INDEXED_DIMENSIONS = 2000;

/**
 * Embeddings in one pgvector table, cosine similarity. Vectors of a dimension listed in
 * `vectorIndexDimensions` are searched through that dimension's HNSW index (a partial expression
 * index, `embedding::vector(d)`); with `hnsw.iterative_scan` (pgvector ≥ 0.8) the index keeps
 * scanning until enough rows pass the scope filter. Other dimensions are searched exactly, but only
 * within the caller's scope and model (btree `(tenant_id, user_id, kind, model, dimensions)`), never across the table.
 */
export function createVectorIndex(context: StoreContext, options: { indexedDimensions: readonly number[]; iterativeScan: boolean }): VectorIndex {
  const { names } = context;
  const indexed = new Set(options.indexedDimensions);

  return {
    async upsert(scope: Scope, records: readonly EmbeddingRecord[]): Promise<void> {
      if (records.length === 0) return;
      await context.run(
        'vectors.upsert',
        scope,
        async (sql) => {
          const conversations = [...new Set(records.filter((record) => record.kind === 'message').map((record) => record.conversationId ?? ''))];
          for (const conversationId of conversations) {
            const visible = await sql.query(`SELECT 1 FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE} FOR SHARE`, [
              scope.tenantId,
              userKey(scope),
              timestamp(context.clock.now()),
              conversationId,
            ]);
            if (visible.rows.length === 0) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          }
          await sql.query(
            `INSERT INTO ${names.embeddings} (tenant_id, user_id, kind, model, conversation_id, target_id, seq, content_hash, dimensions, embedding)
             SELECT $1, $2, r.kind, r.model, r.conversation_id, r.target_id, r.seq, r.content_hash, r.dimensions, r.embedding::vector
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::int[], $10::text[])
               AS r(kind, model, conversation_id, target_id, seq, content_hash, dimensions, embedding)
             ON CONFLICT (tenant_id, kind, model, conversation_id, target_id) DO UPDATE
             SET user_id = excluded.user_id, seq = excluded.seq, content_hash = excluded.content_hash, dimensions = excluded.dimensions, embedding = excluded.embedding`,
            [
              scope.tenantId,
              userKey(scope),
              records.map((record) => record.kind),
              records.map((record) => record.model),
              // memory embeddings have no conversation: '' keeps the key column NOT NULL
              records.map((record) => (record.kind === 'message' ? (record.conversationId ?? '') : '')),
              records.map((record) => record.targetId),
              records.map((record) => record.seq ?? null),
              records.map((record) => record.contentHash),
              records.map((record) => record.vector.length),
              records.map((record) => `[${record.vector.join(',')}]`),
            ],
          );
        },
        { transaction: true },
      );
    },

    async search(scope: Scope, search: VectorSearchOptions): Promise<VectorHit[]> {
      const limit = search.limit ?? 10;
      const vector = search.vector;
      const before = search.beforeSeq ?? null;
      const dimensions = vector.length;
      // The cast must match the index expression for the planner to use the HNSW index.
      const column = indexed.has(dimensions) && dimensions <= MAX_INDEXED_DIMENSIONS ? `e.embedding::vector(${dimensions})` : 'e.embedding';
      const probe = indexed.has(dimensions) && dimensions <= MAX_INDEXED_DIMENSIONS ? `$4::vector(${dimensions})` : '$4::vector';
      return context.run(
        'vectors.search',
        scope,
        async (sql) => {
          if (options.iterativeScan) await sql.query(`SET LOCAL hnsw.iterative_scan = strict_order`);
          const result = await sql.query(
            `SELECT e.target_id, e.conversation_id, e.seq, 1 - (${column} <=> ${probe}) AS score
             FROM ${names.embeddings} e
             WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.kind = $5 AND e.model = $6 AND e.dimensions = ${dimensions}
               AND ($7::text IS NULL OR e.conversation_id = $7) AND ($8::bigint IS NULL OR e.seq < $8)
               AND (e.kind = 'memory' OR EXISTS (SELECT 1 FROM ${names.conversations} c WHERE c.id = e.conversation_id AND ${VISIBLE}))
             ORDER BY ${column} <=> ${probe}
             LIMIT $9`,
            [scope.tenantId, userKey(scope), timestamp(context.clock.now()), `[${vector.join(',')}]`, search.kind, search.model, search.conversationId ?? null, before, limit],
          );
          return result.rows.map((row) => ({
            targetId: String(row.target_id),
            ...(row.conversation_id !== '' ? { conversationId: String(row.conversation_id) } : {}),
            ...(row.seq !== null ? { seq: toNumber(row.seq) } : {}),
            score: Number(row.score),
          }));
        },
        { transaction: options.iterativeScan },
      );
    },

    async has(scope: Scope, query: { model: string; kind: 'message' | 'memory'; targetIds: readonly string[] }): Promise<Set<string>> {
      if (query.targetIds.length === 0) return new Set();
      return context.run('vectors.has', scope, async (sql) => {
        const result = await sql.query<{ target_id: string }>(
          `SELECT DISTINCT target_id FROM ${names.embeddings} WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND model = $4 AND target_id = ANY($5::text[])`,
          [scope.tenantId, userKey(scope), query.kind, query.model, [...query.targetIds]],
        );
        return new Set(result.rows.map((row) => row.target_id));
      });
    },
  };
}
