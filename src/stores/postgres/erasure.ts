import type { StoreDriver } from '../define-store/driver.js';
import { deleteLockedConversations, type ConversationKey } from './delete-conversations.js';
import { expiryBucketSql } from './recency.js';
import { timestamp, type StoreContext } from './store-context.js';

/** Right to erasure and the TTL sweep of the PostgreSQL store: bulk deletes, each in one transaction. */
export function createErasureOperations(context: StoreContext): Pick<StoreDriver, 'eraseUser'> & Required<Pick<StoreDriver, 'sweepExpired'>> {
  const { names } = context;
  return {
    async eraseUser(scope) {
      return context.run(
        'eraseUser',
        scope,
        async (sql) => {
          const counted = await sql.query<{ conversations: string | number; messages: string | number }>(
            `SELECT count(*) AS conversations, coalesce(sum(message_count), 0) AS messages FROM ${names.conversations} WHERE tenant_id = $1 AND user_id = $2`,
            [scope.tenantId, scope.userId],
          );
          const owned = await sql.query<ConversationKey>(`SELECT tenant_id, id FROM ${names.conversations} WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`, [scope.tenantId, scope.userId]);
          await deleteLockedConversations(sql, context, owned.rows);
          const memories = await sql.query(`DELETE FROM ${names.memories} WHERE tenant_id = $1 AND user_id = $2 RETURNING id`, [scope.tenantId, scope.userId]);
          await sql.query(`DELETE FROM ${names.memoryVersions} WHERE tenant_id = $1 AND user_id = $2`, [scope.tenantId, scope.userId]);
          if (context.vectorTable) await sql.query(`DELETE FROM ${names.embeddings} WHERE tenant_id = $1 AND user_id = $2`, [scope.tenantId, scope.userId]);
          const row = counted.rows[0]!;
          return { conversations: Number(row.conversations), messages: Number(row.messages), memories: memories.rows.length };
        },
        { transaction: true },
      );
    },

    /**
     * Deletes up to `limit` expired conversations, oldest expiry minute first, through the expiry-bucket index (recency.ts)
     * (`FOR UPDATE SKIP LOCKED`, so concurrent sweepers share the work). Expired rows are already
     * invisible to every read; this reclaims their space. Call it from a job or `llm-context sweep`.
     */
    async sweepExpired({ limit }) {
      return context.run(
        'sweepExpired',
        null,
        async (sql) => {
          const doomed = await sql.query<ConversationKey>(
            // The bucket bound is implied by the exact one; stated, it is the index range (recency.ts).
            `SELECT tenant_id, id FROM ${names.conversations}
             WHERE expiry_bucket <= ${expiryBucketSql('$1::timestamptz')} AND expires_at <= $1::timestamptz
             ORDER BY expiry_bucket LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [timestamp(context.clock.now()), limit],
          );
          await deleteLockedConversations(sql, context, doomed.rows);
          return doomed.rows.length;
        },
        { transaction: true },
      );
    },
  };
}
