import { CapabilityError } from '../errors.js';
import type { MessageSearchHit, Store } from '../spec/store.js';
import { validateQuery } from '../spec/validate.js';
import type { Scope } from '../types.js';

export interface SearchOptions {
  readonly scope: Scope;
  /** Only this conversation; default: all of the scope's. */
  readonly conversationId?: string;
  readonly tags?: readonly string[];
  readonly limit?: number;
}

/**
 * Lexical search over stored messages, in one conversation or across all of the scope's.
 * @throws {CapabilityError} when the store has no lexical search.
 */
export async function searchMessages(store: Store, query: string, options: SearchOptions): Promise<MessageSearchHit[]> {
  validateQuery('query', query);
  if (!store.searchMessages) {
    const capability = store.capabilities.lexicalSearch;
    throw new CapabilityError({ store: store.name, capability: 'lexical search', hint: capability.available ? 'unavailable' : capability.reason });
  }
  const { scope, ...rest } = options;
  return store.searchMessages(scope, { query, ...rest });
}
