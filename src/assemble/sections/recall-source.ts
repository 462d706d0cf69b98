import type { SectionSources } from '../sources.js';
import { renderRecall, renderRecallLine } from '../system-blocks.js';
import type { Embedder } from '../../search/embedder.js';
import { recallExcerpts } from '../../search/recall.js';

/** Tokens of an excerpt's `[YYYY-MM-DD HH:MM]` header line and its newline (12 in o200k_base), with a margin of 1. */
const EXCERPT_HEADER_TOKENS = 13;

/**
 * The recall section source for `new ContextManager({ sources: { recall: createRecallSource() } })`:
 * runs {@link recallExcerpts} (lexical, or hybrid with an embedder) and sizes excerpts by what they
 * cost once rendered in the system message (a dated header per excerpt, one `speaker: text` line
 * per turn, the block header), so the planner's cap check rarely drops any.
 * Excerpts are handed over best first, as the planner expects, and it orders them chronologically.
 *
 * @param options.embedder adds vector search (messages must have been embedded, see `indexEmbeddings`).
 * @param options.limit hits requested per search (1–100). @default grows with the cap
 * @param options.embedTimeoutMs time limit for embedding the query; past it recall is lexical. @default 2000
 */
export function createRecallSource(options: { embedder?: Embedder; limit?: number; embedTimeoutMs?: number } = {}): SectionSources['recall'] {
  return async (args) => {
    const { tokenizer } = args;
    // Header line, block separator and boundary allowance (see blockCost), counted once.
    const fixed = tokenizer.count(renderRecall([], args.conversationId)) + 4;
    const result = await recallExcerpts({
      store: args.store,
      scope: args.scope,
      conversationId: args.conversationId,
      query: args.query,
      beforeSeq: args.beforeSeq,
      maxTokens: args.maxTokens - fixed,
      encoding: tokenizer.encoding,
      neighbours: args.neighbours,
      otherConversations: args.otherConversations,
      // Each line: its text plus the newline; each excerpt adds a dated header line.
      cost: (message) => tokenizer.count(renderRecallLine(message)) + 1,
      excerptCost: EXCERPT_HEADER_TOKENS,
      ...(options.embedder ? { embedder: options.embedder } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.embedTimeoutMs !== undefined ? { embedTimeoutMs: options.embedTimeoutMs } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
    });
    const excerpts = [...result.excerpts].sort((left, right) => right.score - left.score);
    const note = result.notes.length > 0 ? result.notes.join('; ') : undefined;
    return note === undefined ? { excerpts } : { excerpts, note };
  };
}
