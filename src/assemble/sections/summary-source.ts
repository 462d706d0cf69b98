import type { SectionSources } from '../sources.js';
import { renderSummary } from '../system-blocks.js';
import { prepareSummary } from '../../summarize/policy.js';
import type { Summarizer } from '../../summarize/summarizer.js';

/**
 * The summary section source for `new ContextManager({ sources: { summary: createSummarySource({ summarizer }) } })`:
 * runs the rolling summary policy ({@link prepareSummary}) with the window the planner chose,
 * asking for a summary that fits the section cap once rendered.
 *
 * @param options.mode `inline` (summarize before returning, bounded by `timeoutMs`) or `deferred`
 *   (return at once; run `compactConversation` later, e.g. from Next.js `after()`). @default 'inline'
 * @param options.thresholdTokens summarize only once this many uncovered tokens piled up. @default 1000
 * @param options.timeoutMs per summarizer call. @default 10000
 * @param options.maxInputTokens uncovered tokens per summarizer call. @default max(4 × threshold, 4000)
 * @param options.background runs a backlog longer than one summarizer call off the hot path (see `prepareSummary`).
 */
export function createSummarySource(options: {
  summarizer: Summarizer;
  mode?: 'inline' | 'deferred';
  thresholdTokens?: number;
  timeoutMs?: number;
  maxInputTokens?: number;
  now?: () => number;
  background?: (work: () => Promise<unknown>) => void;
}): SectionSources['summary'] {
  const summarizer = options.summarizer.kind === 'extractive' ? 'extractive' : 'custom';
  return async (args) => {
    const header = args.tokenizer.count(renderSummary({ text: '', coversThroughSeq: 0, tokenCount: 0, encoding: args.tokenizer.encoding, updatedAt: new Date(0) })) + 4;
    const maxSummaryTokens = args.maxTokens - header;
    if (maxSummaryTokens <= 0) return { summary: null, status: 'skipped', note: 'the summary cap is too small for a summary', summarizer, reason: 'over its cap' };
    const result = await prepareSummary({
      store: args.store,
      scope: args.scope,
      conversationId: args.conversationId,
      tokenizer: args.tokenizer,
      summarizer: options.summarizer,
      mode: options.mode ?? 'inline',
      windowStartSeq: args.windowStartSeq,
      thresholdTokens: options.thresholdTokens ?? 1000,
      maxSummaryTokens,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.maxInputTokens !== undefined ? { maxInputTokens: options.maxInputTokens } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.background ? { background: options.background } : {}),
      ...(args.storedSummary !== undefined ? { storedSummary: args.storedSummary } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
    });
    return { ...result, summarizer };
  };
}
