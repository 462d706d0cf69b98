import { ConversationExistsError, NotFoundError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import { primaryTokens } from '../define-store/records.js';
import type { ConversationOperations } from './conversations.js';
import { claimExpiredId } from './delete-conversations.js';
import { conversationFromRow, CONVERSATION_COLUMNS, json, MESSAGE_COLUMNS, messageFromRow, SUMMARY_COLUMNS, summaryFromRow, tagKeys, textArrayLiteral } from './rows.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';

/** Export and import of the PostgreSQL store: whole conversations read in one snapshot, written in one transaction. */
export function createSnapshotOperations(context: StoreContext, conversations: Pick<ConversationOperations, 'findVisible'>): Pick<StoreDriver, 'readConversation' | 'writeConversation'> {
  const { names } = context;
  return {
    /** Reads the conversation, every message and the summary in one REPEATABLE READ snapshot. */
    async readConversation(scope, conversationId) {
      return context.run(
        'exportConversation',
        scope,
        async (sql) => {
          const conversation = await conversations.findVisible(sql, scope, conversationId);
          if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          const rows = await sql.query(`SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m WHERE m.tenant_id = $1 AND m.conversation_id = $2 ORDER BY m.seq`, [scope.tenantId, conversationId]);
          const summaryRow = (await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $2`, [scope.tenantId, conversationId])).rows[0];
          return { conversation, messages: rows.rows.map(messageFromRow), summary: summaryRow ? summaryFromRow(summaryRow) : null };
        },
        { transaction: true, repeatableRead: true },
      );
    },

    async writeConversation(scope, { conversation: source, messages, summary }) {
      return context.run(
        'importConversation',
        scope,
        async (sql) => {
          await claimExpiredId(sql, context, scope.tenantId, source.id, timestamp(context.clock.now()));
          const tags = [...source.tags];
          const inserted = await sql.query(
            `INSERT INTO ${names.conversations} AS c (tenant_id, id, user_id, title, tags, tag_keys, state, state_version, metadata, parent_id, forked_from_seq,
               ttl_seconds, ttl_mode, expires_at, created_at, updated_at, message_count, token_count, last_seq)
             VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14::timestamptz, $15::timestamptz, $16::timestamptz, $17, $18, $19)
             ON CONFLICT (tenant_id, id) DO NOTHING
             RETURNING ${CONVERSATION_COLUMNS}`,
            [
              scope.tenantId,
              source.id,
              userKey(scope),
              source.title ?? null,
              tags,
              tagKeys(scope.tenantId, userKey(scope), tags),
              json(source.state),
              source.stateVersion,
              json(source.metadata),
              source.parentId ?? null,
              source.forkedFromSeq ?? null,
              source.ttl?.seconds ?? null,
              source.ttl?.mode ?? null,
              source.expiresAt?.toISOString() ?? null,
              source.createdAt.toISOString(),
              source.updatedAt.toISOString(),
              source.messageCount,
              source.tokenCount,
              source.lastSeq,
            ],
          );
          const row = inserted.rows[0];
          if (!row) throw new ConversationExistsError({ id: source.id });
          if (messages.length > 0) {
            await sql.query(
              `INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
               SELECT $1, $2, r.seq, r.id, r.role, r.name, r.content::jsonb, r.metadata::jsonb, r.tags::text[], r.token_counts::jsonb, r.primary_tokens, r.content_hash, r.created_at::timestamptz
               FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[])
                 AS r(seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)`,
              [
                scope.tenantId,
                source.id,
                messages.map((message) => message.seq),
                messages.map((message) => message.id),
                messages.map((message) => message.role),
                messages.map((message) => message.name ?? null),
                messages.map((message) => json(message.content)),
                messages.map((message) => json(message.metadata)),
                messages.map((message) => textArrayLiteral(message.tags)),
                messages.map((message) => json(message.tokenCounts)),
                messages.map((message) => primaryTokens(message)),
                messages.map((message) => message.contentHash),
                messages.map((message) => message.createdAt.toISOString()),
              ],
            );
          }
          if (summary) {
            await sql.query(
              `INSERT INTO ${names.summaries} (tenant_id, conversation_id, text, covers_through_seq, token_count, encoding, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
              [scope.tenantId, source.id, summary.text, summary.coversThroughSeq, summary.tokenCount, summary.encoding, summary.updatedAt.toISOString()],
            );
          }
          return conversationFromRow(row);
        },
        { transaction: true },
      );
    },
  };
}
