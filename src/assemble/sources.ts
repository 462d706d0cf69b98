import type { PrefetchedMemories, Store } from '../spec/store.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Memory, Scope, Summary } from '../types.js';
import type { RecallExcerpt } from './system-blocks.js';

/**
 * Where the optional sections of an assembled prompt come from. The manager calls each source
 * with the section's cap; a source returns what it found (the planner still enforces the cap).
 * A source that throws is reported and its section left empty: assembly never fails because a
 * summarizer, embedder or search backend did.
 */
export interface SectionSources {
  memories(args: MemorySourceArgs): Promise<{ pinned: readonly Memory[]; relevant: readonly Memory[]; note?: string }>;
  summary(args: SummarySourceArgs): Promise<SummarySourceResult>;
  recall(args: RecallSourceArgs): Promise<{ excerpts: readonly RecallExcerpt[]; note?: string }>;
}

export interface MemorySourceArgs {
  readonly store: Store;
  readonly scope: Scope;
  readonly query: string;
  readonly maxTokens: number;
  readonly tokenizer: Tokenizer;
  /** The scope's pinned memories and whether unpinned ones exist, when the store read them with the conversation (`Store.readContext`). */
  readonly prefetched?: PrefetchedMemories;
  readonly signal?: AbortSignal;
}

export interface SummarySourceArgs {
  readonly store: Store;
  readonly scope: Scope;
  readonly conversationId: string;
  /** Oldest seq the window keeps verbatim: the summary should cover everything before it. */
  readonly windowStartSeq: number;
  readonly maxTokens: number;
  readonly tokenizer: Tokenizer;
  /** The stored summary (null: none), when the store read it with the conversation (`Store.readContext`); absent: not read yet. */
  readonly storedSummary?: Summary | null;
  readonly signal?: AbortSignal;
}

export interface SummarySourceResult {
  readonly summary: Summary | null;
  readonly status: 'none' | 'used' | 'updated' | 'skipped' | 'failed' | 'timeout' | 'deferred';
  readonly note?: string;
  /** What summarizes: the built-in `extractive` summarizer or a `custom` one (an LLM); absent when nothing does (a stored summary only, or summaries off). */
  readonly summarizer?: 'extractive' | 'custom';
  /** Why there is no summary, when the source knows better than its status (e.g. `disabled`, `no summarizer`). */
  readonly reason?: string;
}

export interface RecallSourceArgs {
  readonly store: Store;
  readonly scope: Scope;
  readonly conversationId: string;
  readonly query: string;
  /** Only messages older than this seq (the window holds the rest). */
  readonly beforeSeq: number;
  readonly maxTokens: number;
  readonly tokenizer: Tokenizer;
  readonly neighbours: { readonly before: number; readonly after: number };
  readonly otherConversations: boolean;
  readonly signal?: AbortSignal;
}
