import type { SectionSources } from './sources.js';

/**
 * The summary source when no summarizer is configured: the summary already stored (e.g. written
 * by `compact()` in another process) is used as it is; nothing is summarized on this call.
 */
export const storedSummarySource: SectionSources['summary'] = async ({ store, scope, conversationId, storedSummary }) => {
  const summary = storedSummary !== undefined ? storedSummary : await store.getSummary(scope, conversationId);
  return summary ? { summary, status: 'used' } : { summary: null, status: 'none' };
};
