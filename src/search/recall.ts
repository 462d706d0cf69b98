import type { Store } from '../spec/store.js';
import type { Message, Scope } from '../types.js';
import { embedQuery, type Embedder } from './embedder.js';
import { favourNamedSpeakers } from './named-speakers.js';
import { reciprocalRankFusion } from './rank-fusion.js';

/** A run of consecutive turns recalled from older history, in ascending `seq`. */
export interface RecallExcerpt {
  readonly conversationId: string;
  readonly messages: readonly Message[];
  /** Best fused score of the hits inside the excerpt; higher is better, comparable within one call. */
  readonly score: number;
  /** Ids of the messages that matched the query (the rest are neighbouring turns). */
  readonly hitIds: readonly string[];
}

export interface RecallOptions {
  readonly store: Store;
  readonly scope: Scope;
  /** The conversation being assembled. */
  readonly conversationId: string;
  /** Usually the current user turn's text. An empty or stop-word-only query recalls nothing. */
  readonly query: string;
  /** Oldest `seq` the recent window keeps verbatim: only turns with `seq < beforeSeq` are recalled from this conversation. */
  readonly beforeSeq: number;
  /** Token cap of the whole recall (sum of stored `tokenCounts[encoding]`). */
  readonly maxTokens: number;
  /** Encoding whose stored counts are used, e.g. `o200k_base`. */
  readonly encoding: string;
  /** Turns added around each hit (`before` only around the best {@link LEADING_CONTEXT_HITS} hits). @default { before: 1, after: 1 } */
  readonly neighbours?: { readonly before: number; readonly after: number };
  /** Adds vector search (hybrid, fused with reciprocal rank fusion) when the store has a vector index. */
  readonly embedder?: Embedder;
  /** Time limit for embedding the query, in ms; past it recall goes on lexically (with a note). @default 2000 */
  readonly embedTimeoutMs?: number;
  /** Also recall from the scope's other conversations. @default false */
  readonly otherConversations?: boolean;
  /** Hits requested from each search (1–100). @default grows with maxTokens: clamp(maxTokens / 40, 10, 100) */
  readonly limit?: number;
  /**
   * Tokens a recalled message costs where it will be placed (e.g. a rendered line of the system
   * message). @default its stored `tokenCounts[encoding]` (a message lacking one costs 0 here)
   */
  readonly cost?: (message: Message) => number;
  /** Tokens each separate excerpt adds (a separator or header line), counted in `maxTokens`. @default 0 */
  readonly excerptCost?: number;
  readonly signal?: AbortSignal;
}

export interface RecallResult {
  /** Excerpts in chronological order (by the first turn's `createdAt`, then conversation and `seq`). */
  readonly excerpts: readonly RecallExcerpt[];
  /** What the excerpts cost: the sum of `cost` over the recalled messages plus `excerptCost` per excerpt. */
  readonly tokens: number;
  /** Which searches ran: `lexical`, `vector`, or both (`hybrid`); `none` when neither is available. */
  readonly method: 'lexical' | 'vector' | 'hybrid' | 'none';
  /** Why recall was limited or skipped (capability absent, embedder failure), for the report. */
  readonly notes: readonly string[];
}

interface Hit {
  readonly conversationId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly message?: Message;
}

/**
 * Semantic recall for assembly: finds the turns of older history (and, optionally, of the scope's
 * other conversations) that match `query`, expands each with its neighbouring turns, and returns
 * them as merged, de-duplicated, chronological excerpts whose stored token counts fit `maxTokens`.
 *
 * Retrieval is lexical (`store.searchMessages`, BM25 or Postgres full-text) and, when an embedder
 * and `store.vectors` are both present, also vector search; the two lists are fused with
 * reciprocal rank fusion (Cormack et al. 2009, k = 60). Lexical hits spoken by a participant the
 * query names are favoured ({@link favourNamedSpeakers}). Hits are taken best first; the best
 * {@link LEADING_CONTEXT_HITS} get `before` and `after` neighbours, later ones only `after`; an
 * expansion that does not fit is shrunk to the hit alone, and a hit that does not fit is skipped.
 * Expansions never cross `beforeSeq` in this conversation (the window already holds those
 * turns) and keep tool-call groups whole: an excerpt never starts with a tool result whose call
 * is missing, nor ends with a tool call whose result is missing (such a group is dropped instead).
 *
 * Cost is bounded by `limit` and the neighbour span, never by history length. A failing embedder
 * does not fail recall: it falls back to lexical results and says so in `notes`.
 */
export async function recallExcerpts(options: RecallOptions): Promise<RecallResult> {
  const notes: string[] = [];
  const neighbours = options.neighbours ?? { before: 1, after: 1 };
  const limit = Math.min(100, Math.max(1, options.limit ?? Math.min(100, Math.max(10, Math.ceil(options.maxTokens / 40)))));
  if (options.maxTokens <= 0 || options.query.trim().length === 0) return { excerpts: [], tokens: 0, method: 'none', notes };

  const lexical = await lexicalHits(options, limit, notes);
  const vector = await vectorHits(options, limit, notes);
  const method = lexical && vector ? 'hybrid' : lexical ? 'lexical' : vector ? 'vector' : 'none';
  const ranked = fuse([lexical ?? [], vector ?? []]);
  if (ranked.length === 0) return { excerpts: [], tokens: 0, method, notes };

  const selected = new Map<string, { message: Message; hit: boolean }>();
  let tokens = 0;
  const costs = new Map<string, number>();
  const keyOf = (message: Message) => `${message.conversationId}\u0000${message.id}`;
  const cost = (message: Message) => {
    const key = keyOf(message);
    let value = costs.get(key);
    if (value === undefined) costs.set(key, (value = options.cost ? options.cost(message) : (message.tokenCounts[options.encoding] ?? 0)));
    return value;
  };
  const excerptCost = options.excerptCost ?? 0;
  let runs = 0;
  const scores = new Map<string, number>();

  for (const [rank, { hit, score }] of ranked.entries()) {
    options.signal?.throwIfAborted();
    if (tokens >= options.maxTokens) break;
    const hitKey = `${hit.conversationId}\u0000${hit.messageId}`;
    if (selected.get(hitKey)?.hit) continue;
    // Lexical hits carry their message: skip the neighbour reads when even the hit alone cannot fit.
    if (hit.message && !selected.has(hitKey) && tokens + cost(hit.message) > options.maxTokens) continue;
    const span = await expand(options, hit, rank < LEADING_CONTEXT_HITS ? neighbours : { before: 0, after: neighbours.after });
    if (span.length === 0) continue;
    const core = span.find((message) => message.id === hit.messageId);
    if (!core) continue;
    const candidates = [span, toolGroupOf(span, core)];
    for (const candidate of candidates) {
      if (candidate.length === 0) continue;
      const added = candidate.filter((message) => !selected.has(keyOf(message)));
      const newRuns = excerptCost > 0 ? countRuns([...selected.values()].map((entry) => entry.message).concat(added)) : 0;
      const addedTokens = added.reduce((sum, message) => sum + cost(message), 0) + (newRuns - runs) * excerptCost;
      if (tokens + addedTokens > options.maxTokens) continue;
      for (const message of added) selected.set(keyOf(message), { message, hit: false });
      selected.set(hitKey, { message: core, hit: true });
      scores.set(hitKey, score);
      tokens += addedTokens;
      runs = newRuns;
      break;
    }
  }
  return { excerpts: mergeIntoExcerpts([...selected.values()], scores), tokens, method, notes };
}

/**
 * Hits (best first) that get their `before` neighbours; later hits get only the turns after them.
 * A turn before a hit is the question or remark it answers: worth its tokens around the best
 * matches, less so further down, where the same tokens buy more hits (and the turns after a hit,
 * which hold the reply to a matched question, stay). Measured on the LoCoMo dev file with
 * neighbours 1/2 (`npm run eval`, bench/eval/README.md), evidence recall at 1k / 2k / 4k / 8k:
 * `before` for every hit 0.777 / 0.845 / 0.897 / 0.932; for the best 16: 0.777 / 0.845 / 0.896 /
 * 0.937; best 8: 0.777 / 0.844 / 0.901 / 0.936; best 4: 0.780 / 0.849 / 0.900 / 0.936; for none:
 * 0.788 / 0.847 / 0.890 / 0.930. Anywhere from 4 to 12 is within noise; 4 is kept.
 */
export const LEADING_CONTEXT_HITS = 4;

/** Number of excerpts the messages form: runs of consecutive seqs per conversation. */
function countRuns(messages: readonly Message[]): number {
  const keys = new Set(messages.map((message) => `${message.conversationId}\u0000${message.seq}`));
  let runs = 0;
  for (const message of messages) if (!keys.has(`${message.conversationId}\u0000${message.seq - 1}`)) runs++;
  return runs;
}

async function lexicalHits(options: RecallOptions, limit: number, notes: string[]): Promise<Hit[] | null> {
  const { store, scope } = options;
  if (!store.searchMessages || !store.capabilities.lexicalSearch.available) {
    notes.push(`lexical search unavailable in the ${store.name} store`);
    return null;
  }
  const own = favourNamedSpeakers(await store.searchMessages(scope, { query: options.query, conversationId: options.conversationId, beforeSeq: options.beforeSeq, limit }), options.query);
  const hits: Hit[] = own.map(({ message }) => ({ conversationId: message.conversationId, messageId: message.id, seq: message.seq, message }));
  if (options.otherConversations) {
    const all = favourNamedSpeakers(await store.searchMessages(scope, { query: options.query, limit }), options.query);
    for (const { message } of all) {
      if (message.conversationId !== options.conversationId) hits.push({ conversationId: message.conversationId, messageId: message.id, seq: message.seq, message });
    }
  }
  return hits;
}

async function vectorHits(options: RecallOptions, limit: number, notes: string[]): Promise<Hit[] | null> {
  const { store, scope, embedder } = options;
  if (!embedder) return null;
  if (!store.vectors || !store.capabilities.vectorSearch.available) {
    notes.push(`vector search unavailable in the ${store.name} store; recall is lexical only`);
    return null;
  }
  let vector: number[];
  try {
    vector = await embedQuery({ embedder, text: options.query, timeoutMs: options.embedTimeoutMs ?? 2000, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    options.signal?.throwIfAborted();
    notes.push(`embedder ${embedder.modelId} failed (${error instanceof Error ? error.name : 'error'}); recall is lexical only`);
    return null;
  }
  const base = { kind: 'message' as const, model: embedder.modelId, vector, limit };
  const own = await store.vectors.search(scope, { ...base, conversationId: options.conversationId, beforeSeq: options.beforeSeq });
  const hits: Hit[] = own.map((hit) => ({ conversationId: hit.conversationId ?? options.conversationId, messageId: hit.targetId, seq: hit.seq ?? 0 }));
  if (options.otherConversations) {
    for (const hit of await store.vectors.search(scope, base)) {
      if (hit.conversationId !== undefined && hit.conversationId !== options.conversationId) {
        hits.push({ conversationId: hit.conversationId, messageId: hit.targetId, seq: hit.seq ?? 0 });
      }
    }
  }
  return hits;
}

/** Reciprocal rank fusion of the lists; a single list keeps its own order. */
function fuse(lists: readonly Hit[][]): Array<{ hit: Hit; score: number }> {
  const byKey = new Map<string, Hit>();
  const keyLists = lists.map((list) =>
    list.map((hit) => {
      const key = `${hit.conversationId}\u0000${hit.messageId}`;
      const known = byKey.get(key);
      if (!known || (!known.message && hit.message)) byKey.set(key, hit);
      return key;
    }),
  );
  return reciprocalRankFusion({ lists: keyLists.filter((list) => list.length > 0) }).map(({ key, score }) => ({ hit: byKey.get(key)!, score }));
}

/**
 * The hit with up to `before`/`after` neighbouring turns (by position, so deleted seqs are skipped),
 * clipped at the window, then widened to whole tool-call groups (at most {@link MAX_GROUP_STEPS}
 * extra reads) and trimmed of any part of a group it still cuts.
 */
async function expand(options: RecallOptions, hit: Hit, neighbours: { before: number; after: number }): Promise<Message[]> {
  const { store, scope } = options;
  const upperBound = hit.conversationId === options.conversationId ? options.beforeSeq : undefined;
  const within = upperBound !== undefined ? { beforeSeq: upperBound } : {};
  if (!(hit.seq >= 1)) return []; // a vector record stored without its seq cannot be placed
  const forward = await store.listMessages(scope, hit.conversationId, { order: 'asc', afterSeq: hit.seq - 1, ...within, limit: 1 + Math.max(0, neighbours.after) });
  if (forward[0]?.id !== hit.messageId) return [];
  const backward = neighbours.before > 0 ? await store.listMessages(scope, hit.conversationId, { order: 'desc', beforeSeq: hit.seq, limit: neighbours.before }) : [];
  const span = [...backward.reverse(), ...forward];
  for (let step = 0; step < MAX_GROUP_STEPS && span[0]?.role === 'tool'; step++) {
    const [previous] = await store.listMessages(scope, hit.conversationId, { order: 'desc', beforeSeq: span[0].seq, limit: 1 });
    if (!previous) break;
    span.unshift(previous);
  }
  for (let step = 0; step < MAX_GROUP_STEPS && span.some((message) => !answeredWithin(span, message)); step++) {
    const [next] = await store.listMessages(scope, hit.conversationId, { order: 'asc', afterSeq: span[span.length - 1]!.seq, ...within, limit: 1 });
    if (!next || next.role !== 'tool') break;
    span.push(next);
  }
  return trimToolEdges(span);
}

/** Tool results a group may span; a longer group is cut (and then dropped) rather than read on. */
const MAX_GROUP_STEPS = 8;

/** The smallest tool-call group around `core` inside `span` (just `core` when it is not part of one). */
function toolGroupOf(span: readonly Message[], core: Message): Message[] {
  const index = span.indexOf(core);
  let start = index;
  let end = index;
  while (start > 0 && span[start]!.role === 'tool') start--;
  while (end + 1 < span.length && span[end + 1]!.role === 'tool' && hasToolCall(span[start]!)) end++;
  const group = span.slice(start, end + 1);
  return isWhole(group) ? group : [];
}

/** Drops leading orphan tool results, and everything from the first tool call whose results lie outside the span. */
function trimToolEdges(span: Message[]): Message[] {
  let result = span;
  while (result.length > 0 && result[0]!.role === 'tool') result = result.slice(1);
  for (let index = 0; index < result.length; index++) {
    const message = result[index]!;
    if (hasToolCall(message) && !answeredWithin(result, message)) return result.slice(0, index);
  }
  return result;
}

function hasToolCall(message: Message): boolean {
  return typeof message.content !== 'string' && message.content.some((part) => part.type === 'tool-call');
}

/** Every tool call of `message` has its result inside `messages`. */
function answeredWithin(messages: readonly Message[], message: Message): boolean {
  if (typeof message.content === 'string') return true;
  const results = new Set<string>();
  for (const other of messages) {
    if (typeof other.content === 'string') continue;
    for (const part of other.content) if (part.type === 'tool-result') results.add(part.toolCallId);
  }
  return message.content.every((part) => part.type !== 'tool-call' || results.has(part.toolCallId));
}

/** A group is whole when it starts with no orphan result and every call in it is answered in it. */
function isWhole(group: readonly Message[]): boolean {
  if (group.length === 0 || group[0]!.role === 'tool') return false;
  return group.every((message) => answeredWithin(group, message));
}

function mergeIntoExcerpts(selected: ReadonlyArray<{ message: Message; hit: boolean }>, scores: ReadonlyMap<string, number>): RecallExcerpt[] {
  const byConversation = new Map<string, Array<{ message: Message; hit: boolean }>>();
  for (const entry of selected) {
    const list = byConversation.get(entry.message.conversationId) ?? [];
    list.push(entry);
    byConversation.set(entry.message.conversationId, list);
  }
  const excerpts: RecallExcerpt[] = [];
  for (const [conversationId, entries] of byConversation) {
    entries.sort((left, right) => left.message.seq - right.message.seq);
    let current: Array<{ message: Message; hit: boolean }> = [];
    const flush = () => {
      if (current.length === 0) return;
      const hitIds = current.filter((entry) => entry.hit).map((entry) => entry.message.id);
      const score = Math.max(0, ...hitIds.map((id) => scores.get(`${conversationId}\u0000${id}`) ?? 0));
      excerpts.push({ conversationId, messages: current.map((entry) => entry.message), score, hitIds });
      current = [];
    };
    for (const entry of entries) {
      const previous = current[current.length - 1];
      // Contiguous when no stored turn lies between them; seqs may have gaps from deletions, so
      // "next seq" is approximated by adjacency in the selection plus a seq step of 1.
      if (previous && entry.message.seq !== previous.message.seq + 1) flush();
      current.push(entry);
    }
    flush();
  }
  return excerpts.sort(
    (left, right) =>
      left.messages[0]!.createdAt.getTime() - right.messages[0]!.createdAt.getTime() ||
      (left.conversationId < right.conversationId ? -1 : left.conversationId > right.conversationId ? 1 : 0) ||
      left.messages[0]!.seq - right.messages[0]!.seq,
  );
}
