import type { ContextRead, TailResult } from '../../spec/store.js';
import type { DriverContextReadOptions, DriverTailOptions } from '../define-store/driver.js';
import type { Message, Scope } from '../../types.js';
import { VISIBLE } from './conversations.js';
import { FIRST_TAIL_PAGE_SQL } from './messages.js';
import { conversationFromRow, CONVERSATION_COLUMNS, MEMORY_COLUMNS, MESSAGE_COLUMNS, memoryFromRow, messageFromRow, SUMMARY_COLUMNS, summaryFromRow } from './rows.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

type Row = Record<string, unknown>;

/**
 * `readContext` of the PostgreSQL store: one statement, so one round trip, returning the visible
 * conversation, the first tail page (sized as `getTail`'s, {@link FIRST_TAIL_PAGE_SQL}), the
 * summary and — when asked — the pinned memories and whether unpinned ones exist. Each part is an
 * index lookup or a bounded range scan (primary keys; memories by `(tenant_id, user_id,
 * updated_at, id)`), so the cost does not grow with history. The rarely needed further tail
 * pages come from `getTail`, whose walk this mirrors.
 *
 * The conversation, summary and memories travel as JSON, the tail as rows or JSON depending on the
 * driver (see below); the row mappers accept both the driver's typed values and their JSON forms.
 */
export function createContextRead(
  context: StoreContext,
  getTail: (scope: Scope, conversationId: string, options: DriverTailOptions) => Promise<TailResult>,
  shape: { tailAsJson: boolean },
) {
  const { names } = context;
  // With stopAtSummary the range ends above the summary's coverage (one primary-key lookup), so the
  // turns the summary covers are neither read nor sent.
  const ctes = (stopAtSummary: boolean) => `WITH conv AS (
      SELECT ${CONVERSATION_COLUMNS},
             ${FIRST_TAIL_PAGE_SQL} AS page_size
      FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE}
    ),
    tail AS (
      SELECT ${MESSAGE_COLUMNS}, coalesce((m.token_counts ->> $6)::bigint, 0) AS tokens
      FROM ${names.messages} m
      WHERE m.tenant_id = $1 AND m.conversation_id = $4 AND m.seq < $5 AND EXISTS (SELECT 1 FROM conv)${
        stopAtSummary
          ? `
        AND m.seq > coalesce((SELECT s.covers_through_seq FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $4), 0)`
          : ''
      }
      ORDER BY m.seq DESC
      LIMIT (SELECT page_size FROM conv)
    )`;
  const parts = (withMemories: boolean) => `(SELECT row_to_json(conv) FROM conv) AS conversation,
           (SELECT row_to_json(summary) FROM (
              SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $4 AND EXISTS (SELECT 1 FROM conv)
           ) summary) AS summary,
           ${
             withMemories
               ? `(SELECT json_agg(memory ORDER BY memory.updated_at DESC, memory.id DESC) FROM (
              SELECT ${MEMORY_COLUMNS} FROM ${names.memories} mm
              WHERE mm.tenant_id = $1 AND mm.user_id IN ($2, '') AND mm.pinned
              ORDER BY mm.updated_at DESC, mm.id DESC LIMIT $9::int + 1
           ) memory) AS pinned,
           EXISTS (SELECT 1 FROM ${names.memories} mm WHERE mm.tenant_id = $1 AND mm.user_id IN ($2, '') AND NOT mm.pinned) AS unpinned`
               : `NULL::json AS pinned, NULL::boolean AS unpinned`
           }`;
  // node-postgres: part 0 is one header row (conversation, summary, memories as JSON), part 1 the
  // tail rows in native row format, which costs the server less than aggregating them into JSON.
  // PGlite: one row with the tail as JSON too, which its in-process result decoding reads in about
  // 60% of the time the same rows take as columns (0.75 vs 1.23 ms for 80 messages, measured).
  const statement = (withMemories: boolean, stopAtSummary: boolean) =>
    shape.tailAsJson
      ? `${ctes(stopAtSummary)} SELECT ${parts(withMemories)}, (SELECT json_agg(tail ORDER BY tail.seq DESC) FROM tail) AS tail`
      : `${ctes(stopAtSummary)}
    SELECT 0 AS part, NULL::text AS conversation_id, NULL::bigint AS seq, NULL::text AS id, NULL::text AS role, NULL::text AS name,
           NULL::jsonb AS content, NULL::jsonb AS metadata, NULL::text[] AS tags, NULL::jsonb AS token_counts, NULL::text AS content_hash,
           NULL::timestamptz AS created_at, NULL::bigint AS tokens,
           ${parts(withMemories)}
    UNION ALL
    SELECT 1, tail.*, NULL::json, NULL::json, NULL::json, NULL::boolean FROM tail
    ORDER BY part, seq DESC`;
  const statements = [statement(false, false), statement(true, false), statement(false, true), statement(true, true)];

  return async function readContext(scope: Scope, conversationId: string, options: DriverContextReadOptions): Promise<ContextRead> {
    const { maxMessages, maxTokens, beforeSeq } = options;
    const before = beforeSeq ?? NO_UPPER_BOUND;
    const pinnedLimit = options.pinnedMemories;

    const rows = await context.run('readContext', scope, async (sql) => {
      const parameters: unknown[] = [scope.tenantId, userKey(scope), timestamp(context.clock.now()), conversationId, before, options.encoding, maxTokens, maxMessages];
      if (pinnedLimit > 0) parameters.push(pinnedLimit);
      return (await sql.query<Row>(statements[(pinnedLimit > 0 ? 1 : 0) + (options.stopAtSummary ? 2 : 0)]!, parameters)).rows;
    });
    const row = rows[0]!;
    if (!row.conversation) return { conversation: null, tail: { messages: [], reachedStart: true }, summary: null };
    const conversationRow = row.conversation as Row;
    const pageSize = Number(conversationRow.page_size);
    const memories =
      pinnedLimit > 0
        ? (() => {
            const pinned = ((row.pinned as Row[] | null) ?? []).map(memoryFromRow);
            return { pinned: pinned.slice(0, pinnedLimit), morePinned: pinned.length > pinnedLimit, unpinned: Boolean(row.unpinned) };
          })()
        : undefined;
    const summary = row.summary ? summaryFromRow(row.summary as Row) : null;
    const floor = options.stopAtSummary ? (summary?.coversThroughSeq ?? 0) : 0;
    return {
      conversation: conversationFromRow(conversationRow),
      tail: await walkTail(scope, conversationId, options, shape.tailAsJson ? ((row.tail as Row[] | null) ?? []) : rows.slice(1), pageSize, maxMessages, floor),
      summary,
      ...(memories ? { memories } : {}),
    };
  };

  /** The budget walk of `getTail` over the first page; a further read only when the page ran out before the budget did. */
  async function walkTail(scope: Scope, conversationId: string, options: DriverContextReadOptions, rows: Row[], pageSize: number, maxMessages: number, floor: number): Promise<TailResult> {
    const collected: Message[] = [];
    let total = 0;
    let index = 0;
    while (index < rows.length && collected.length < maxMessages && total < options.maxTokens) {
      collected.push(messageFromRow(rows[index]!));
      total += Number(rows[index]!.tokens);
      index += 1;
    }
    // Stopped inside the page: older rows exist. A short page: the scan reached the first message.
    if (index < rows.length) return { messages: collected.reverse(), reachedStart: false };
    // A short page ended at the first message, or at the summary's coverage (older messages remain).
    if (rows.length < pageSize) return { messages: collected.reverse(), reachedStart: floor === 0 };
    // The page was full and used up: the rest comes from getTail, continuing below the oldest row read.
    const rest = await getTail(scope, conversationId, {
      encoding: options.encoding,
      maxTokens: total >= options.maxTokens ? 0 : options.maxTokens - total,
      maxMessages: Math.max(1, maxMessages - collected.length),
      beforeSeq: collected.at(-1)!.seq,
    });
    if (total >= options.maxTokens || collected.length >= maxMessages) {
      // Budget or message cap spent exactly at the page's end: only whether older messages exist matters.
      return { messages: collected.reverse(), reachedStart: rest.messages.length === 0 && rest.reachedStart };
    }
    return { messages: [...rest.messages, ...collected.reverse()], reachedStart: rest.reachedStart };
  }
}
