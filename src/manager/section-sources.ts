import { storedSummarySource } from '../assemble/stored-summary-source.js';
import type { SectionSources } from '../assemble/sources.js';
import { createMemorySource } from '../memories/memory-source.js';
import { createRecallSource } from '../search/recall-source.js';
import { createSummarySource } from '../summarize/summary-source.js';
import type { ContextManagerOptions } from './manager-options.js';

/**
 * The section sources a manager assembles with: memories and recall (hybrid when an embedder is
 * configured), the summary from the summarizer (else the stored summary as it is), each
 * replaceable through `options.sources`.
 */
export function createSectionSources(options: ContextManagerOptions): SectionSources {
  const embedder = options.embedder ? { embedder: options.embedder } : {};
  const now = options.clock ? { now: () => options.clock!.now() } : {};
  return {
    memories: createMemorySource(embedder),
    recall: createRecallSource(embedder),
    summary: options.summarizer ? createSummarySource({ summarizer: options.summarizer, ...options.summary, ...now }) : storedSummarySource,
    ...options.sources,
  };
}
