import type { StoreDriver } from '../define-store/driver.js';
import { deleteOne } from './conversations.js';
import { expiryKey, expiryMember, scopeKeys } from './keys.js';
import type { RedisContext } from './redis-context.js';

/** Right to erasure and the TTL sweep of the Redis driver: walk the scope index, or the expiry buckets. */
export function createErasureOperations(context: RedisContext): Pick<StoreDriver, 'eraseUser'> & Required<Pick<StoreDriver, 'sweepExpired'>> {
  const { client, prefix, clock, index } = context;
  return {
    async eraseUser(scope) {
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
      return { conversations, messages, memories: 0 };
    },
    async sweepExpired({ limit }) {
      return index.sweep({ now: clock.now(), limit });
    },
  };
}
