import { generateText, type LanguageModel } from 'ai';
import { z } from 'zod';
import { formatTranscript, type ExtractedMemory, type MemoryExtractor } from '../../src/index.js';

export const DEFAULT_MEMORY_INSTRUCTIONS = [
  'You extract long-term facts about the user from new conversation turns: stable preferences, personal details, goals, decisions.',
  'Skip small talk, one-off requests and anything already listed under "Known facts" unless it changed.',
  'Answer with only a JSON array (no prose, no code fence) of objects {"key"?: string, "text": string, "tags"?: string[]}.',
  'Use a dotted key such as "user.home_city" for a fact that may change later. Answer [] when there is nothing to keep.',
].join(' ');

const proposalSchema = z.array(
  z.object({
    key: z.string().min(1).max(256).optional(),
    text: z.string().min(1),
    tags: z.array(z.string().min(1)).optional(),
  }),
);

/**
 * A `MemoryExtractor` backed by any AI SDK language model through `generateText`. The model
 * answers with a JSON array of facts; we parse the first `[...]` in its text (models often wrap
 * JSON in prose or a code fence) and validate it with zod.
 * @param options.instructions replaces {@link DEFAULT_MEMORY_INSTRUCTIONS}.
 * @param options.maxOutputTokens cap on the answer. @default 1024
 * @throws {Error} when the answer has no valid JSON array; the extraction pipeline then writes nothing.
 */
export function createAiSdkMemoryExtractor(options: { model: LanguageModel; instructions?: string; maxOutputTokens?: number; maxRetries?: number }): MemoryExtractor {
  return {
    async extract({ messages, existing, signal }) {
      signal?.throwIfAborted();
      const known = existing.length === 0 ? 'Known facts: none.' : `Known facts:\n${existing.map((memory) => `- ${memory.key === undefined ? '' : `[${memory.key}] `}${memory.text}`).join('\n')}`;
      const result = await generateText({
        model: options.model,
        system: options.instructions ?? DEFAULT_MEMORY_INSTRUCTIONS,
        prompt: `${known}\n\nNew turns:\n${formatTranscript(messages)}`,
        maxOutputTokens: options.maxOutputTokens ?? 1024,
        ...(signal === undefined ? {} : { abortSignal: signal }),
        ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      });
      return parseProposals(result.text);
    },
  };
}

/** Parses the model's answer: the outermost JSON array in the text, validated. */
export function parseProposals(text: string): ExtractedMemory[] {
  const start = text.indexOf('[');
  const end = text.lastIndexOf(']');
  if (start < 0 || end < start) throw new Error('[llm-context] [ai-sdk] memory extractor: the model answered without a JSON array of facts.');
  let json: unknown;
  try {
    json = JSON.parse(text.slice(start, end + 1));
  } catch {
    // JSON.parse's own message quotes the input, which is conversation text.
    throw new Error('[llm-context] [ai-sdk] memory extractor: the model\'s answer is not valid JSON.');
  }
  const parsed = proposalSchema.safeParse(json);
  if (!parsed.success) throw new Error('[llm-context] [ai-sdk] memory extractor: the model\'s JSON array does not hold {key?, text, tags?} objects.');
  return parsed.data.map((proposal) => ({
    text: proposal.text,
    ...(proposal.key === undefined ? {} : { key: proposal.key }),
    ...(proposal.tags === undefined ? {} : { tags: proposal.tags }),
  }));
}
