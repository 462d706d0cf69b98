import { LLMContextError } from '../errors.js';
import { prepareMessages } from '../messages/prepare.js';
import type { AppendResult, Store } from '../spec/store.js';
import { validateConversationId, validateScope } from '../spec/validate.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { MessageInput } from '../types.js';
import type { AppendOptions } from './manager-options.js';

/**
 * Stores new turns, creating the conversation on first use. Token counts and content hashes are
 * computed here, once (`prepareMessages`). Messages whose id is already stored are not written again.
 * @throws {ValidationError} for bad messages (nothing written).
 */
export async function appendMessages(options: {
  store: Store;
  tokenizer: () => Promise<Tokenizer>;
  clock?: { now(): number } | undefined;
  conversationId: string;
  messages: readonly MessageInput[];
  append: AppendOptions;
}): Promise<AppendResult> {
  const { store, conversationId, append, clock } = options;
  validateScope(append.scope);
  validateConversationId(conversationId);
  const tokenizer = await options.tokenizer();
  const prepared = await prepareMessages(options.messages, { tokenizer, ...(clock ? { now: () => clock.now() } : {}) });
  const appendOptions = append.dedupeByContentHash ? { dedupeByContentHash: true } : {};
  try {
    return await store.appendMessages(append.scope, conversationId, prepared, appendOptions);
  } catch (error) {
    if (!(LLMContextError.isInstance(error) && error.code === 'not_found')) throw error;
    await store.createConversation(append.scope, { ...append.conversation, id: conversationId }, { ifExists: 'return' });
    return store.appendMessages(append.scope, conversationId, prepared, appendOptions);
  }
}
