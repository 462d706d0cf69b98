import { generateText, type LanguageModel } from 'ai';
import { formatTranscript, type Summarizer } from '../../src/index.js';

/** The default instructions: fold new turns into the running summary, keeping what later turns need. */
export const DEFAULT_SUMMARY_INSTRUCTIONS = [
  'You maintain the running summary of a conversation between a user and an assistant.',
  'Merge the previous summary (if any) and the new turns into one updated summary.',
  'Keep facts, decisions, names, numbers, open questions and the user\'s preferences; drop pleasantries.',
  'Write plain prose in the third person. Output only the summary.',
].join(' ');

/**
 * A `Summarizer` backed by any AI SDK language model through `generateText` (ai 6 and 7, any
 * provider, including `MockLanguageModelV3/V4`).
 * @param options.model the model object, or a model id string the SDK resolves (the Gateway by default).
 * @param options.instructions replaces {@link DEFAULT_SUMMARY_INSTRUCTIONS}.
 * @param options.maxRetries passed to `generateText`. @default 2 (the SDK's default)
 * The summary's output is capped at the policy's `maxTokens` with `maxOutputTokens`.
 * Errors from the model propagate; the summary policy then keeps the stored summary unchanged.
 */
export function createAiSdkSummarizer(options: { model: LanguageModel; instructions?: string; maxRetries?: number }): Summarizer {
  return {
    async summarize({ previousSummary, messages, maxTokens, signal }) {
      // Not every provider checks the signal before its first request.
      signal.throwIfAborted();
      const prompt = [
        previousSummary === null ? 'There is no previous summary.' : `Previous summary:\n${previousSummary}`,
        `New turns:\n${formatTranscript(messages)}`,
        `Write the updated summary in at most ${maxTokens} tokens.`,
      ].join('\n\n');
      // `system`, not `instructions`: ai 6 knows only `system`, and ai 7 still accepts it.
      const result = await generateText({
        model: options.model,
        system: options.instructions ?? DEFAULT_SUMMARY_INSTRUCTIONS,
        prompt,
        maxOutputTokens: maxTokens,
        abortSignal: signal,
        ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      });
      return { text: result.text.trim() };
    },
  };
}
