import { NotFoundError } from '../../errors.js';
import type { VectorHit, VectorIndex } from '../../spec/store.js';
import { cosineSimilarity } from '../../search/embedder.js';
import { ownedBy, ownerOf } from '../define-store/records.js';
import { copy, type MemoryState } from './memory-state.js';

/** Exact (brute-force cosine) vector search over the scope's embeddings. */
export function createVectorIndex(state: MemoryState): VectorIndex {
  const { embeddings } = state;
  return {
    async upsert(scope, records) {
      for (const record of records) {
        if (record.kind === 'message' && !state.find(scope, record.conversationId!)) throw new NotFoundError({ kind: 'conversation', id: record.conversationId ?? '' });
      }
      for (const record of records) {
        embeddings.set(JSON.stringify([scope.tenantId, scope.userId ?? '', record.kind, record.model, record.targetId, record.conversationId ?? '']), { ...ownerOf(scope), record: copy(record) });
      }
    },
    async search(scope, search) {
      const hits: VectorHit[] = [];
      for (const { record, ...owner } of embeddings.values()) {
        if (!ownedBy(owner, scope) || record.kind !== search.kind || record.model !== search.model) continue;
        if (search.conversationId !== undefined && record.conversationId !== search.conversationId) continue;
        if (search.beforeSeq !== undefined && (record.seq ?? 0) >= search.beforeSeq) continue;
        if (record.conversationId !== undefined && !state.find(scope, record.conversationId)) continue;
        if (record.vector.length !== search.vector.length) continue;
        hits.push({
          targetId: record.targetId,
          ...(record.conversationId !== undefined ? { conversationId: record.conversationId } : {}),
          ...(record.seq !== undefined ? { seq: record.seq } : {}),
          score: cosineSimilarity(search.vector, record.vector),
        });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, search.limit ?? 10);
    },
    async has(scope, query) {
      const found = new Set<string>();
      const wanted = new Set(query.targetIds);
      for (const { record, ...owner } of embeddings.values()) {
        if (ownedBy(owner, scope) && record.kind === query.kind && record.model === query.model && wanted.has(record.targetId)) found.add(record.targetId);
      }
      return found;
    },
  };
}
