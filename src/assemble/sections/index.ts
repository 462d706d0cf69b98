/**
 * The section sources assembly gathers under their caps: summary, memories and recall. Each
 * adapts a building block (`src/summarize/`, `src/memories/`, `src/search/`) to the
 * `SectionSources` interface of `src/assemble/sources.ts`.
 */
export { createSummarySource } from './summary-source.js';
export { createMemorySource } from './memory-source.js';
export { createRecallSource } from './recall-source.js';
export { storedSummarySource } from './stored-summary-source.js';
