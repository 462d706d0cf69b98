import type { StoreDriver } from '../define-store/driver.js';
import { decodeConversation, decodeSummary, isVisible } from './codec.js';
import { buildConversation, readAllMessages } from './copy-in.js';
import { notFound, type RedisContext } from './redis-context.js';
import * as scripts from './scripts.js';

/** Export and import of the Redis driver: read in chunks; written claim → fill → publish (copy-in.ts). */
export function createSnapshotOperations(context: RedisContext): Pick<StoreDriver, 'readConversation' | 'writeConversation'> {
  const { client, clock } = context;
  return {
    async readConversation(scope, conversationId) {
      const now = clock.now();
      const map = await client.hgetall(context.keysOf(scope, conversationId)[0]!);
      if (!isVisible(map, scope, now)) notFound(conversationId);
      const messages = await readAllMessages(context, scope, conversationId, now);
      const summary = await context.conversationScript(scripts.GET_SUMMARY, scope, conversationId, now, []);
      if (messages === null || summary[0] !== 'ok') notFound(conversationId);
      return { conversation: decodeConversation(map), messages, summary: decodeSummary(summary[1] as string | null) };
    },
    async writeConversation(scope, { conversation, messages, summary }) {
      return buildConversation(context, scope, conversation, messages, summary);
    },
  };
}
