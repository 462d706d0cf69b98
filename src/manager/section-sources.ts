import { disabledSummarySource } from '../assemble/sections/stored-summary-source.js';
import { createExtractiveSummarizer } from '../summarize/extractive-summarizer.js';
import type { Summarizer } from '../summarize/summarizer.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { SectionSources } from '../assemble/sources.js';
import { createMemorySource } from '../assemble/sections/memory-source.js';
import { createRecallSource } from '../assemble/sections/recall-source.js';
import { createSummarySource } from '../assemble/sections/summary-source.js';
import type { ContextManagerOptions } from './manager-options.js';

/**
 * The section sources a manager assembles with: memories and recall (hybrid when an embedder is
 * configured), the rolling summary (see {@link managerSummarizer}; a backlog longer than one
 * summarizer call is folded in `background`), each replaceable through `options.sources`.
 */
export function createSectionSources(options: ContextManagerOptions, tokenizer: () => Promise<Tokenizer>, background?: (work: () => Promise<unknown>) => void): SectionSources {
  const embedder = options.embedder ? { embedder: options.embedder } : {};
  const now = options.clock ? { now: () => options.clock!.now() } : {};
  const summarizer = managerSummarizer(options, tokenizer);
  return {
    memories: createMemorySource(embedder),
    recall: createRecallSource(embedder),
    summary: summarizer && options.summary !== false ? createSummarySource({ summarizer, ...options.summary, ...now, ...(background ? { background } : {}) }) : disabledSummarySource,
    ...options.sources,
  };
}

/**
 * The summarizer a manager folds older turns with: the one given, else the built-in extractive one
 * counting with the manager's tokenizer; none with `summary: false`.
 */
export function managerSummarizer(options: ContextManagerOptions, tokenizer: () => Promise<Tokenizer>): Summarizer | undefined {
  if (options.summary === false) return undefined;
  if (options.summarizer) return options.summarizer;
  return {
    kind: 'extractive',
    summarize: async (args) => createExtractiveSummarizer({ tokenizer: await tokenizer() }).summarize(args),
  };
}
