import type { SectionSources } from '../sources.js';

/**
 * The summary source that only reads: the summary already stored (e.g. written
 * by `compact()` in another process) is used as it is; nothing is summarized on this call.
 */
export const storedSummarySource: SectionSources['summary'] = async ({ store, scope, conversationId, storedSummary }) => {
  const summary = storedSummary !== undefined ? storedSummary : await store.getSummary(scope, conversationId);
  return summary ? { summary, status: 'used' } : { summary: null, status: 'none', reason: 'no summarizer' };
};

/** The summary source with `summary: false`: no summary is read, made or placed. */
export const disabledSummarySource: SectionSources['summary'] = async () => ({ summary: null, status: 'none', reason: 'disabled' });
