import type { Embedder } from '../search/embedder.js';
import type { PrefetchedMemories, Store } from '../spec/store.js';
import type { Memory, Scope } from '../types.js';
import { createMemories } from './memories.js';
import type { Tokenizer } from '../tokens/tokenizer.js';

/** Pinned memories an assembly reads at most. */
export const DEFAULT_MAX_PINNED = 100;

export interface SelectedMemories {
  /** Every pinned memory of the scope (newest first, up to `maxPinned`), whatever the budget: the planner decides what fits. */
  readonly pinned: readonly Memory[];
  /** Unpinned memories relevant to the query, best first, whose token counts fit what the pinned ones leave of `maxTokens`. */
  readonly relevant: readonly Memory[];
  /** Why memories were limited or absent, for the report. */
  readonly notes: readonly string[];
}

/**
 * Gathers the memories section of an assembly: the pinned (working) memories, then the most
 * relevant others for `query` (lexical, or hybrid with an embedder) until the stored
 * cost (by default the stored `tokenCounts[encoding]`) of all selected memories would pass `maxTokens`.
 * A store without the memories capability yields nothing (and a note), never an error.
 *
 * With `prefetched` (read with the conversation by `Store.readContext`) the pinned memories are
 * not read again, and the relevance search is skipped when the scope holds no unpinned memory.
 *
 * @param options.limit relevant memories searched. @default 20
 * @param options.maxPinned pinned memories read. @default {@link DEFAULT_MAX_PINNED}
 */
export async function selectMemories(options: {
  store: Store;
  scope: Scope;
  query: string;
  maxTokens: number;
  tokenizer: Tokenizer;
  embedder?: Embedder;
  limit?: number;
  maxPinned?: number;
  /** Tokens a memory costs where it will be placed. @default its stored `tokenCounts[encoding]` (counted when absent) */
  cost?: (memory: Memory) => number;
  prefetched?: PrefetchedMemories;
}): Promise<SelectedMemories> {
  const { store, scope, tokenizer } = options;
  if (!store.memories || !store.capabilities.memories.available) return { pinned: [], relevant: [], notes: [`memories unavailable in the ${store.name} store`] };
  const notes: string[] = [];
  const maxPinned = options.maxPinned ?? DEFAULT_MAX_PINNED;
  const { prefetched } = options;
  const pinned: Memory[] = [];
  if (prefetched) {
    pinned.push(...prefetched.pinned.slice(0, maxPinned));
    if (prefetched.morePinned || prefetched.pinned.length > maxPinned) notes.push(`more than ${pinned.length} pinned memories; only the newest ${pinned.length} were read`);
  } else {
    let cursor: string | undefined;
    do {
      const page = await store.memories.list(scope, { pinned: true, limit: Math.min(100, maxPinned - pinned.length), ...(cursor ? { cursor } : {}) });
      pinned.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && pinned.length < maxPinned);
    if (cursor) notes.push(`more than ${maxPinned} pinned memories; only the newest ${maxPinned} were read`);
  }

  const cost = options.cost ?? ((memory: Memory) => memory.tokenCounts[tokenizer.encoding] ?? tokenizer.count(memory.text));
  let used = pinned.reduce((sum, memory) => sum + cost(memory), 0);
  const relevant: Memory[] = [];
  if (options.query.trim().length > 0 && used < options.maxTokens && prefetched?.unpinned !== false) {
    const memories = createMemories({ store, tokenizer, ...(options.embedder ? { embedder: options.embedder } : {}) });
    for (const { memory } of await memories.search(options.query, { scope, limit: options.limit ?? 20 })) {
      if (memory.pinned) continue;
      if (used + cost(memory) > options.maxTokens) continue;
      relevant.push(memory);
      used += cost(memory);
    }
  }
  return { pinned, relevant, notes };
}
