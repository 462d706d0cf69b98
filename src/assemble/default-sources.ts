import type { SectionSources } from './sources.js';

/**
 * The sources used when the manager is given none: the stored summary as is, the store's
 * memories (pinned, then lexical matches), and no recall.
 */
export function defaultSectionSources(): SectionSources {
  return {
    async memories({ store, scope, query }) {
      if (!store.memories) return { pinned: [], relevant: [] };
      const pinned = (await store.memories.list(scope, { pinned: true, limit: 100 })).items;
      const pinnedIds = new Set(pinned.map((memory) => memory.id));
      const hits = query.trim().length === 0 ? [] : await store.memories.search(scope, { query, limit: 10 });
      return { pinned, relevant: hits.map((hit) => hit.memory).filter((memory) => !pinnedIds.has(memory.id)) };
    },
    async summary({ store, scope, conversationId }) {
      const summary = await store.getSummary(scope, conversationId);
      return summary ? { summary, status: 'used' } : { summary: null, status: 'none' };
    },
    async recall() {
      return { excerpts: [] };
    },
  };
}
