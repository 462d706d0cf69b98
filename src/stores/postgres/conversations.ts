import { ConversationExistsError, NotFoundError, StateConflictError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import type { Conversation, Scope } from '../../types.js';
import { conversationFromRow, CONVERSATION_COLUMNS, json, tagKeys, toDate } from './rows.js';
import { claimExpiredId, deleteLockedConversations, type ConversationKey } from './delete-conversations.js';
import { NEWEST_FIRST, recencySql } from './recency.js';
import type { SqlQueryable } from './sql-client.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';

/** `c` is visible to ($1 tenant, $2 user) at time $3: same owner and not expired. */
export const VISIBLE = `c.tenant_id = $1 AND c.user_id = $2 AND (c.expires_at IS NULL OR c.expires_at > $3::timestamptz)`;

/** Conversation rows: create, read, list, update, state, delete, fork. */
export function createConversationOperations(context: StoreContext) {
  const { names } = context;
  const scopeParameters = (scope: Scope) => [scope.tenantId, userKey(scope), timestamp(context.clock.now())];

  const claimId = (sql: SqlQueryable, scope: Scope, id: string) => claimExpiredId(sql, context, scope.tenantId, id, timestamp(context.clock.now()));

  /**
   * Inserts `conversation` (built by the store layer) unless its id is taken; returns the row, or
   * null when taken. A fork's counters are computed from the parent's copied rows.
   */
  async function insertConversation(sql: SqlQueryable, scope: Scope, conversation: Conversation, fork?: { parentId: string; atSeq: number }): Promise<Conversation | null> {
    const copiedFrom = fork
      ? `(SELECT count(*) FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $15 AND seq <= $16),
         (SELECT coalesce(sum(primary_tokens), 0) FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $15 AND seq <= $16)`
      : '0, 0';
    const result = await sql.query(
      `INSERT INTO ${names.conversations} AS c (tenant_id, id, user_id, title, tags, tag_keys, state, metadata, ttl_seconds, ttl_mode, expires_at,
         created_at, updated_at, parent_id, forked_from_seq, last_seq, message_count, token_count)
       SELECT $1, $2, $3, $4, $5::text[], $6::text[], $7::jsonb, $8::jsonb, $9::int, $10::text, $14::timestamptz,
         $11::timestamptz, $11::timestamptz, $12::text, $13::bigint, coalesce($13::bigint, 0), ${copiedFrom}
       ON CONFLICT (tenant_id, id) DO NOTHING
       RETURNING ${CONVERSATION_COLUMNS}`,
      [
        scope.tenantId,
        conversation.id,
        userKey(scope),
        conversation.title ?? null,
        [...conversation.tags],
        tagKeys(scope.tenantId, userKey(scope), conversation.tags),
        json(conversation.state),
        json(conversation.metadata),
        conversation.ttl?.seconds ?? null,
        conversation.ttl?.mode ?? null,
        conversation.createdAt.toISOString(),
        fork?.parentId ?? null,
        fork?.atSeq ?? null,
        conversation.expiresAt?.toISOString() ?? null,
        ...(fork ? [fork.parentId, fork.atSeq] : []),
      ],
    );
    const row = result.rows[0];
    return row ? conversationFromRow(row) : null;
  }

  async function findVisible(sql: SqlQueryable, scope: Scope, conversationId: string, lock = ''): Promise<Conversation | null> {
    const result = await sql.query(`SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE} ${lock}`, [
      ...scopeParameters(scope),
      conversationId,
    ]);
    const row = result.rows[0];
    return row ? conversationFromRow(row) : null;
  }

  const operations: ConversationDriver = {
    /** One statement in the common case; only a taken id (maybe by an expired conversation) takes the transaction. */
    async createConversation(scope, conversation, { ifExists }) {
      const created = await context.run('createConversation', scope, (sql) => insertConversation(sql, scope, conversation));
      if (created) return created;
      return context.run(
        'createConversation',
        scope,
        async (sql) => {
          await claimId(sql, scope, conversation.id);
          const created = await insertConversation(sql, scope, conversation);
          if (created) return created;
          if (ifExists === 'return') {
            const existing = await findVisible(sql, scope, conversation.id);
            if (existing) return existing;
          }
          throw new ConversationExistsError({ id: conversation.id });
        },
        { transaction: true },
      );
    },

    /** An expired row stays (answering as absent) until `sweepExpired` deletes it or its id is created again: no tombstone table needed. */
    async expiredAt(scope, conversationId, now) {
      const result = await context.run('expiredAt', scope, (sql) =>
        sql.query(`SELECT c.expires_at FROM ${names.conversations} c WHERE c.tenant_id = $1 AND c.id = $3 AND c.user_id = $2 AND c.expires_at <= $4::timestamptz`, [
          scope.tenantId,
          userKey(scope),
          conversationId,
          now.toISOString(),
        ]),
      );
      const row = result.rows[0] as { expires_at: Date | string } | undefined;
      return row ? toDate(row.expires_at) : null;
    },

    async getConversation(scope, conversationId) {
      return context.run('getConversation', scope, (sql) => findVisible(sql, scope, conversationId));
    },

    /**
     * Newest first by (updated_at, id), keyset-paginated, read in order from the (tenant, user,
     * recency DESC, id DESC) index (see recency.ts); a tag filter uses the GIN index on
     * owner-qualified tags.
     */
    async listConversations(scope, { tag, parentId, limit, after }) {
      const conditions = [VISIBLE];
      const parameters: unknown[] = scopeParameters(scope);
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      if (tag !== undefined) conditions.push(`c.tag_keys @> ARRAY[${bind(tagKeys(scope.tenantId, userKey(scope), [tag])[0])}]::text[]`);
      if (parentId !== undefined) conditions.push(`c.parent_id = ${bind(parentId)}`);
      if (after) {
        const afterTime = `${bind(timestamp(after.updatedAt))}::timestamptz`;
        // The recency bound is implied by the row comparison; stated, it bounds the index range.
        conditions.push(`(c.updated_at, c.id) < (${afterTime}, ${bind(after.id)}::text) AND c.recency <= ${recencySql(afterTime)}`);
      }
      const sqlText = `SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE ${conditions.join(' AND ')}
        ORDER BY ${NEWEST_FIRST} LIMIT ${bind(limit + 1)}`;
      return context.run('listConversations', scope, async (sql) => (await sql.query(sqlText, parameters)).rows.map(conversationFromRow));
    },

    async updateConversation(scope, conversationId, changes) {
      const parameters: unknown[] = [...scopeParameters(scope), conversationId];
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      const sets = ['updated_at = $3::timestamptz'];
      if (changes.title !== undefined) sets.push(`title = ${bind(changes.title)}::text`);
      if (changes.tags !== undefined) {
        sets.push(`tags = ${bind([...changes.tags])}::text[]`);
        sets.push(`tag_keys = ${bind(tagKeys(scope.tenantId, userKey(scope), changes.tags))}::text[]`);
      }
      if (changes.metadata !== undefined) sets.push(`metadata = ${bind(json(changes.metadata))}::jsonb`);
      if (changes.ttl !== undefined) {
        const seconds = bind(changes.ttl?.seconds ?? null);
        sets.push(`ttl_seconds = ${seconds}::int`, `ttl_mode = ${bind(changes.ttl?.mode ?? null)}::text`);
        sets.push(`expires_at = CASE WHEN ${seconds}::int IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => ${seconds}::int) END`);
      }
      return context.run('updateConversation', scope, async (sql) => {
        const result = await sql.query(`UPDATE ${names.conversations} c SET ${sets.join(', ')} WHERE c.id = $4 AND ${VISIBLE} RETURNING ${CONVERSATION_COLUMNS}`, parameters);
        const row = result.rows[0];
        if (!row) throw new NotFoundError({ kind: 'conversation', id: conversationId });
        return conversationFromRow(row);
      });
    },

    async updateState(scope, conversationId, state, { expectedVersion }) {
      const expected = expectedVersion ?? null;
      return context.run(
        'updateState',
        scope,
        async (sql) => {
          const result = await sql.query(
            `UPDATE ${names.conversations} c SET state = $5::jsonb, state_version = c.state_version + 1, updated_at = $3::timestamptz
             WHERE c.id = $4 AND ${VISIBLE} AND ($6::int IS NULL OR c.state_version = $6::int)
             RETURNING ${CONVERSATION_COLUMNS}`,
            [...scopeParameters(scope), conversationId, json(state), expected],
          );
          const row = result.rows[0];
          if (row) return conversationFromRow(row);
          const current = await findVisible(sql, scope, conversationId);
          if (!current) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          throw new StateConflictError({ expectedVersion: expected ?? current.stateVersion, actualVersion: current.stateVersion });
        },
        { transaction: true },
      );
    },

    async deleteConversation(scope, conversationId) {
      return context.run(
        'deleteConversation',
        scope,
        async (sql) => {
          const locked = await sql.query<ConversationKey>(`SELECT c.tenant_id, c.id FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE} FOR UPDATE`, [
            ...scopeParameters(scope),
            conversationId,
          ]);
          await deleteLockedConversations(sql, context, locked.rows);
          return locked.rows.length > 0;
        },
        { transaction: true },
      );
    },

    /** Copies the parent's messages with `seq <= atSeq` in one `INSERT … SELECT` (same ids and seqs). */
    async forkConversation(scope, parentId, { atSeq, child }) {
      return context.run(
        'forkConversation',
        scope,
        async (sql) => {
          // FOR SHARE: the parent cannot be deleted or appended to between the copy and the count.
          const parent = await findVisible(sql, scope, parentId, 'FOR SHARE');
          if (!parent) throw new NotFoundError({ kind: 'conversation', id: parentId });
          await claimId(sql, scope, child.id);
          const created = await insertConversation(sql, scope, child, { parentId, atSeq });
          if (!created) throw new ConversationExistsError({ id: child.id });
          await sql.query(
            `INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
             SELECT tenant_id, $3, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at
             FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $2 AND seq <= $4`,
            [scope.tenantId, parentId, created.id, atSeq],
          );
          return created;
        },
        { transaction: true },
      );
    },
  };
  return { findVisible, ...operations };
}

type ConversationDriver = Pick<
  StoreDriver,
  'createConversation' | 'getConversation' | 'listConversations' | 'updateConversation' | 'updateState' | 'deleteConversation' | 'forkConversation' | 'expiredAt'
>;

export type ConversationOperations = ReturnType<typeof createConversationOperations>;
