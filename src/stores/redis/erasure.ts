import type { StoreDriver } from '../define-store/driver.js';
import { deleteOne } from './conversations.js';
import { scopeKeys } from './keys.js';
import type { RedisMemories } from './memories.js';
import type { RedisContext } from './redis-context.js';

/**
 * Right to erasure and the TTL sweep of the Redis driver: walk the scope index, or the expiry
 * buckets. Erasure also removes the user's memories (every key of the owner, memories.ts).
 */
export function createErasureOperations(context: RedisContext, memories: Pick<RedisMemories, 'eraseScope'>): Pick<StoreDriver, 'eraseUser'> & Required<Pick<StoreDriver, 'sweepExpired'>> {
  const { client, prefix, clock, index } = context;
  return {
    async eraseUser(scope) {
      // The memories live in another slot: erase them concurrently with the conversations.
      const [memoryCount, erased] = await Promise.all([memories.eraseScope(scope), eraseConversations(scope)]);
      return { ...erased, memories: memoryCount };
    },
    async sweepExpired({ limit }) {
      return index.sweep({ now: clock.now(), limit });
    },
  };

  async function eraseConversations(scope: Parameters<StoreDriver['eraseUser']>[0]): Promise<{ conversations: number; messages: number }> {
    const keys = scopeKeys(prefix, scope);
    let conversations = 0;
    let messages = 0;
    for (;;) {
      const ids = await client.zrevrange(keys.all, 0, 199);
      if (ids.length === 0) break;
      const results = await Promise.all(ids.map((id) => deleteOne(context, scope, id, true)));
      for (const result of results) {
        if (!result.deleted) continue;
        conversations += 1;
        messages += result.messages;
      }
      // Entries that named nothing of this user (stale, or another scope's id) go too.
      await client.zrem(keys.all, ...ids);
    }
    const indexKeys = await client.smembers(keys.registry);
    await client.unlink(keys.registry, keys.all, ...indexKeys);
    return { conversations, messages };
  }
}
