import type { Conversation, Summary } from '../../types.js';
import { decodeConversation, decodeSummary, isVisible } from './codec.js';
import { speculativeCount, walkTailRange, type FastTailOptions, type FastTailResult } from './tail-read.js';

export type FastContextResult =
  | { readonly kind: 'absent' }
  /** `tail.kind === 'short'`: the speculative read ended before the budget; the caller finishes with `getTail`. */
  | { readonly kind: 'read'; readonly conversation: Conversation; readonly summary: Summary | null; readonly tail: FastTailResult };

/**
 * `readContext`'s read, one round trip: a `MULTI` of `HGETALL` on the conversation's meta hash,
 * the speculative native tail range of {@link readTailFast} and `HGET` of the stored summary —
 * every key under the conversation's hash tag, so one slot on a cluster. Visibility is decided on
 * the meta hash read in the same transaction (a stranger's messages are read and discarded, never
 * returned), exactly as `getConversation`/`getTail`/`getSummary` decide it.
 */
export async function readContextFast(options: FastTailOptions): Promise<FastContextResult> {
  const k = speculativeCount(options);
  const replies = await options.client
    .multi()
    .hgetall(options.keys.meta)
    .zrevrangebyscore(options.keys.msgs, options.upper, '-inf', 'LIMIT', 0, k + 1)
    .hget(options.keys.sum, 'j')
    .exec();
  if (!replies) throw new Error('MULTI aborted');
  for (const [error] of replies) if (error) throw error;
  const meta = replies[0]![1] as Record<string, string>;
  if (!isVisible(meta, options.scope, options.now)) return { kind: 'absent' };
  return {
    kind: 'read',
    conversation: decodeConversation(meta),
    summary: decodeSummary(replies[2]![1] as string | null),
    tail: walkTailRange(replies[1]![1] as string[], k, options),
  };
}
