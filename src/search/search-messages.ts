import { CapabilityError, ValidationError } from '../errors.js';
import type { MessageSearchHit, MessageSearchResult, Store } from '../spec/store.js';
import type { Message, Scope } from '../types.js';
import { embedQuery, type Embedder } from './embedder.js';
import { reciprocalRankFusion } from './rank-fusion.js';

export interface SearchMessagesResult {
  /** Best first. Scores are BM25/full-text scores for lexical results, fused RRF scores when hybrid. */
  readonly hits: readonly MessageSearchHit[];
  readonly method: 'lexical' | 'vector' | 'hybrid';
  readonly notes: readonly string[];
}

/**
 * Search across all of a scope's conversations, or within one (`manager.search`): lexical through
 * `store.searchMessages`, plus vector search when an embedder is configured and the store has a
 * vector index, fused with reciprocal rank fusion (Cormack et al. 2009, k = 60). A failing
 * embedder degrades to lexical results with a note.
 *
 * @param options.limit 1–100. @default 10
 * @param options.tags only messages carrying all these tags (lexical side; vector hits are filtered after loading).
 * @throws {ValidationError} for an empty query or a bad limit.
 * @throws {CapabilityError} when the store has neither lexical nor vector search.
 */
export async function searchMessages(options: {
  store: Store;
  scope: Scope;
  query: string;
  conversationId?: string;
  tags?: readonly string[];
  limit?: number;
  embedder?: Embedder;
  signal?: AbortSignal;
}): Promise<SearchMessagesResult> {
  const { store, scope, query } = options;
  const limit = options.limit ?? 10;
  if (typeof query !== 'string' || query.trim().length === 0) throw new ValidationError({ field: 'query', message: 'must be a non-empty string' });
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError({ field: 'limit', message: 'must be an integer 1–100' });
  const canLexical = Boolean(store.searchMessages && store.capabilities.lexicalSearch.available);
  const canVector = Boolean(options.embedder && store.vectors && store.capabilities.vectorSearch.available);
  if (!canLexical && !canVector) {
    const reason = store.capabilities.lexicalSearch.available ? 'no searchMessages method' : store.capabilities.lexicalSearch.reason;
    throw new CapabilityError({ store: store.name, capability: 'lexicalSearch', hint: `${reason}; or configure an embedder with a store that has a vector index` });
  }
  const notes: string[] = [];
  const lexical = canLexical
    ? await store.searchMessages!(scope, { query, limit, ...(options.conversationId !== undefined ? { conversationId: options.conversationId } : {}), ...(options.tags ? { tags: options.tags } : {}) })
    : [];
  const coverage = (lexical as MessageSearchResult).coverage;
  if (coverage) notes.push(`lexical search read a bounded window (${coverage.bound}: ${coverage.messagesScanned} messages of ${coverage.conversationsScanned} conversations); older messages were not searched`);
  if (!canVector) return { hits: lexical, method: 'lexical', notes };

  const embedder = options.embedder!;
  let vectorHits: Array<{ conversationId: string; targetId: string; seq: number }>;
  try {
    const vector = await embedQuery({ embedder, text: query, ...(options.signal ? { signal: options.signal } : {}) });
    const found = await store.vectors!.search(scope, { kind: 'message', model: embedder.modelId, vector, limit, ...(options.conversationId !== undefined ? { conversationId: options.conversationId } : {}) });
    vectorHits = found.filter((hit) => hit.conversationId !== undefined).map((hit) => ({ conversationId: hit.conversationId!, targetId: hit.targetId, seq: hit.seq ?? 0 }));
  } catch (error) {
    options.signal?.throwIfAborted();
    notes.push(`embedder ${embedder.modelId} failed (${error instanceof Error ? error.name : 'error'}); lexical results only`);
    if (!canLexical) throw error;
    return { hits: lexical, method: 'lexical', notes };
  }
  const key = (conversationId: string, id: string) => `${conversationId}\u0000${id}`;
  const known = new Map<string, Message>(lexical.map((hit) => [key(hit.message.conversationId, hit.message.id), hit.message]));
  const fused = reciprocalRankFusion({ lists: [lexical.map((hit) => key(hit.message.conversationId, hit.message.id)), vectorHits.map((hit) => key(hit.conversationId, hit.targetId))] });
  const bySeq = new Map(vectorHits.map((hit) => [key(hit.conversationId, hit.targetId), hit]));
  const hits: MessageSearchHit[] = [];
  for (const { key: itemKey, score } of fused) {
    let message = known.get(itemKey);
    if (!message) {
      const hit = bySeq.get(itemKey)!;
      const [loaded] = await store.listMessages(scope, hit.conversationId, { order: 'asc', afterSeq: hit.seq - 1, limit: 1 });
      if (!loaded || loaded.id !== hit.targetId) continue;
      message = loaded;
    }
    if (options.tags && !options.tags.every((tag) => message.tags.includes(tag))) continue;
    hits.push({ message, score });
    if (hits.length >= limit) break;
  }
  return { hits, method: canLexical ? 'hybrid' : 'vector', notes };
}
