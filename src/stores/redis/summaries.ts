import type { StoreDriver } from '../define-store/driver.js';
import { decodeSummary, summaryJson } from './codec.js';
import { notFound, type RedisContext } from './redis-context.js';
import * as scripts from './scripts.js';

/** Summaries of the Redis driver: one hash per conversation, compare-and-set in a script. */
export function createSummaryOperations(context: RedisContext): Pick<StoreDriver, 'getSummary' | 'putSummary'> {
  const { clock, conversationScript } = context;
  return {
    async getSummary(scope, conversationId) {
      const reply = await conversationScript(scripts.GET_SUMMARY, scope, conversationId, clock.now(), []);
      return reply[0] === 'ok' ? decodeSummary(reply[1] as string | null) : null;
    },
    async putSummary(scope, conversationId, summary, { expectedCoversThroughSeq }) {
      const reply = await conversationScript(scripts.PUT_SUMMARY, scope, conversationId, clock.now(), [
        expectedCoversThroughSeq === null ? '' : String(expectedCoversThroughSeq),
        String(summary.coversThroughSeq),
        summaryJson(summary),
      ]);
      if (reply[0] === 'nf') notFound(conversationId);
      if (reply[0] === 'conflict') return { applied: false, current: decodeSummary(reply[1] as string | null) };
      return { applied: true, current: decodeSummary(summaryJson(summary)) };
    },
  };
}
