import { NotFoundError } from '../../errors.js';
import { cosineSimilarity } from '../../search/embedder.js';
import type { VectorHit, VectorIndex } from '../../spec/store.js';
import type { ConversationReads } from './conversation-table.js';
import type { Item } from './codec.js';
import { vectorPk, vectorPrefix, vectorSk, vectorTargetPrefix } from './keys.js';
import type { TableClient } from './table-client.js';

/**
 * Embeddings: one partition per scope (`vec:[tenant,user]`), sort key `V#[kind,model]#[target,conversation]`.
 * `search` is exact: one paged Query reads every embedding of the scope for that kind and model
 * (about 4 KB per 1,536-dimension vector stored as JSON text, so ~1 RCU each with strong reads)
 * and ranks by cosine similarity in process. Cost grows linearly with the scope's embeddings; past
 * ~10k per scope pair the store with a vector index (see README). Message embeddings carry their
 * conversation's generation, so hits of deleted or expired conversations never surface.
 */
export function createDynamoDBVectors(options: { table: TableClient; reads: ConversationReads }): VectorIndex {
  const { table, reads } = options;
  return {
    async upsert(scope, records) {
      const gens = new Map<string, string>();
      for (const record of records) {
        if (record.kind !== 'message') continue;
        const conversationId = record.conversationId ?? '';
        if (gens.has(conversationId)) continue;
        const live = await reads.find(scope, conversationId);
        if (!live) throw new NotFoundError({ kind: 'conversation', id: conversationId });
        gens.set(conversationId, live.gen);
      }
      await table.writeMany({
        puts: records.map((record) => ({
          pk: vectorPk(scope),
          sk: vectorSk(record.kind, record.model, record.targetId, record.conversationId),
          targetId: record.targetId,
          ...(record.conversationId !== undefined ? { conversationId: record.conversationId, gen: gens.get(record.conversationId) } : {}),
          ...(record.seq !== undefined ? { seq: record.seq } : {}),
          contentHash: record.contentHash,
          vector: JSON.stringify(record.vector),
        })),
      });
    },
    async search(scope, search) {
      const items = await table.queryAll({
        keyCondition: 'pk = :pk AND begins_with(sk, :prefix)',
        values: { ':pk': vectorPk(scope), ':prefix': vectorPrefix(search.kind, search.model) },
      });
      const scored: Array<{ item: Item; score: number }> = [];
      for (const item of items) {
        if (search.conversationId !== undefined && item.conversationId !== search.conversationId) continue;
        if (search.beforeSeq !== undefined && Number(item.seq ?? 0) >= search.beforeSeq) continue;
        const vector = JSON.parse(item.vector as string) as number[];
        if (vector.length !== search.vector.length) continue;
        scored.push({ item, score: cosineSimilarity(search.vector, vector) });
      }
      scored.sort((a, b) => b.score - a.score);
      const limit = search.limit ?? 10;
      const hits: VectorHit[] = [];
      const visible = new Map<string, string | null>();
      for (const { item, score } of scored) {
        if (hits.length >= limit) break;
        const conversationId = item.conversationId as string | undefined;
        if (conversationId !== undefined) {
          if (!visible.has(conversationId)) visible.set(conversationId, (await reads.find(scope, conversationId))?.gen ?? null);
          if (visible.get(conversationId) !== item.gen) continue;
        }
        hits.push({
          targetId: item.targetId as string,
          ...(conversationId !== undefined ? { conversationId } : {}),
          ...(item.seq !== undefined ? { seq: Number(item.seq) } : {}),
          score,
        });
      }
      return hits;
    },
    async has(scope, query) {
      const found = new Set<string>();
      await Promise.all(
        [...new Set(query.targetIds)].map(async (targetId) => {
          const page = await table.queryPage({ keyCondition: 'pk = :pk AND begins_with(sk, :prefix)', values: { ':pk': vectorPk(scope), ':prefix': vectorTargetPrefix(query.kind, query.model, targetId) }, limit: 1 });
          if (page.items.length > 0) found.add(targetId);
        }),
      );
      return found;
    },
  };
}
