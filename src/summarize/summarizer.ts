import type { Message } from '../types.js';

/**
 * Folds older turns into a rolling summary. Adapters wrap LangChain chat models and AI SDK
 * models; {@link createExtractiveSummarizer} is a deterministic offline fallback.
 *
 * The policy (`prepareSummary`) calls it only with turns not yet covered, so an implementation
 * must merge `previousSummary` and `messages` into one new text of at most `maxTokens` tokens
 * (text only, in the manager's encoding). It must honour `signal` (timeouts abort it); a throw or
 * an over-long result leaves the stored summary and history untouched.
 */
export interface Summarizer {
  /** `extractive` for the built-in {@link createExtractiveSummarizer} (no model call); absent for others. Shown in `report.summary.summarizer`. */
  readonly kind?: 'extractive';
  summarize(options: {
    /** The stored summary these turns follow, or null for the first summary. */
    previousSummary: string | null;
    /** The newly covered turns, ascending `seq`. */
    messages: readonly Message[];
    /** Upper bound on the returned text's tokens. */
    maxTokens: number;
    signal: AbortSignal;
  }): Promise<{ text: string }>;
}
