import { NotFoundError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import type { ConversationOperations } from './conversations.js';
import { VISIBLE } from './conversations.js';
import { SUMMARY_COLUMNS, summaryFromRow } from './rows.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';

/** Summaries of the PostgreSQL store: read, and compare-and-set on `coversThroughSeq`. */
export function createSummaryOperations(context: StoreContext, conversations: Pick<ConversationOperations, 'findVisible'>): Pick<StoreDriver, 'getSummary' | 'putSummary'> {
  const { names } = context;
  return {
    async getSummary(scope, conversationId) {
      return context.run('getSummary', scope, async (sql) => {
        const result = await sql.query(
          `SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s JOIN ${names.conversations} c ON c.tenant_id = s.tenant_id AND c.id = s.conversation_id
           WHERE s.tenant_id = $1 AND s.conversation_id = $4 AND ${VISIBLE}`,
          [scope.tenantId, userKey(scope), timestamp(context.clock.now()), conversationId],
        );
        const row = result.rows[0];
        return row ? summaryFromRow(row) : null;
      });
    },

    /** Compare-and-set in one transaction: the conversation row is locked, so two writers cannot both apply. */
    async putSummary(scope, conversationId, summary, { expectedCoversThroughSeq }) {
      return context.run(
        'putSummary',
        scope,
        async (sql) => {
          const conversation = await conversations.findVisible(sql, scope, conversationId, 'FOR UPDATE');
          if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          const currentRow = (await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $2`, [scope.tenantId, conversationId])).rows[0];
          const current = currentRow ? summaryFromRow(currentRow) : null;
          if ((current?.coversThroughSeq ?? null) !== expectedCoversThroughSeq) return { applied: false, current };
          await sql.query(
            `INSERT INTO ${names.summaries} (tenant_id, conversation_id, text, covers_through_seq, token_count, encoding, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
             ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET text = excluded.text, covers_through_seq = excluded.covers_through_seq,
               token_count = excluded.token_count, encoding = excluded.encoding, updated_at = excluded.updated_at`,
            [scope.tenantId, conversationId, summary.text, summary.coversThroughSeq, summary.tokenCount, summary.encoding, summary.updatedAt.toISOString()],
          );
          return { applied: true, current: { ...summary } };
        },
        { transaction: true },
      );
    },
  };
}
