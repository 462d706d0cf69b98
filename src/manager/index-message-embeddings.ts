import { ValidationError } from '../errors.js';
import type { Embedder } from '../search/embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from '../search/index-embeddings.js';
import type { Store } from '../spec/store.js';
import type { Message, Scope } from '../types.js';

/**
 * Embeds messages that have no vector yet for the embedder (each once, in batches).
 * @param options.messages the messages to index; default: the newest 1,000 of the conversation.
 * @returns how many were embedded now.
 * @throws {ValidationError} when no embedder is configured; `CapabilityError` when the store has no vector index.
 */
export async function indexMessageEmbeddings(options: {
  store: Store;
  embedder: Embedder | undefined;
  scope: Scope;
  conversationId: string;
  messages?: readonly Message[] | undefined;
}): Promise<{ embedded: number }> {
  const { store, embedder, scope } = options;
  if (!embedder) throw new ValidationError({ field: 'embedder', message: 'is not configured; pass { embedder } to the ContextManager' });
  const messages = options.messages ?? (await store.listMessages(scope, options.conversationId, { order: 'desc', limit: 1000 }));
  const result = await indexEmbeddings({
    store,
    scope,
    embedder,
    targets: messages.map(messageEmbeddingTarget).filter((target) => target.text.trim().length > 0),
  });
  return { embedded: result.embedded };
}
