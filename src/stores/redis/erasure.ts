import type { StoreDriver } from '../define-store/driver.js';
import { deleteOne } from './conversations.js';
import { EXPIRY_BUCKETS, expiryBucketKey, expiryKey, expiryMember, scopeKeys } from './keys.js';
import type { RedisMemories } from './memories.js';
import type { Scope } from '../../types.js';
import type { RedisContext } from './redis-context.js';

/**
 * Removes the user's remaining expiry-bucket entries: those of conversations Redis expired natively
 * and a listing already dropped from the scope index. They name the user and would report the ids
 * as expired; erasure leaves nothing of the user. One `ZSCAN MATCH` per bucket (erasure is rare).
 */
async function dropExpiryEntries(context: RedisContext, scope: Scope): Promise<void> {
  const { client, prefix } = context;
  // Members are JSON `[tenant, user, id]`: match the `[tenant, user,` head, glob characters escaped.
  const pattern = `${JSON.stringify([scope.tenantId, scope.userId ?? null]).slice(0, -1).replace(/[*?[\]\\]/g, '\\$&')},*`;
  for (let bucket = 0; bucket < EXPIRY_BUCKETS; bucket += 1) {
    const key = expiryBucketKey(prefix, bucket);
    let cursor = '0';
    do {
      const [next, flat] = await client.zscan(key, cursor, 'MATCH', pattern, 'COUNT', 500);
      const members = flat.filter((_, position) => position % 2 === 0);
      if (members.length > 0) await client.zrem(key, ...members);
      cursor = next;
    } while (cursor !== '0');
  }
}

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

  async function eraseConversations(scope: Scope): Promise<{ conversations: number; messages: number }> {
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
      // Entries that named nothing of this user (stale, or another scope's id) go too, and so do
      // the expiry-bucket entries of conversations Redis already expired natively (they would
      // otherwise keep reporting the id as expired until the next sweep).
      await Promise.all([client.zrem(keys.all, ...ids), ...ids.map((id) => client.zrem(expiryKey(prefix, scope.tenantId, id), expiryMember(scope, id)))]);
    }
    const indexKeys = await client.smembers(keys.registry);
    await client.unlink(keys.registry, keys.all, ...indexKeys);
    await dropExpiryEntries(context, scope);
    return { conversations, messages };
  }
}
