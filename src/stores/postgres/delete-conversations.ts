import type { SqlQueryable } from './sql-client.js';
import type { StoreContext } from './store-context.js';

/** A conversation row's key. */
export interface ConversationKey {
  readonly tenant_id: string;
  readonly id: string;
}

/**
 * Deletes conversations with their messages and message embeddings (summaries go by
 * `ON DELETE CASCADE`). Messages carry no foreign key to their conversation — that check cost a
 * conversation-row lookup per inserted message on the hottest row of the database — so they are
 * deleted here. Callers must already hold `FOR UPDATE` locks on the rows (taken in an earlier
 * statement of the same transaction): then no append can commit messages into a conversation
 * after this transaction's statements took their snapshots, so nothing is left behind.
 */
export async function deleteLockedConversations(sql: SqlQueryable, context: StoreContext, keys: readonly ConversationKey[]): Promise<void> {
  if (keys.length === 0) return;
  const { names } = context;
  const parameters = [keys.map((key) => key.tenant_id), keys.map((key) => key.id)];
  await sql.query(
    `DELETE FROM ${names.messages} m USING unnest($1::text[], $2::text[]) AS d(tenant_id, id) WHERE m.tenant_id = d.tenant_id AND m.conversation_id = d.id`,
    parameters,
  );
  if (context.vectorTable) {
    await sql.query(
      `DELETE FROM ${names.embeddings} e USING unnest($1::text[], $2::text[]) AS d(tenant_id, id) WHERE e.kind = 'message' AND e.tenant_id = d.tenant_id AND e.conversation_id = d.id`,
      parameters,
    );
  }
  await sql.query(`DELETE FROM ${names.conversations} c USING unnest($1::text[], $2::text[]) AS d(tenant_id, id) WHERE c.tenant_id = d.tenant_id AND c.id = d.id`, parameters);
}

/** Locks and deletes an expired conversation still holding `id`, so the id can be reused (as in every store). */
export async function claimExpiredId(sql: SqlQueryable, context: StoreContext, tenantId: string, id: string, now: string): Promise<void> {
  const expired = await sql.query<ConversationKey>(
    `SELECT tenant_id, id FROM ${context.names.conversations} WHERE tenant_id = $1 AND id = $2 AND expires_at <= $3::timestamptz FOR UPDATE`,
    [tenantId, id, now],
  );
  await deleteLockedConversations(sql, context, expired.rows);
}
