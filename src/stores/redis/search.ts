import type { StoreDriver } from '../define-store/driver.js';
import type { RedisContext } from './redis-context.js';
import { SEARCH_INDEX, type RedisSearchIndexOptions } from './lexical-index.js';

export { SEARCH_INDEX, type RedisSearchIndexOptions } from './lexical-index.js';

/**
 * Lexical search of the Redis driver: BM25 over the scope's inverted index (lexical-index.ts),
 * whole history, cost growing with the postings of the query's terms. A result carries
 * `coverage` only while appends are still being indexed or a term's postings were cut at
 * `maxPostings` (see `MessageSearchResult`).
 */
export function createMessageSearch(context: RedisContext, options: RedisSearchIndexOptions = {}): Required<Pick<StoreDriver, 'searchMessages'>> {
  const bounds = { ...SEARCH_INDEX, ...options };
  return {
    async searchMessages(scope, request) {
      return context.lexical.search(scope, request, context.clock.now(), bounds);
    },
  };
}
