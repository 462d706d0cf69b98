import { ValidationError } from '../errors.js';
import { validateJsonObject, validateRole, validateTags } from '../spec/validate.js';
import { countMessageTokens } from '../tokens/message-tokens.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { JsonValue, MessageInput, NewMessage } from '../types.js';
import { canonicalJson, sha256Hex } from './content-hash.js';

/**
 * Turns caller input into messages ready to store, computing every derived field once:
 * `id` (UUID v4 when absent), `createdAt` (now when absent), `tokenCounts[encoding]` in the
 * chat format, and `contentHash` (SHA-256 of the canonical JSON of role, name and content).
 * Structural validation of content happens in the store (`validateNewMessages`).
 * @param options.now clock in ms since epoch (tests inject one)
 * @throws {ValidationError} when `inputs` is not a non-empty array of objects.
 */
export async function prepareMessages(
  inputs: readonly MessageInput[],
  options: { tokenizer: Tokenizer; now?: () => number },
): Promise<NewMessage[]> {
  if (!Array.isArray(inputs)) throw new ValidationError({ field: 'messages', message: 'must be an array' });
  if (inputs.length === 0) throw new ValidationError({ field: 'messages', message: 'must not be empty (append at least one message)' });
  const now = options.now ?? Date.now;
  return Promise.all(
    inputs.map(async (input, index) => {
      if (typeof input !== 'object' || input === null) throw new ValidationError({ field: `messages[${index}]`, message: 'must be an object' });
      validateRole(`messages[${index}].role`, input.role);
      if (input.metadata !== undefined) validateJsonObject(`messages[${index}].metadata`, input.metadata);
      if (input.tags !== undefined) validateTags(`messages[${index}].tags`, input.tags);
      const countable = { role: input.role, name: input.name, content: input.content };
      let tokens: number;
      try {
        tokens = countMessageTokens(options.tokenizer, countable);
      } catch {
        throw new ValidationError({ field: `messages[${index}].content`, message: 'must be a string or an array of content parts' });
      }
      return {
        id: input.id ?? crypto.randomUUID(),
        role: input.role,
        ...(input.name !== undefined ? { name: input.name } : {}),
        content: input.content,
        createdAt: input.createdAt ?? new Date(now()),
        metadata: input.metadata ?? {},
        tags: input.tags ?? [],
        tokenCounts: { [options.tokenizer.encoding]: tokens },
        contentHash: await hashMessageContent(countable),
      };
    }),
  );
}

/** The content hash of a message: SHA-256 of canonical `{ role, name, content }`. */
export function hashMessageContent(message: { role: string; name?: string; content: unknown }): Promise<string> {
  return sha256Hex(canonicalJson({ role: message.role, name: message.name ?? null, content: message.content as JsonValue }));
}
