import { analyzeText } from '../../search/analyze-text.js';
import { MAX_POSTINGS_SCANNED } from '../../search/lexical-index.js';
import { messageSearchText } from '../../search/message-text.js';
import type { MessageSearchHit, MessageSearchOptions, SearchCoverage } from '../../spec/store.js';
import type { Scope } from '../../types.js';
import { decodeMessage } from './codec.js';
import { conversationKeys, lexicalKeys, postingConversation, scopeKeys } from './keys.js';
import { runScript, type RedisClientLike } from './redis-client.js';
import * as scripts from './scripts.js';
import { ownedAndLive, readRange } from './tail-read.js';

/** Bounds of the Redis lexical index; `createRedisStore({ searchIndex })` overrides them. */
export interface RedisSearchIndexOptions {
  /**
   * Messages appended since the last indexing pass that one search indexes before it runs; the
   * rest is indexed by the next searches, and until then a result's `coverage` says so. Bounds
   * the latency a search (and an `assemble` that recalls) can add after a bulk import, and how
   * long one indexing script holds Redis (≈ 45 postings per message). @default 500
   */
  readonly catchUpMessages?: number;
  /** Postings read per query term; a term in more messages is scored on its first ones only (and `coverage` says so). @default 5000 */
  readonly maxPostings?: number;
}

export const SEARCH_INDEX: Required<RedisSearchIndexOptions> = { catchUpMessages: 500, maxPostings: MAX_POSTINGS_SCANNED };

/**
 * Writers' clocks may disagree: an indexing pass looks this far (ms) behind its watermark, so a
 * conversation stamped by a slower clock after the watermark passed it is still found.
 */
const CLOCK_ALLOWANCE_MS = 10_000;
/** Conversations one indexing pass indexes (or finds unchanged), oldest update first. */
const CONVERSATIONS_PER_PASS = 100;
/** Listing entries one pass scans for those (entries unchanged since their last pass are skipped in Redis). */
const SCANNED_PER_PASS = 2000;
/** BM25 parameters of the in-process index (src/search/lexical-index.ts), so scores rank alike. */
const K1 = 1.2;
const B = 0.75;

interface Posting {
  readonly conversation: string;
  readonly seq: number;
  score: number;
}

/**
 * The Redis store's lexical (BM25) index over the whole history of each scope, kept under the
 * scope's hash tag (one slot):
 * - `…:lex:t:<term>` — one sorted set per term, all scores 0 so members sort lexicographically:
 *   postings `<conversation>:<seq>:<tf>:<length>` (conversation percent-encoded). A query term
 *   costs one `ZRANGEBYLEX` of its postings (of one conversation: the range `[c:` … `(c;`), so
 *   a search reads what matches, never the history.
 * - `…:lex:c:<conversation>` — set of the term keys a conversation has postings in, so deleting it
 *   removes its postings term by term (`ZREMRANGEBYLEX`) without reading its messages.
 * - `…:lex:stats` — hash: `N` messages indexed, `L` their total length (BM25's collection
 *   statistics), `w` the watermark, and per conversation `s:` indexed-through seq, `n:`/`l:` its
 *   messages and length, `u:` the listing score its last complete pass saw, `c:` its `createdAt`
 *   (a conversation expired and created again under the same id before a sweep is re-indexed).
 *
 * Terms come from {@link analyzeText} over {@link messageSearchText}, the analyzer of every other
 * store (stopwords, Porter stems, CJK bigrams), so the same query finds the same messages.
 *
 * **Indexed on search, not on append**, so appends stay one script: each search first runs an
 * indexing pass over the conversations updated since the watermark (the scope's `updatedAt`
 * index), indexing their messages past `s:` — at most `catchUpMessages` per search, the rest
 * on later searches, said in the result's `coverage` meanwhile. A compare-and-set on `s:` keeps two
 * concurrent passes from indexing a message twice. A conversation whose listing score is still the
 * one its last complete pass saw (`u:`) is skipped inside Redis, so a pass costs what changed.
 * Limit: an append by a writer whose clock is behind the conversation's `updatedAt` leaves that
 * score unchanged; its messages are indexed at the conversation's next update.
 *
 * **Removal.** Deleting a message removes its postings (its text is re-analyzed); deleting a
 * conversation, the TTL sweep (`sweepExpired`) and erasure purge a conversation's postings;
 * `eraseUser` unlinks every lexical key of the scope (they are named in the scope's registry).
 * A conversation that expires natively loses its messages at once; its postings go when the
 * sweep meets it, or when a search or indexing pass finds the conversation gone — hits are always
 * read back from the conversation, so a stale posting is never returned.
 */
export function createLexicalIndex(options: { client: RedisClientLike; prefix: string }) {
  const { client, prefix } = options;

  /** Removes every posting of a conversation (retried when a concurrent pass adds terms meanwhile). */
  async function purge(scope: Scope, conversationId: string): Promise<void> {
    const keys = lexicalKeys(prefix, scope);
    const termsKey = keys.conversationTerms(conversationId);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const terms = await client.smembers(termsKey);
      const applied = await runScript(client, scripts.LEX_PURGE, [keys.stats, termsKey, ...terms], [conversationId, postingConversation(conversationId)]);
      if (Number(applied) === 1) return;
    }
  }

  /** Removes one deleted message's postings, given its stored JSON. */
  async function removeMessage(scope: Scope, conversationId: string, json: string): Promise<void> {
    const keys = lexicalKeys(prefix, scope);
    const message = decodeMessage(json, conversationId);
    const { frequencies, length } = analyzeMessage(messageSearchText(message));
    if (frequencies.size === 0) return;
    await runScript(client, scripts.LEX_REMOVE, [keys.stats, ...[...frequencies.keys()].map((term) => keys.term(term))], [conversationId, postingConversation(conversationId), message.seq, length]);
  }

  /** Indexes stored messages (JSON, ascending seq) of a conversation indexed through `fromSeq`. Returns false when another pass got there first. */
  async function add(scope: Scope, conversationId: string, fromSeq: number, listedScore: string, createdAt: string, members: readonly string[]): Promise<boolean> {
    const keys = lexicalKeys(prefix, scope);
    const encoded = postingConversation(conversationId);
    const postings = new Map<string, string[]>();
    let totalLength = 0;
    let lastSeq = fromSeq;
    for (const json of members) {
      const message = decodeMessage(json, conversationId);
      const { frequencies, length } = analyzeMessage(messageSearchText(message));
      totalLength += length;
      lastSeq = message.seq;
      for (const [term, frequency] of frequencies) {
        const list = postings.get(term) ?? [];
        if (list.length === 0) postings.set(term, list);
        list.push(`${encoded}:${message.seq}:${frequency}:${length}`);
      }
    }
    const termKeys: string[] = [];
    const args: Array<string | number> = [conversationId, String(fromSeq), String(lastSeq), members.length, totalLength, listedScore, createdAt];
    for (const [term, list] of postings) {
      termKeys.push(keys.term(term));
      args.push(list.length, ...list);
    }
    const applied = await runScript(client, scripts.LEX_ADD, [keys.stats, keys.conversationTerms(conversationId), scopeKeys(prefix, scope).registry, ...termKeys], args);
    return Number(applied) === 1;
  }

  /**
   * One indexing pass: the conversations updated since the watermark (less the clock allowance),
   * oldest first, each indexed past its `s:` seq, `budget` messages in all. Returns whether
   * everything appended so far is indexed.
   */
  async function catchUp(scope: Scope, now: number, budget: number): Promise<boolean> {
    const keys = lexicalKeys(prefix, scope);
    const reply = (await runScript(client, scripts.LEX_CHANGED, [scopeKeys(prefix, scope).all, keys.stats], [CLOCK_ALLOWANCE_MS, CONVERSATIONS_PER_PASS, SCANNED_PER_PASS])) as string[];
    const watermark = Number(reply[0]);
    const more = reply[1] === '1';
    const lastScanned = reply[2] === '' ? undefined : Number(reply[2]);
    const candidates: Array<{ id: string; score: string; indexed: number; createdAt: string }> = [];
    for (let offset = 3; offset + 3 < reply.length; offset += 4) candidates.push({ id: reply[offset]!, score: reply[offset + 1]!, indexed: Number(reply[offset + 2]), createdAt: reply[offset + 3]! });
    // Probe all at once (one round trip on one connection): visibility, and whether anything is new.
    const probes = await Promise.all(candidates.map((candidate) => probe(scope, candidate.id, candidate.indexed, candidate.createdAt, now)));
    let remaining = budget;
    /** Whether every candidate so far is indexed through: the watermark may pass them. */
    let contiguous = true;
    let doneThrough: number | undefined;
    for (const [position, listed] of candidates.entries()) {
      const { state, createdAt } = probes[position]!;
      let candidate = listed;
      let done = true;
      if (state === 'recreated') {
        // Expired and created again under the same id before a sweep: its postings name the old messages.
        await purge(scope, candidate.id);
        candidate = { ...candidate, indexed: 0 };
      }
      if (state === 'gone') await purge(scope, candidate.id);
      else if (state === 'pending') done = false;
      else if (state === 'indexed') await runScript(client, scripts.LEX_SEEN, [keys.stats], [candidate.id, candidate.score]);
      else {
        const members = remaining > 0 ? await readRange({ client, keys: conversationKeys(prefix, scope.tenantId, candidate.id), scope, now, order: 'asc', min: `(${candidate.indexed}`, max: '+inf', limit: remaining + 1 }) : [];
        const taken = (members ?? []).slice(0, remaining);
        if (taken.length > 0) {
          const through = members!.length === taken.length;
          const applied = await add(scope, candidate.id, candidate.indexed, through ? candidate.score : '', createdAt, taken);
          remaining -= taken.length;
          done = applied && through;
        } else done = members === null;
      }
      if (!done) contiguous = false;
      // The watermark only passes conversations that are indexed through, in score order.
      if (contiguous) doneThrough = Number(candidate.score);
    }
    // Everything scanned is indexed: the watermark moves to the last entry scanned.
    if (contiguous && lastScanned !== undefined) doneThrough = Math.max(doneThrough ?? 0, lastScanned);
    if (doneThrough !== undefined && doneThrough > watermark) await runScript(client, scripts.LEX_MARK, [keys.stats], [String(doneThrough)]);
    return contiguous && !more;
  }

  /**
   * `gone` (absent, expired, another scope's), `pending` (a fork or import still filling),
   * `recreated` (its `createdAt` is not the one indexed), `new` (messages past `indexed`) or
   * `indexed`; with the conversation's `createdAt`.
   */
  async function probe(scope: Scope, conversationId: string, indexed: number, indexedCreatedAt: string, now: number): Promise<{ state: 'gone' | 'pending' | 'recreated' | 'new' | 'indexed'; createdAt: string }> {
    const keys = conversationKeys(prefix, scope.tenantId, conversationId);
    const replies = await client.multi().hmget(keys.meta, 'tenantId', 'userId', 'expiresAt', 'pending', 'createdAt').zrangebyscore(keys.msgs, `(${indexed}`, '+inf', 'LIMIT', 0, 1).exec();
    if (!replies) throw new Error('MULTI aborted');
    for (const [error] of replies) if (error) throw error;
    const meta = replies[0]![1] as Array<string | null>;
    const createdAt = meta[4] ?? '';
    if (meta[3] !== null && meta[3] !== undefined) return { state: 'pending', createdAt };
    if (!ownedAndLive(meta, scope, now)) return { state: 'gone', createdAt };
    if (indexedCreatedAt !== '' && indexedCreatedAt !== createdAt) return { state: 'recreated', createdAt };
    return { state: (replies[1]![1] as string[]).length > 0 ? 'new' : 'indexed', createdAt };
  }

  /**
   * BM25 over the postings of the query's terms (collection statistics of the whole scope), then
   * the best postings read back from their conversations (so deleted or expired ones drop out), in
   * pages until `limit` hits pass the filters. Runs an indexing pass first.
   */
  async function search(scope: Scope, request: MessageSearchOptions & { limit: number }, now: number, bounds: Required<RedisSearchIndexOptions>): Promise<MessageSearchHit[] & { coverage?: SearchCoverage }> {
    const keys = lexicalKeys(prefix, scope);
    const indexed = await catchUp(scope, now, bounds.catchUpMessages);
    const terms = [...new Set(analyzeText(request.query))];
    const hits: MessageSearchHit[] & { coverage?: SearchCoverage } = [];
    let truncated = false;
    const scored = new Map<string, Posting>();
    if (terms.length > 0) {
      const encoded = request.conversationId === undefined ? undefined : postingConversation(request.conversationId);
      const [min, max] = encoded === undefined ? ['-', '+'] : [`[${encoded}:`, `(${encoded};`];
      const transaction = client.multi().hmget(keys.stats, 'N', 'L');
      for (const term of terms) transaction.zcard(keys.term(term)).zrangebylex(keys.term(term), min, max, 'LIMIT', 0, bounds.maxPostings + 1);
      const replies = await transaction.exec();
      if (!replies) throw new Error('MULTI aborted');
      for (const [error] of replies) if (error) throw error;
      const [documents, totalLength] = (replies[0]![1] as Array<string | null>).map((value) => Number(value ?? 0)) as [number, number];
      const averageLength = totalLength / documents || 1;
      for (let index = 0; index < terms.length; index += 1) {
        const frequency = Number(replies[1 + index * 2]![1]);
        let postings = replies[2 + index * 2]![1] as string[];
        if (postings.length > bounds.maxPostings) {
          truncated = true;
          postings = postings.slice(0, bounds.maxPostings);
        }
        const idf = Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
        for (const posting of postings) {
          // `<conversation>:<seq>:<tf>:<length>`, cut by position (no split: a common term has thousands).
          const afterConversation = posting.indexOf(':');
          const afterSeq = posting.indexOf(':', afterConversation + 1);
          const afterTf = posting.indexOf(':', afterSeq + 1);
          const seq = Number(posting.slice(afterConversation + 1, afterSeq));
          if (request.beforeSeq !== undefined && seq >= request.beforeSeq) continue;
          const tf = Number(posting.slice(afterSeq + 1, afterTf));
          const score = (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * Number(posting.slice(afterTf + 1))) / averageLength));
          const ref = posting.slice(0, afterSeq);
          const known = scored.get(ref);
          if (known) known.score += score;
          else scored.set(ref, { conversation: posting.slice(0, afterConversation), seq, score });
        }
      }
      const ranked = rankBest([...scored.values()], request.limit * 4 + 16);
      const gone = new Set<string>();
      for (let position = 0; hits.length < request.limit && position < ranked.items.length; ) {
        // The best few were ranked first; filters dropped too many of them, so rank the rest too.
        if (position >= ranked.best) ranked.rankAll();
        const page = ranked.items.slice(position, Math.min(position + (request.limit - hits.length) * 2 + 4, ranked.best));
        position += page.length;
        const messages = await readPostings(scope, page, now);
        for (const [index, posting] of page.entries()) {
          const json = messages[index];
          if (json === null) gone.add(posting.conversation);
          if (!json) continue;
          const message = decodeMessage(json, decodeURIComponent(posting.conversation));
          if (request.tags && !request.tags.every((tag) => message.tags.includes(tag))) continue;
          if (hits.length < request.limit) hits.push({ message, score: posting.score });
        }
      }
      // Postings of conversations that are gone (deleted, expired): removed now, as the sweep would.
      await Promise.all([...gone].map((conversation) => purge(scope, decodeURIComponent(conversation))));
    }
    if (!indexed || truncated) {
      const bound = [
        ...(indexed ? [] : [`messages appended since the last indexing pass beyond the first ${bounds.catchUpMessages.toLocaleString('en-US')} (later searches index them)`]),
        ...(truncated ? [`the first ${bounds.maxPostings.toLocaleString('en-US')} postings of each query term found in more messages`] : []),
      ].join('; ');
      const conversations = new Set([...scored.values()].map((posting) => posting.conversation)).size;
      const coverage: SearchCoverage = { complete: false, conversationsScanned: conversations, messagesScanned: scored.size, bound };
      Object.defineProperty(hits, 'coverage', { value: coverage, enumerable: false });
    }
    return hits;
  }

  /**
   * The stored JSON of each posting's message, in order: one `MULTI` per conversation (visibility
   * and one `ZRANGEBYSCORE seq seq` per message), all sent at once. `null` where the conversation
   * is not visible, `undefined` where the message is gone.
   */
  async function readPostings(scope: Scope, postings: readonly Posting[], now: number): Promise<Array<string | null | undefined>> {
    const byConversation = new Map<string, number[]>();
    for (const [index, posting] of postings.entries()) {
      const list = byConversation.get(posting.conversation) ?? [];
      if (list.length === 0) byConversation.set(posting.conversation, list);
      list.push(index);
    }
    const out: Array<string | null | undefined> = new Array(postings.length);
    await Promise.all(
      [...byConversation].map(async ([conversation, indexes]) => {
        const keys = conversationKeys(prefix, scope.tenantId, decodeURIComponent(conversation));
        const transaction = client.multi().hmget(keys.meta, 'tenantId', 'userId', 'expiresAt', 'pending');
        for (const index of indexes) transaction.zrangebyscore(keys.msgs, String(postings[index]!.seq), String(postings[index]!.seq), 'LIMIT', 0, 1);
        const replies = await transaction.exec();
        if (!replies) throw new Error('MULTI aborted');
        for (const [error] of replies) if (error) throw error;
        const visible = ownedAndLive(replies[0]![1] as Array<string | null>, scope, now);
        indexes.forEach((index, position) => {
          out[index] = visible ? ((replies[1 + position]![1] as string[])[0] ?? undefined) : null;
        });
      }),
    );
    return out;
  }

  return { search, purge, removeMessage };
}

export type LexicalIndexOperations = ReturnType<typeof createLexicalIndex>;

/** Term frequencies and length in terms of a text, by the shared analyzer. */
function analyzeMessage(text: string): { frequencies: Map<string, number>; length: number } {
  const terms = analyzeText(text);
  const frequencies = new Map<string, number>();
  for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  return { frequencies, length: terms.length };
}

/**
 * Postings best first without sorting them all: the `count`-th best score is found on a typed
 * array (a numeric sort, no comparator), and only the postings at or above it are ordered.
 * `best` says how many leading items are in order; `rankAll` orders the rest.
 */
function rankBest(postings: Posting[], count: number): { items: Posting[]; best: number; rankAll(): void } {
  const order = (left: Posting, right: Posting) => right.score - left.score || compareRefs(left, right);
  const ranked = { items: postings, best: postings.length, rankAll: () => undefined as void };
  if (postings.length <= count) {
    postings.sort(order);
    return ranked;
  }
  const scores = Float64Array.from(postings, (posting) => posting.score).sort();
  const threshold = scores[scores.length - count]!;
  const top = postings.filter((posting) => posting.score >= threshold).sort(order);
  const rest = postings.filter((posting) => posting.score < threshold);
  return {
    items: [...top, ...rest],
    best: top.length,
    rankAll() {
      rest.sort(order);
      this.items = [...top, ...rest];
      this.best = this.items.length;
    },
  };
}

/** Ties broken by conversation then seq, so results are deterministic. */
function compareRefs(left: Posting, right: Posting): number {
  return left.conversation < right.conversation ? -1 : left.conversation > right.conversation ? 1 : left.seq - right.seq;
}
