import type { SectionSources } from '../sources.js';
import { memoryLine, renderMemories } from '../system-blocks.js';
import type { Embedder } from '../../search/embedder.js';
import { selectMemories } from '../../memories/select-memories.js';

/**
 * The memories section source for `new ContextManager({ sources: { memories: createMemorySource() } })`:
 * every pinned memory plus the unpinned ones most relevant to the query (lexical, or hybrid with an
 * embedder) that fit the cap, via {@link selectMemories}. The report lists each included memory's
 * provenance (`source`).
 *
 * @param options.limit relevant memories searched. @default 20
 */
export function createMemorySource(options: { embedder?: Embedder; limit?: number } = {}): SectionSources['memories'] {
  return async (args) => {
    const { tokenizer } = args;
    // Sized as rendered: the block header once, then one line per memory.
    const header = tokenizer.count(renderMemories([])) + 4;
    const selected = await selectMemories({
      store: args.store,
      scope: args.scope,
      query: args.query,
      maxTokens: args.maxTokens - header,
      tokenizer,
      cost: (memory) => tokenizer.count(memoryLine(memory)) + 1,
      ...(args.prefetched ? { prefetched: args.prefetched } : {}),
      ...(options.embedder ? { embedder: options.embedder } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    });
    const note = selected.notes.length > 0 ? selected.notes.join('; ') : undefined;
    return { pinned: selected.pinned, relevant: selected.relevant, ...(note ? { note } : {}) };
  };
}
