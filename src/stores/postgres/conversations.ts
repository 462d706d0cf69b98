import { ConversationExistsError, NotFoundError, StateConflictError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../spec/cursor.js';
import type { ListConversationsOptions } from '../../spec/store.js';
import {
  validateConversationId,
  validateCreateConversation,
  validateJsonObject,
  validateLimit,
  validateScope,
  validateSeq,
  validateTags,
  validateUpdateConversation,
} from '../../spec/validate.js';
import type { Conversation, CreateConversationInput, JsonObject, Page, Scope, UpdateConversationInput } from '../../types.js';
import { conversationFromRow, CONVERSATION_COLUMNS, json, tagKeys } from './rows.js';
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

  /** Inserts the row unless the id is taken; returns it, or null when taken. */
  async function insertConversation(
    sql: SqlQueryable,
    scope: Scope,
    input: CreateConversationInput,
    fork?: { parentId: string; atSeq: number },
  ): Promise<Conversation | null> {
    const id = input.id ?? crypto.randomUUID();
    const now = context.clock.now();
    const tags = [...(input.tags ?? [])];
    const copiedFrom = fork
      ? `(SELECT count(*) FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $14 AND seq <= $15),
         (SELECT coalesce(sum(primary_tokens), 0) FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $14 AND seq <= $15)`
      : '0, 0';
    const result = await sql.query(
      `INSERT INTO ${names.conversations} AS c (tenant_id, id, user_id, title, tags, tag_keys, state, metadata, ttl_seconds, ttl_mode, expires_at,
         created_at, updated_at, parent_id, forked_from_seq, last_seq, message_count, token_count)
       SELECT $1, $2, $3, $4, $5::text[], $6::text[], $7::jsonb, $8::jsonb, $9::int, $10::text,
         CASE WHEN $9::int IS NULL THEN NULL ELSE $11::timestamptz + make_interval(secs => $9::int) END,
         $11::timestamptz, $11::timestamptz, $12::text, $13::bigint, coalesce($13::bigint, 0), ${copiedFrom}
       ON CONFLICT (tenant_id, id) DO NOTHING
       RETURNING ${CONVERSATION_COLUMNS}`,
      [
        scope.tenantId,
        id,
        userKey(scope),
        input.title ?? null,
        tags,
        tagKeys(scope.tenantId, userKey(scope), tags),
        json(input.state ?? {}),
        json(input.metadata ?? {}),
        input.ttl?.seconds ?? null,
        input.ttl?.mode ?? null,
        timestamp(now),
        fork?.parentId ?? null,
        fork?.atSeq ?? null,
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

  return {
    findVisible,

    async createConversation(scope: Scope, input: CreateConversationInput, createOptions: { ifExists?: 'error' | 'return' } = {}): Promise<Conversation> {
      validateScope(scope);
      validateCreateConversation(input);
      return context.run(
        'createConversation',
        scope,
        async (sql) => {
          if (input.id !== undefined) await claimId(sql, scope, input.id);
          const created = await insertConversation(sql, scope, input);
          if (created) return created;
          if (createOptions.ifExists === 'return') {
            const existing = await findVisible(sql, scope, input.id!);
            if (existing) return existing;
          }
          throw new ConversationExistsError({ id: input.id! });
        },
        { transaction: input.id !== undefined },
      );
    },

    async getConversation(scope: Scope, conversationId: string): Promise<Conversation | null> {
      validateScope(scope);
      validateConversationId(conversationId);
      return context.run('getConversation', scope, (sql) => findVisible(sql, scope, conversationId));
    },

    /**
     * Newest first by (updated_at, id), keyset-paginated, read in order from the (tenant, user,
     * recency DESC, id DESC) index (see recency.ts); a tag filter uses the GIN index on
     * owner-qualified tags.
     */
    async listConversations(scope: Scope, listOptions: ListConversationsOptions = {}): Promise<Page<Conversation>> {
      validateScope(scope);
      const limit = validateLimit('limit', listOptions.limit, 50);
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      if (listOptions.parentId !== undefined) validateConversationId(listOptions.parentId);
      if (listOptions.tag !== undefined) validateTags('tag', [listOptions.tag]);
      const conditions = [VISIBLE];
      const parameters: unknown[] = scopeParameters(scope);
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      if (listOptions.tag !== undefined) conditions.push(`c.tag_keys @> ARRAY[${bind(tagKeys(scope.tenantId, userKey(scope), [listOptions.tag])[0])}]::text[]`);
      if (listOptions.parentId !== undefined) conditions.push(`c.parent_id = ${bind(listOptions.parentId)}`);
      if (cursor) {
        const after = `${bind(timestamp(cursor.updatedAt))}::timestamptz`;
        // The recency bound is implied by the row comparison; stated, it bounds the index range.
        conditions.push(`(c.updated_at, c.id) < (${after}, ${bind(cursor.id)}::text) AND c.recency <= ${recencySql(after)}`);
      }
      const sqlText = `SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE ${conditions.join(' AND ')}
        ORDER BY ${NEWEST_FIRST} LIMIT ${bind(limit + 1)}`;
      return context.run('listConversations', scope, async (sql) => {
        const rows = (await sql.query(sqlText, parameters)).rows.map(conversationFromRow);
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return {
          items,
          ...(rows.length > limit && last ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) } : {}),
        };
      });
    },

    async updateConversation(scope: Scope, conversationId: string, patch: UpdateConversationInput): Promise<Conversation> {
      validateScope(scope);
      validateConversationId(conversationId);
      validateUpdateConversation(patch);
      const parameters: unknown[] = [...scopeParameters(scope), conversationId];
      const bind = (value: unknown) => `$${parameters.push(value)}`;
      const sets = ['updated_at = $3::timestamptz'];
      if (patch.title !== undefined) sets.push(`title = ${bind(patch.title)}::text`);
      if (patch.tags !== undefined) {
        sets.push(`tags = ${bind([...patch.tags])}::text[]`);
        sets.push(`tag_keys = ${bind(tagKeys(scope.tenantId, userKey(scope), patch.tags))}::text[]`);
      }
      if (patch.metadata !== undefined) sets.push(`metadata = ${bind(json(patch.metadata))}::jsonb`);
      if (patch.ttl !== undefined) {
        const seconds = bind(patch.ttl?.seconds ?? null);
        sets.push(`ttl_seconds = ${seconds}::int`, `ttl_mode = ${bind(patch.ttl?.mode ?? null)}::text`);
        sets.push(`expires_at = CASE WHEN ${seconds}::int IS NULL THEN NULL ELSE $3::timestamptz + make_interval(secs => ${seconds}::int) END`);
      }
      return context.run('updateConversation', scope, async (sql) => {
        const result = await sql.query(`UPDATE ${names.conversations} c SET ${sets.join(', ')} WHERE c.id = $4 AND ${VISIBLE} RETURNING ${CONVERSATION_COLUMNS}`, parameters);
        const row = result.rows[0];
        if (!row) throw new NotFoundError({ kind: 'conversation', id: conversationId });
        return conversationFromRow(row);
      });
    },

    async updateState(scope: Scope, conversationId: string, state: JsonObject, stateOptions: { expectedVersion?: number } = {}): Promise<Conversation> {
      validateScope(scope);
      validateConversationId(conversationId);
      validateJsonObject('state', state);
      const expected = validateSeq('expectedVersion', stateOptions.expectedVersion) ?? null;
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

    async deleteConversation(scope: Scope, conversationId: string): Promise<boolean> {
      validateScope(scope);
      validateConversationId(conversationId);
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
    async forkConversation(scope: Scope, parentId: string, forkOptions: { atSeq: number; input?: CreateConversationInput }): Promise<Conversation> {
      validateScope(scope);
      validateConversationId(parentId);
      const atSeq = validateSeq('atSeq', forkOptions.atSeq) ?? 0;
      const input = forkOptions.input ?? {};
      validateCreateConversation(input);
      return context.run(
        'forkConversation',
        scope,
        async (sql) => {
          // FOR SHARE: the parent cannot be deleted or appended to between the copy and the count.
          const parent = await findVisible(sql, scope, parentId, 'FOR SHARE');
          if (!parent) throw new NotFoundError({ kind: 'conversation', id: parentId });
          if (input.id !== undefined) await claimId(sql, scope, input.id);
          const child = await insertConversation(sql, scope, input, { parentId, atSeq });
          if (!child) throw new ConversationExistsError({ id: input.id! });
          await sql.query(
            `INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
             SELECT tenant_id, $3, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at
             FROM ${names.messages} WHERE tenant_id = $1 AND conversation_id = $2 AND seq <= $4`,
            [scope.tenantId, parentId, child.id, atSeq],
          );
          return child;
        },
        { transaction: true },
      );
    },
  };
}

export type ConversationOperations = ReturnType<typeof createConversationOperations>;
