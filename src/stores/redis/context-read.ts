import { LRUCache } from 'lru-cache';
import type { Conversation, Summary } from '../../types.js';
import { decodeConversation, decodeSummary, isVisible } from './codec.js';
import type { RedisTransactionLike } from './redis-client.js';
import { speculativeCount, walkTailRange, type FastTailOptions, type FastTailResult } from './tail-read.js';

export interface FastContextOptions extends FastTailOptions {
  /** Stop the tail at the stored summary's coverage (`ContextReadOptions.stopAtSummary`). */
  readonly stopAtSummary: boolean;
  /** The summary's coverage remembered from an earlier read: the range is read above it (0: from the start). */
  readonly floorHint: number;
  /** Decodes the stored summary, reusing the last decode of the same text. */
  readonly summaries: SummaryCache;
  /** Queues commands on other slots' keys in the same `MULTI` (a standalone server only); returns how many. */
  readonly alongside?: (transaction: RedisTransactionLike) => number;
}

/**
 * The stored summary of each conversation as last decoded, with the text it was decoded from (at
 * most {@link MAX_CACHED_SUMMARY_CHARS} characters of such text in all, least recently used
 * forgotten). An unchanged summary — every assembly between two folds — is then one string
 * comparison instead of a parse, and the same frozen object, whose rendered block the assembly
 * reuses (see `renderSummary`).
 */
export class SummaryCache {
  private readonly entries = new LRUCache<string, { readonly json: string; readonly summary: Summary }>({
    maxSize: MAX_CACHED_SUMMARY_CHARS,
    sizeCalculation: (entry) => Math.max(1, entry.json.length),
  });

  decode(key: string, json: string | null | undefined): Summary | null {
    if (json === null || json === undefined) return null;
    const cached = this.entries.get(key);
    if (cached && cached.json === json) return cached.summary;
    const summary = Object.freeze(decodeSummary(json)!);
    this.entries.set(key, { json, summary });
    return summary;
  }
}

const MAX_CACHED_SUMMARY_CHARS = 2_000_000;

/** The replies of {@link FastContextOptions.alongside}, in order, each an error or a value. */
export type AlongsideReplies = ReadonlyArray<readonly [Error | null, unknown]>;

export type FastContextResult =
  | { readonly kind: 'absent'; readonly alongside: AlongsideReplies }
  /** `tail.kind === 'short'`: the speculative read ended before the budget; the caller finishes with `getTail`. */
  | { readonly kind: 'read'; readonly conversation: Conversation; readonly summary: Summary | null; readonly tail: FastTailResult; readonly alongside: AlongsideReplies };

/**
 * `readContext`'s read, one round trip: a `MULTI` of `HGETALL` on the conversation's meta hash,
 * the speculative native tail range of {@link readTailFast} and `HGET` of the stored summary —
 * with `stopAtSummary`, the range starts above the coverage remembered from the last read and the
 * walk stops at the coverage read now, so only uncovered turns are parsed (and, once remembered,
 * transferred) —
 * every key under the conversation's hash tag, so one slot on a cluster. Visibility is decided on
 * the meta hash read in the same transaction (a stranger's messages are read and discarded, never
 * returned), exactly as `getConversation`/`getTail`/`getSummary` decide it.
 */
export async function readContextFast(options: FastContextOptions): Promise<FastContextResult> {
  const k = speculativeCount(options);
  const lowerBound = options.stopAtSummary ? options.floorHint : 0;
  const transaction = options.client
    .multi()
    .hgetall(options.keys.meta)
    .zrevrangebyscore(options.keys.msgs, options.upper, lowerBound > 0 ? `(${lowerBound}` : '-inf', 'LIMIT', 0, k + 1)
    .hget(options.keys.sum, 'j');
  options.alongside?.(transaction);
  const replies = await transaction.exec();
  if (!replies) throw new Error('MULTI aborted');
  for (const [error] of replies.slice(0, 3)) if (error) throw error;
  const alongside = replies.slice(3) as AlongsideReplies;
  const meta = replies[0]![1] as Record<string, string>;
  if (!isVisible(meta, options.scope, options.now)) return { kind: 'absent', alongside };
  const summary = options.summaries.decode(`${options.scope.tenantId}\u0000${options.conversationId}`, replies[2]![1] as string | null);
  const floor = options.stopAtSummary ? (summary?.coversThroughSeq ?? 0) : 0;
  return {
    kind: 'read',
    conversation: decodeConversation(meta),
    summary,
    tail: walkTailRange(replies[1]![1] as string[], k, options, { floor, lowerBound }),
    alongside,
  };
}
