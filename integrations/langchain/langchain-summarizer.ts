import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { invokeForText, type ChatModelLike } from './chat-model-like.js';
import { formatTranscript, type Summarizer } from '../../src/index.js';

/** The default instructions; `{maxTokens}` is replaced by the token limit. */
export const DEFAULT_SUMMARY_INSTRUCTIONS = [
  'You maintain the running summary of a conversation between a user and an assistant.',
  'Merge the previous summary and the new turns into one updated summary.',
  'Keep facts about the user, decisions, names, numbers, dates, tool results that matter, and open questions; drop small talk.',
  'Write in the third person, at most {maxTokens} tokens. Reply with the summary text only.',
].join('\n');

/**
 * A {@link Summarizer} backed by a LangChain chat model. Each call sends one system message (the
 * instructions) and one human message (the previous summary and the new turns as a transcript,
 * `speaker: text` per line) and returns the reply text, trimmed.
 *
 * The token limit is asked for in the prompt; the summary policy rejects an over-long result and
 * keeps the stored summary, so no model-specific `maxTokens` setting is needed.
 *
 * @param options.model any chat model, e.g. `new ChatOpenAI({ model: 'gpt-4o-mini' })`.
 * @param options.instructions system prompt; `{maxTokens}` is replaced. @default DEFAULT_SUMMARY_INSTRUCTIONS
 * @throws {Error} from `summarize` when the model returns no text (the manager then keeps plain trimming).
 */
export function langChainSummarizer(options: { model: ChatModelLike; instructions?: string }): Summarizer {
  const instructions = options.instructions ?? DEFAULT_SUMMARY_INSTRUCTIONS;
  return {
    async summarize({ previousSummary, messages, maxTokens, signal }) {
      const prompt = [`Previous summary:\n${previousSummary ?? '(none)'}`, `New turns:\n${formatTranscript(messages)}`].join('\n\n');
      const text = await invokeForText(
        options.model,
        [new SystemMessage(instructions.replaceAll('{maxTokens}', String(maxTokens))), new HumanMessage(prompt)],
        signal,
      );
      const summary = text.trim();
      if (summary === '') throw new Error('[llm-context] [langchain] the summarizer model returned no text');
      return { text: summary };
    },
  };
}
