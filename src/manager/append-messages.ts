import { ConversationExpiredError, LLMContextError, ValidationError } from '../errors.js';
import { prepareMessages } from '../messages/prepare.js';
import type { AppendResult, Store } from '../spec/store.js';
import { validateConversationId, validateScope } from '../spec/validate.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { MessageContent, MessageInput } from '../types.js';
import type { AppendOptions } from './manager-options.js';

/**
 * Stores new turns, creating the conversation on first use (see `AppendOptions.ifMissing`: an
 * expired conversation is reported, not recreated, unless `ifMissing` is `'create'`). Token counts and content hashes are
 * computed here, once (`prepareMessages`). Messages whose id is already stored are not written again.
 * @throws {ValidationError} without options, for bad messages, or for a user or system message with empty or whitespace-only content (nothing written).
 * @throws {ConversationExpiredError} when the conversation expired and `ifMissing` is unset or `'error'`.
 * @throws {NotFoundError} when the conversation is missing and `ifMissing` is `'error'`.
 */
export async function appendMessages(options: {
  store: Store;
  tokenizer: () => Promise<Tokenizer>;
  clock?: { now(): number } | undefined;
  conversationId: string;
  messages: readonly MessageInput[];
  append: AppendOptions;
}): Promise<AppendResult> {
  const { store, conversationId, clock } = options;
  if (typeof options.append !== 'object' || options.append === null) {
    throw new ValidationError({ field: 'options', message: 'is required: append(conversationId, messages, { scope }); use defaultScope() for a single-tenant app' });
  }
  const { append } = options;
  validateScope(append.scope);
  validateConversationId(conversationId);
  const { ifMissing } = append;
  if (ifMissing !== undefined && ifMissing !== 'create' && ifMissing !== 'error') throw new ValidationError({ field: 'ifMissing', message: "must be 'create' or 'error'" });
  const tokenizer = await options.tokenizer();
  const prepared = await prepareMessages(options.messages, { tokenizer, ...(clock ? { now: () => clock.now() } : {}) });
  prepared.forEach((message, index) => {
    if ((message.role === 'user' || message.role === 'system') && !hasContent(message.content)) throw new ValidationError({ field: `messages[${index}].content`, message: 'must not be empty or whitespace only' });
  });
  const appendOptions = append.dedupeByContentHash ? { dedupeByContentHash: true } : {};
  try {
    return await store.appendMessages(append.scope, conversationId, prepared, appendOptions);
  } catch (error) {
    if (!(LLMContextError.isInstance(error) && error.code === 'not_found') || ifMissing === 'error') throw error;
    // Unset: only a conversation that never existed is created; an expired one must be asked for.
    if (ifMissing === undefined && ConversationExpiredError.isInstance(error)) throw error;
    await store.createConversation(append.scope, { ...append.conversation, id: conversationId }, { ifExists: 'return' });
    return store.appendMessages(append.scope, conversationId, prepared, appendOptions);
  }
}

/**
 * Whether content says anything: non-blank text, or any part that is not text (a file; reasoning
 * may be redacted and empty). Checked for user and system turns, which people and apps write: a
 * blank one is a bug upstream. Model and tool output is recorded as produced — an empty reply (a
 * safety stop, a tool that printed nothing) is a fact of the conversation, and adapters record it
 * losslessly.
 */
function hasContent(content: MessageContent): boolean {
  if (typeof content === 'string') return content.trim().length > 0;
  return content.some((part) => (part.type === 'text' ? part.text.trim().length > 0 : true));
}
