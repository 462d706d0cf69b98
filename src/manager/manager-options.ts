import type { SectionShares } from '../assemble/plan-budget.js';
import type { RecallOptions } from '../assemble/gather-sections.js';
import type { SectionSources } from '../assemble/sources.js';
import type { MemoryExtractor } from '../memories/extract-memories.js';
import type { Embedder } from '../search/embedder.js';
import type { Store } from '../spec/store.js';
import type { Summarizer } from '../summarize/summarizer.js';
import type { EncodingName, Tokenizer, TokenizerImplementation } from '../tokens/tokenizer.js';
import type { CreateConversationInput, Scope } from '../types.js';

export interface ContextManagerOptions {
  /** Where conversations live. Default: a new in-memory store (`createMemoryStore()`). */
  readonly store?: Store;
  /** Encoding for token counts. Default `o200k_base` (GPT-4o and later). */
  readonly encoding?: EncodingName;
  /** Counting library. Default `gpt-tokenizer` (same counts as js-tiktoken, faster; see README). */
  readonly tokenizerImplementation?: TokenizerImplementation;
  /** A ready tokenizer; overrides `encoding` and `tokenizerImplementation`. */
  readonly tokenizer?: Tokenizer;
  /** Clock in ms since epoch for message timestamps. Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Default section shares for `assemble`. */
  readonly shares?: SectionShares;
  /** Default recall options for `assemble`. */
  readonly recall?: RecallOptions;
  /**
   * Folds turns that fall out of the window into a rolling summary (see `src/summarize/policy.ts`),
   * e.g. an LLM summarizer from `llm-context/ai-sdk` or `llm-context/langchain`.
   * @default the built-in extractive summarizer (`createExtractiveSummarizer`: no model call, bounded
   *   time; `report.summary.summarizer` says `extractive`)
   */
  readonly summarizer?: Summarizer;
  /** How the summarizer runs; `false` turns summaries off (none is made, read or placed). */
  readonly summary?: false | {
    /** `inline`: summarize before `assemble` returns (bounded by `timeoutMs`); `deferred`: `assemble` never waits, call `compact()` later. @default 'inline' */
    readonly mode?: 'inline' | 'deferred';
    /** Summarize only when at least this many uncovered tokens lie before the window. @default 1000 */
    readonly thresholdTokens?: number;
    /** Time limit of one summarizer call in ms. @default 10000 */
    readonly timeoutMs?: number;
  };
  /**
   * Enables vector (hybrid) recall and memory search. New messages are embedded after `append`
   * returns, off the hot path (call `indexEmbeddings` yourself where background work can be cut short).
   */
  readonly embedder?: Embedder;
  /**
   * Extracts long-term memories from new turns after `append` returns (off the hot path; see
   * `extractMemories`: deduplicated by key and similarity, each with provenance). Needs a store with
   * memories. A failure never fails the append: it goes to `onBackgroundError`.
   */
  readonly memoryExtractor?: MemoryExtractor;
  /**
   * Called when background work fails: after `append` (embedding, memory extraction), or the
   * folding of a summary backlog longer than one summarizer call that `assemble` started. @default ignore
   */
  readonly onBackgroundError?: (error: unknown, context: { task: 'embeddings' | 'memories' | 'summary' }) => void;
  /** Replaces how memories, the summary and recalled excerpts are gathered. */
  readonly sources?: Partial<SectionSources>;
  /**
   * Longest one section source (memories, summary, recall) may take, in ms, before assembly goes on
   * without that section and says so in `report.notes` — a hung summarizer, embedder or search
   * backend must not hang the call. @default 15000
   */
  readonly sourceTimeoutMs?: number;
}

export interface AppendOptions {
  readonly scope: Scope;
  /** Skip a retried identical batch of id-less messages (content-hash dedup). */
  readonly dedupeByContentHash?: boolean;
  /** Used to create the conversation on first append. */
  readonly conversation?: Omit<CreateConversationInput, 'id'>;
  /**
   * What to do when the conversation is not in the store:
   * - unset (default): create a conversation that never existed (or was deleted: deletion leaves no
   *   trace), so the first append just works; but throw `ConversationExpiredError` (code
   *   `not_found`, `reason: 'expired'`) for one whose TTL passed, so it is not silently recreated
   *   without its TTL. Pass `ifMissing: 'create'` to start it again.
   * - `'create'`: create it in every case, with `conversation`'s settings (pass its `ttl` again: a
   *   recreated conversation is new and empty, and has only the TTL given here).
   * - `'error'`: throw `NotFoundError` in every case (`reason` says `absent` or `expired`), for a
   *   caller who expects a live conversation.
   *
   * Stores remember an expiry until the expired conversation is swept (`sweepExpired`, or the
   * backend's own TTL deletion; see README "TTL and expiry"); after that its id counts as never
   * existed. @default undefined (create if absent, throw if expired)
   */
  readonly ifMissing?: 'create' | 'error';
}
