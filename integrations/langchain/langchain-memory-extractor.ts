import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { invokeForText, type ChatModelLike } from './chat-model-like.js';
import { formatTranscript, type ExtractedMemory, type MemoryExtractor } from '../../src/index.js';

export const DEFAULT_MEMORY_INSTRUCTIONS = [
  'You extract long-term facts about the user from new conversation turns: preferences, personal details, plans, decisions, constraints.',
  'Skip facts already listed as known unless they changed; reuse a known key when a fact changed.',
  'Reply with a JSON array only, no prose: [{"key": "user.home_city", "text": "The user lives in Lyon.", "tags": ["profile"]}].',
  '"key" (dotted, stable) and "tags" are optional; "text" is one self-contained sentence. Reply [] when there is nothing to keep.',
].join('\n');

const proposalSchema = z.object({
  key: z.string().min(1).max(256).optional(),
  text: z.string().trim().min(1),
  tags: z.array(z.string().min(1).max(128)).max(64).optional(),
});

/**
 * A {@link MemoryExtractor} backed by a LangChain chat model. It sends the instructions, the
 * known related memories and the new turns (as a transcript), and parses the JSON array in the
 * reply (a surrounding code fence or prose is tolerated). Entries that are not
 * `{ key?, text, tags? }` are skipped.
 *
 * @param options.model any chat model.
 * @param options.instructions system prompt. @default DEFAULT_MEMORY_INSTRUCTIONS
 * @throws {SyntaxError} from `extract` when the reply holds no JSON array (nothing is written).
 */
export function langChainMemoryExtractor(options: { model: ChatModelLike; instructions?: string }): MemoryExtractor {
  return {
    async extract({ messages, existing, signal }) {
      const known = existing.length === 0 ? '(none)' : existing.map((memory) => `- ${memory.key === undefined ? '' : `[${memory.key}] `}${memory.text}`).join('\n');
      const reply = await invokeForText(
        options.model,
        [new SystemMessage(options.instructions ?? DEFAULT_MEMORY_INSTRUCTIONS), new HumanMessage(`Known facts:\n${known}\n\nNew turns:\n${formatTranscript(messages)}`)],
        signal,
      );
      return parseProposals(reply);
    },
  };
}

/** The `{ key?, text, tags? }` entries of the first JSON array in `reply`. */
export function parseProposals(reply: string): ExtractedMemory[] {
  const start = reply.indexOf('[');
  const end = reply.lastIndexOf(']');
  if (start < 0 || end < start) throw new SyntaxError('[llm-context] [langchain] the memory extractor reply holds no JSON array');
  const parsed: unknown = JSON.parse(reply.slice(start, end + 1));
  if (!Array.isArray(parsed)) throw new SyntaxError('[llm-context] [langchain] the memory extractor reply is not a JSON array');
  const proposals: ExtractedMemory[] = [];
  for (const entry of parsed) {
    const result = proposalSchema.safeParse(entry);
    if (!result.success) continue;
    const { key, text, tags } = result.data;
    proposals.push({ text, ...(key === undefined ? {} : { key }), ...(tags === undefined ? {} : { tags }) });
  }
  return proposals;
}
