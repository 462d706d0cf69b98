import { CapabilityError } from '../errors.js';
import { embedQuery, type Embedder } from '../search/embedder.js';
import { contentSearchText } from '../search/message-text.js';
import { reciprocalRankFusion } from '../search/rank-fusion.js';
import type { MessageSearchHit, Store } from '../spec/store.js';
import { validateQuery } from '../spec/validate.js';
import type { Message, Scope } from '../types.js';

export interface SearchOptions {
  readonly scope: Scope;
  /** Only this conversation; default: all of the scope's. */
  readonly conversationId?: string;
  readonly tags?: readonly string[];
  /** Hits to return, 1–100. @default 10 */
  readonly limit?: number;
}

/**
 * Search over stored messages, in one conversation or across all of the scope's, best first:
 * lexical (`store.searchMessages`), fused by reciprocal rank fusion (Cormack et al. 2009, k = 60)
 * with vector search when an embedder is given and the store has a vector index (hybrid; then
 * `score` is the fused score). An embedder that fails leaves the search lexical.
 * @throws {CapabilityError} when the store has no lexical search.
 */
export async function searchMessages(store: Store, query: string, options: SearchOptions & { embedder?: Embedder | undefined }): Promise<MessageSearchHit[]> {
  validateQuery('query', query);
  if (!store.searchMessages) {
    const capability = store.capabilities.lexicalSearch;
    throw new CapabilityError({ store: store.name, capability: 'lexical search', hint: capability.available ? 'unavailable' : capability.reason });
  }
  const { scope, embedder, ...rest } = options;
  const lexical = await store.searchMessages(scope, { query, ...rest });
  if (!embedder || !store.vectors || !store.capabilities.vectorSearch.available || rest.tags !== undefined) return lexical;
  let vector: number[];
  try {
    vector = await embedQuery({ embedder, text: query });
  } catch {
    return lexical;
  }
  const limit = rest.limit ?? 10;
  const vectorHits = await store.vectors.search(scope, { kind: 'message', model: embedder.modelId, vector, limit, ...(rest.conversationId !== undefined ? { conversationId: rest.conversationId } : {}) });
  const key = (conversationId: string, messageId: string) => `${conversationId}\u0000${messageId}`;
  const known = new Map(lexical.map((hit) => [key(hit.message.conversationId, hit.message.id), hit.message]));
  const placed = new Map(vectorHits.flatMap((hit) => (hit.conversationId !== undefined && hit.seq !== undefined ? [[key(hit.conversationId, hit.targetId), { conversationId: hit.conversationId, seq: hit.seq }] as const] : [])));
  const fused = reciprocalRankFusion({ lists: [lexical.map((hit) => key(hit.message.conversationId, hit.message.id)), [...placed.keys()]] }).slice(0, limit);
  const hits: MessageSearchHit[] = [];
  for (const { key: hitKey, score } of fused) {
    const message = known.get(hitKey) ?? (await readMessage(store, scope, placed.get(hitKey)));
    if (message) hits.push({ message, score });
  }
  return hits;
}

async function readMessage(store: Store, scope: Scope, at: { conversationId: string; seq: number } | undefined): Promise<Message | undefined> {
  if (!at) return undefined;
  const [message] = await store.listMessages(scope, at.conversationId, { order: 'asc', afterSeq: at.seq - 1, limit: 1 });
  return message?.seq === at.seq ? message : undefined;
}

/** One conversation found by {@link searchConversations}. */
export interface ConversationSearchHit {
  readonly conversationId: string;
  /** The best message score of the conversation (comparable only within one result list). */
  readonly score: number;
  /** Messages that matched in this search. */
  readonly matches: number;
  /** The best matches, best first: where and what (text shortened to at most `SNIPPET_CHARS` characters). */
  readonly snippets: ReadonlyArray<{ readonly messageId: string; readonly seq: number; readonly role: Message['role']; readonly text: string }>;
}

/** Longest snippet text, in characters. */
export const SNIPPET_CHARS = 200;

/**
 * Conversations of the scope ranked by their best matching messages (hybrid when an embedder is
 * given, lexical otherwise; see {@link searchMessages}), each with up to `snippets` snippets.
 * Reads at most 100 message hits.
 * @throws {CapabilityError} when the store has no lexical search.
 */
export async function searchConversations(
  store: Store,
  query: string,
  options: { scope: Scope; tags?: readonly string[]; limit?: number; snippets?: number; embedder?: Embedder | undefined },
): Promise<ConversationSearchHit[]> {
  const hits = await searchMessages(store, query, { scope: options.scope, limit: 100, ...(options.tags ? { tags: options.tags } : {}), embedder: options.embedder });
  const byConversation = new Map<string, MessageSearchHit[]>();
  for (const hit of hits) {
    const list = byConversation.get(hit.message.conversationId) ?? [];
    list.push(hit);
    byConversation.set(hit.message.conversationId, list);
  }
  const snippets = options.snippets ?? 3;
  return [...byConversation]
    .map(([conversationId, list]) => ({
      conversationId,
      score: list[0]!.score,
      matches: list.length,
      snippets: list.slice(0, snippets).map(({ message }) => ({ messageId: message.id, seq: message.seq, role: message.role, text: snippetText(contentSearchText(message.content), query) })),
    }))
    .sort((left, right) => right.score - left.score || right.matches - left.matches)
    .slice(0, options.limit ?? 10);
}

/** The text around the first query word found, at most {@link SNIPPET_CHARS} characters, marked with `…` where cut. */
function snippetText(text: string, query: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= SNIPPET_CHARS) return flat;
  const lower = flat.toLowerCase();
  const at = query.toLowerCase().split(/\s+/).filter((word) => word.length > 0).map((word) => lower.indexOf(word)).filter((index) => index >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, Math.min(at - 40, flat.length - SNIPPET_CHARS + 2));
  const end = Math.min(flat.length, start + SNIPPET_CHARS - 2);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
