import type { StoreDriver } from '../define-store/driver.js';
import { copy, type MemoryState } from './memory-state.js';

/** Summaries of the in-memory driver: read, and compare-and-set on `coversThroughSeq`. */
export function createSummaryOperations(state: MemoryState): Pick<StoreDriver, 'getSummary' | 'putSummary'> {
  return {
    async getSummary(scope, conversationId) {
      const record = state.find(scope, conversationId);
      return record?.summary ? copy(record.summary) : null;
    },
    async putSummary(scope, conversationId, summary, { expectedCoversThroughSeq }) {
      const record = state.require(scope, conversationId);
      if ((record.summary?.coversThroughSeq ?? null) !== expectedCoversThroughSeq) return { applied: false, current: copy(record.summary) };
      record.summary = copy(summary);
      return { applied: true, current: copy(summary) };
    },
  };
}
