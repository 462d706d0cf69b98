import { IdempotencyConflictError, NotFoundError, StoreError } from '../../errors.js';
import type { AppendResult, MessageSearchHit, TailResult } from '../../spec/store.js';
import type { DriverMessageSearchOptions, DriverTailOptions, StoreDriver } from '../define-store/driver.js';
import { isRetriedBatch, totalPrimaryTokens } from '../define-store/records.js';
import type { Message, NewMessage, Scope } from '../../types.js';
import { appendFunction } from './append-function.js';
import { VISIBLE } from './conversations.js';
import { batchJson, conversationFromRow, CONVERSATION_COLUMNS, MESSAGE_COLUMNS, messageFromRow } from './rows.js';
import { NEWEST_FIRST } from './recency.js';
import type { SqlQueryable } from './sql-client.js';
import { timestamp, userKey, type StoreContext } from './store-context.js';
import { tsQuerySql } from './text-search.js';

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * How many matches full-text search ranks at most (the newest ones). 1,000 keeps a query at
 * < 10 ms p95 on 100,000 messages (PostgreSQL 15, 2 cores; ranking costs ~5 µs a match) and
 * covers every match of conversations up to about a thousand turns.
 */
export const SEARCH_CANDIDATES = 1000;

/** How many of the newest messages in scope search reads by primary key before it asks the GIN index (a term in half of them counts as common). */
export const SEARCH_WINDOW = 2 * SEARCH_CANDIDATES;

/**
 * Rows of a tail read's first page, for the conversation `c`, budget `$7` (tokens) and message cap
 * `$8`: the budget ÷ the conversation's average stored tokens per message, +25% +8 rows. With no
 * budget, one row: enough to tell whether older messages exist.
 */
export const FIRST_TAIL_PAGE_SQL = `(CASE WHEN $7::float8 <= 0 THEN 1
  ELSE least($8::float8, ceil($7::float8 / greatest(1.0, c.token_count::float8 / greatest(c.message_count, 1)) * 1.25) + 8) END)::bigint`;

/** Message reads, appends and full-text search of the PostgreSQL store. */
export function createMessageOperations(context: StoreContext) {
  const { names } = context;

  /**
   * The append statement. Its `existing` step skips ids already stored; `reserved` reserves the seq
   * range with one `UPDATE … RETURNING` on the conversation row (which takes the row lock, so
   * concurrent appends to one conversation queue there and each sees the last_seq its predecessor
   * committed — READ COMMITTED re-reads the locked row); `written` inserts the new rows with seqs
   * `last_seq - n + rank` (rank = position among the new rows in input order), which is how the
   * caller derives each seq from the returned conversation. `conflict` refuses the batch when a
   * stored id comes again with another role or content hash. As a single statement it is atomic on
   * its own (autocommit). On node-postgres it runs when {@link insertSql} (the common case, every id
   * new) found a stored id, and on the locked path; PGlite's fast path is append-function.ts.
   *
   * Its snapshot is taken before it waits for the lock, so a concurrent append of the *same* id can
   * slip past `existing`: the unique (tenant, conversation, id) constraint then rejects the whole
   * statement (SQLSTATE 23505, nothing written) and the caller retries on the locked path.
   *
   * The batch arrives as one JSON array (`$4`) read by `jsonb_to_recordset`, whose row estimate is a
   * constant. With `unnest` of array parameters a custom plan sees each batch's exact length and
   * always looks cheaper than the generic plan, so the prepared statement was planned again on every
   * call (≈ 0.3 ms of server CPU, about as much as the rest of a one-message append); with equal
   * estimates PostgreSQL settles on the generic plan after its five trial plans. As `jsonb`, the
   * batch is parsed once: the content and metadata columns are copied out, not parsed again.
   */
  const appendSql = `WITH visible AS (
         SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE c.id = $5 AND ${VISIBLE}
       ),
       input AS (
         SELECT * FROM jsonb_to_recordset($4::jsonb) AS i(ord int, id text, role text, name text, content jsonb, metadata jsonb, tags text[],
           token_counts jsonb, content_hash text, primary_tokens int, created_at timestamptz)
       ),
       -- One unique-key probe per input id. Not \`m.id = ANY(…)\`: on a table without statistics
       -- (autovacuum off, just loaded) the planner takes the (tenant, conversation) prefix for one row
       -- and applies the array as a filter, reading the whole conversation on every append. LIMIT 1
       -- keeps the subquery from being flattened into a hash join, which would read it all too.
       existing AS (
         SELECT e.* FROM input i
         CROSS JOIN LATERAL (
           SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m
           WHERE m.tenant_id = $1 AND m.conversation_id = $5 AND m.id = i.id
           LIMIT 1
         ) e
         WHERE EXISTS (SELECT 1 FROM visible)
       ),
       -- A stored id coming again with another role or content: the whole batch is refused (nothing below writes).
       conflict AS (
         SELECT i.id FROM input i JOIN existing e ON e.id = i.id WHERE e.role <> i.role OR e.content_hash <> i.content_hash
       ),
       fresh AS (
         SELECT i.*, row_number() OVER (ORDER BY i.ord) AS rank FROM input i WHERE i.id NOT IN (SELECT id FROM existing)
       ),
       totals AS (SELECT count(*) AS n, coalesce(sum(primary_tokens), 0) AS tokens FROM fresh),
       reserved AS (
         UPDATE ${names.conversations} c
         SET last_seq = c.last_seq + totals.n,
             message_count = c.message_count + totals.n,
             token_count = c.token_count + totals.tokens,
             updated_at = $3::timestamptz,
             expires_at = CASE WHEN c.ttl_mode = 'sliding' THEN $3::timestamptz + make_interval(secs => c.ttl_seconds) ELSE c.expires_at END
         FROM totals
         WHERE c.id = $5 AND ${VISIBLE} AND totals.n > 0 AND NOT EXISTS (SELECT 1 FROM conflict)
         RETURNING ${CONVERSATION_COLUMNS}
       ),
       written AS (
         INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
         SELECT $1, $5, reserved.last_seq - totals.n + fresh.rank, fresh.id, fresh.role, fresh.name, fresh.content, fresh.metadata,
                fresh.tags, fresh.token_counts, fresh.primary_tokens, fresh.content_hash, fresh.created_at
         FROM fresh, reserved, totals
         RETURNING 1
       )
       SELECT (SELECT row_to_json(reserved) FROM reserved) AS conversation,
              (SELECT row_to_json(visible) FROM visible WHERE NOT EXISTS (SELECT 1 FROM reserved)) AS visible,
              (SELECT json_agg(existing) FROM existing) AS existing,
              (SELECT count(*) FROM written) AS inserted,
              (SELECT min(id) FROM conflict) AS conflict`;

  /**
   * The fast path on node-postgres: the common case of an append, every id new, in one statement
   * (autocommit, atomic on its own), with the same optimistic shape as PGlite's function
   * (append-function.ts). `reserved` reserves the seq range with one `UPDATE … RETURNING` on the
   * visible conversation row (the row lock queues concurrent appends to one conversation; READ
   * COMMITTED re-reads the locked row, so each sees the last_seq its predecessor committed, and a
   * conversation deleted or expired meanwhile no longer matches); `written` inserts the batch with
   * seqs `last_seq - n + ord + 1`, in input order. No conversation row → no result row (the caller
   * reports it missing; the layer tells expired from absent).
   *
   * It does not look for stored ids first: an id already stored (a retried batch, or a concurrent
   * append of the same id) fails the insert on the unique (tenant, conversation, id) constraint
   * with SQLSTATE 23505, the whole statement is rolled back, and the caller runs {@link appendSql}
   * (which returns the stored messages, writes the new ones of a partly stored batch or reports a
   * conflict), then the locked path if that races too. The statement runs with
   * `keepConnectionOnError`, so that error does not cost the pool its connection.
   *
   * `$6` (message count) and `$7` (their primary tokens) come from the client: no aggregate over the
   * batch. Why not {@link appendSql}, or a probe for stored ids in front of this: measured with
   * bench/postgres/append-profile.ts (batches of 1, 16 writers, 2 cores shared by client and
   * server, 2026-12-07, interleaved; client + server CPU per append) — {@link appendSql} ≈ 840 µs,
   * this statement ≈ 660–745 µs, this statement gated by a `stored` probe CTE ≈ 710–810 µs (+40–60
   * µs, with the probe an index-only scan finding nothing), the benchmark's raw insert ≈ 585–675 µs.
   */
  const insertSql = `WITH reserved AS (
         UPDATE ${names.conversations} c
         SET last_seq = c.last_seq + $6::int,
             message_count = c.message_count + $6::int,
             token_count = c.token_count + $7::bigint,
             updated_at = $3::timestamptz,
             expires_at = CASE WHEN c.ttl_mode = 'sliding' THEN $3::timestamptz + make_interval(secs => c.ttl_seconds) ELSE c.expires_at END
         WHERE c.id = $5 AND ${VISIBLE}
         RETURNING ${CONVERSATION_COLUMNS}
       ),
       written AS (
         INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
         SELECT $1, $5, reserved.last_seq - $6::int + i.ord + 1, i.id, i.role, i.name, i.content, i.metadata,
                i.tags, i.token_counts, i.primary_tokens, i.content_hash, i.created_at
         FROM reserved, jsonb_to_recordset($4::jsonb) AS i(ord int, id text, role text, name text, content jsonb, metadata jsonb, tags text[],
           token_counts jsonb, content_hash text, primary_tokens int, created_at timestamptz)
         RETURNING 1
       )
       SELECT row_to_json(reserved) AS conversation, (SELECT count(*) FROM written) AS inserted FROM reserved`;

  /** Runs {@link insertSql}: the batch is all new (else SQLSTATE 23505, nothing written). */
  async function appendNew(sql: SqlQueryable, scope: Scope, conversationId: string, batch: readonly NewMessage[], now: Date): Promise<AppendResult> {
    const result = await sql.query<{ conversation: Record<string, unknown>; inserted: number | string }>(
      insertSql,
      [scope.tenantId, userKey(scope), timestamp(now.getTime()), batchJson(batch), conversationId, batch.length, totalPrimaryTokens(batch)],
      { keepConnectionOnError: true },
    );
    const row = result.rows[0];
    // Not visible, or deleted (or expired) while this statement waited for the row lock.
    if (!row) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    const inserted = Number(row.inserted);
    // Cannot happen short of a broken statement (the insert writes every row or fails): never report a partial write as done.
    if (inserted !== batch.length) throw new StoreError({ store: 'postgres', operation: 'appendMessages', detail: `the append statement wrote ${inserted} of ${batch.length} messages` });
    const conversation = conversationFromRow(row.conversation);
    // The rows took seqs lastSeq - n + 1 … lastSeq, in input order (see insertSql).
    let seq = conversation.lastSeq - inserted;
    const messages: Message[] = batch.map((message) => ({ ...message, conversationId, seq: (seq += 1) }));
    return { messages, inserted, conversation };
  }

  // PGlite plans every statement anew; there the append runs as a PL/pgSQL function (see append-function.ts).
  const plpgsqlAppend = context.executor.driver === 'pglite' ? appendFunction(names) : undefined;
  let appendFunctionCreated: Promise<void> | undefined;
  /** Creates the session's append function once (outside any transaction, so no rollback can take it back). */
  function ensureAppendFunction(): Promise<void> | undefined {
    if (!plpgsqlAppend) return undefined;
    appendFunctionCreated ??= context.run('appendMessages', null, async (sql) => void (await sql.query(plpgsqlAppend.create))).catch((error: unknown) => {
      appendFunctionCreated = undefined;
      throw error;
    });
    return appendFunctionCreated;
  }

  /** Runs `statement`: {@link appendSql}, or on PGlite's fast path the function of append-function.ts (same parameters and result). */
  async function appendOnce(sql: SqlQueryable, scope: Scope, conversationId: string, batch: readonly NewMessage[], now: Date, statement = appendSql): Promise<AppendResult> {
    const result = await sql.query<{
      conversation: Record<string, unknown> | null;
      visible: Record<string, unknown> | null;
      existing: Record<string, unknown>[] | null;
      inserted: number | string;
      conflict: string | null;
    }>(statement, [scope.tenantId, userKey(scope), timestamp(now.getTime()), batchJson(batch), conversationId]);
    const row = result.rows[0]!;
    const conversationRow = row.conversation ?? row.visible;
    if (!conversationRow) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    if (row.conflict !== null) throw new IdempotencyConflictError({ messageId: row.conflict });
    const existing = new Map((row.existing ?? []).map((stored) => [String(stored.id), messageFromRow(stored)]));
    const inserted = Number(row.inserted);
    // New messages not all written: the conversation was deleted (or expired) while this statement waited for its row lock.
    if (existing.size + inserted !== batch.length) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    const conversation = conversationFromRow(conversationRow);
    // The new rows took seqs lastSeq - inserted + 1 … lastSeq, in input order (see appendSql).
    let seq = conversation.lastSeq - inserted;
    const messages: Message[] = batch.map((message) => existing.get(message.id) ?? { ...message, conversationId, seq: (seq += 1) });
    return { messages, inserted, conversation };
  }

  /**
   * The locked path, in one transaction: `SELECT … FOR UPDATE` on the conversation row first, so
   * the append statement that follows starts after every earlier batch committed and sees all
   * stored ids. Used for content-hash dedup (which compares against the newest stored messages)
   * and to retry a fast append that raced with an append of the same id.
   */
  async function appendLocked(sql: SqlQueryable, scope: Scope, conversationId: string, batch: readonly NewMessage[], dedupeByContentHash: boolean, now: Date): Promise<AppendResult> {
    const locked = await sql.query(`SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE} FOR UPDATE`, [
      scope.tenantId,
      userKey(scope),
      timestamp(now.getTime()),
      conversationId,
    ]);
    const lockedRow = locked.rows[0];
    if (!lockedRow) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    if (dedupeByContentHash) {
      const newest = await sql.query(`SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m WHERE m.tenant_id = $1 AND m.conversation_id = $2 ORDER BY m.seq DESC LIMIT $3`, [
        scope.tenantId,
        conversationId,
        batch.length,
      ]);
      const stored = newest.rows.map(messageFromRow).reverse();
      if (isRetriedBatch(stored, batch)) return { messages: stored, inserted: 0, conversation: conversationFromRow(lockedRow) };
    }
    return appendOnce(sql, scope, conversationId, batch, now);
  }

  /** The fast path: one statement, autocommit. On PGlite the function, created first if this session has none. */
  async function appendFast(scope: Scope, conversationId: string, batch: readonly NewMessage[], now: Date): Promise<AppendResult> {
    if (!plpgsqlAppend) {
      try {
        return await context.run('appendMessages', scope, (sql) => appendNew(sql, scope, conversationId, batch, now));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      // An id of the batch is stored (usually a retried batch): the statement that looks them up,
      // still one round trip; a 23505 from it (a concurrent append of the same id) goes to the locked path.
      return context.run('appendMessages', scope, (sql) => appendOnce(sql, scope, conversationId, batch, now));
    }
    await ensureAppendFunction();
    const run = () => context.run('appendMessages', scope, (sql) => appendOnce(sql, scope, conversationId, batch, now, plpgsqlAppend.call));
    try {
      return await run();
    } catch (error) {
      // 42883: the session's temporary function is gone (DISCARD TEMP or ALL on a shared PGlite): create it again, once.
      if (sqlState(error) !== '42883') throw error;
      appendFunctionCreated = undefined;
      await ensureAppendFunction();
      return run();
    }
  }

  const operations: MessageDriver = {
    async appendMessages(scope, conversationId, batch, { dedupeByContentHash, now }) {
      if (!dedupeByContentHash) {
        try {
          return await appendFast(scope, conversationId, batch, now);
        } catch (error) {
          // 23505: one of these ids is stored (a retried batch, on PGlite's fast path) or a concurrent
          // append stored it first; retry where the lock comes first and stored ids are looked up.
          if (!isUniqueViolation(error)) throw error;
        }
      }
      return context.run('appendMessages', scope, (sql) => appendLocked(sql, scope, conversationId, batch, dedupeByContentHash, now), { transaction: true });
    },

    async listMessages(scope, conversationId, { order, afterSeq, beforeSeq = NO_UPPER_BOUND, limit }) {
      return context.run('listMessages', scope, async (sql) => {
        const result = await sql.query(
          `SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m
           WHERE m.tenant_id = $1 AND m.conversation_id = $4 AND m.seq > $5 AND m.seq < $6
             AND EXISTS (SELECT 1 FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE})
           ORDER BY m.seq ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT $7`,
          [scope.tenantId, userKey(scope), timestamp(context.clock.now()), conversationId, afterSeq, beforeSeq, limit],
        );
        return result.rows.map(messageFromRow);
      });
    },

    /**
     * Usually one round trip reading about as many rows as it returns: one backward index-range
     * scan on the primary key whose LIMIT is estimated in SQL from the conversation's average
     * message size (`token_count / message_count`), +25% +8 rows, capped by `maxMessages`. The
     * rows past the budget are dropped here; a further page is read only when the estimate fell
     * short. Cost depends on the rows returned, not on the conversation's length.
     */
    async getTail(scope: Scope, conversationId: string, tailOptions: DriverTailOptions): Promise<TailResult> {
      const { maxMessages, maxTokens, beforeSeq } = tailOptions;
      const before = beforeSeq ?? NO_UPPER_BOUND;
      return context.run('getTail', scope, async (sql) => {
        const collected: Message[] = [];
        let total = 0;
        let upper = before;
        // First page: estimated from the average stored message size; later pages (rare): double the last.
        let nextPageSize: number | undefined;
        let pageLimit = FIRST_TAIL_PAGE_SQL;
        for (;;) {
          const page = await sql.query(
            `WITH page AS (SELECT ${pageLimit} AS size FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE})
             SELECT ${MESSAGE_COLUMNS}, coalesce((m.token_counts ->> $6)::bigint, 0) AS tokens, (SELECT size FROM page) AS page_size
             FROM ${names.messages} m
             WHERE m.tenant_id = $1 AND m.conversation_id = $4 AND m.seq < $5 AND EXISTS (SELECT 1 FROM page)
             ORDER BY m.seq DESC
             LIMIT (SELECT size FROM page)`,
            [
              scope.tenantId,
              userKey(scope),
              timestamp(context.clock.now()),
              conversationId,
              upper,
              tailOptions.encoding,
              // $7: the token budget for the first page's estimate, then the page size of later pages
              nextPageSize ?? maxTokens,
              maxMessages - collected.length,
            ],
          );
          const rows = page.rows;
          let index = 0;
          while (index < rows.length && collected.length < maxMessages && total < maxTokens) {
            collected.push(messageFromRow(rows[index]!));
            total += Number(rows[index]!.tokens);
            index += 1;
          }
          const result = () => collected.reverse();
          // Stopped inside the page: older rows exist.
          if (index < rows.length) return { messages: result(), reachedStart: false };
          // The page came back short: the scan reached the first message (or the conversation is not visible).
          if (rows.length === 0 || rows.length < Number(rows[0]!.page_size)) return { messages: result(), reachedStart: true };
          if (collected.length >= maxMessages || total >= maxTokens) {
            const older = await sql.query(`SELECT 1 FROM ${names.messages} m WHERE m.tenant_id = $1 AND m.conversation_id = $2 AND m.seq < $3 LIMIT 1`, [
              scope.tenantId,
              conversationId,
              collected.at(-1)!.seq,
            ]);
            return { messages: result(), reachedStart: older.rows.length === 0 };
          }
          upper = collected.at(-1)!.seq;
          // A parameter, not text: one prepared statement serves every later page.
          pageLimit = `least($8::bigint, $7::bigint)`;
          nextPageSize = rows.length * 2;
        }
      });
    },

    async deleteMessage(scope, conversationId, messageId) {
      return context.run(
        'deleteMessage',
        scope,
        async (sql) => {
          const deleted = await sql.query<{ primary_tokens: number }>(
            `DELETE FROM ${names.messages} m
             WHERE m.tenant_id = $1 AND m.conversation_id = $4 AND m.id = $5
               AND EXISTS (SELECT 1 FROM ${names.conversations} c WHERE c.id = $4 AND ${VISIBLE})
             RETURNING m.primary_tokens`,
            [scope.tenantId, userKey(scope), timestamp(context.clock.now()), conversationId, messageId],
          );
          const row = deleted.rows[0];
          if (!row) return false;
          await sql.query(
            `UPDATE ${names.conversations} SET message_count = message_count - 1, token_count = token_count - $3, updated_at = $4::timestamptz WHERE tenant_id = $1 AND id = $2`,
            [scope.tenantId, conversationId, row.primary_tokens, timestamp(context.clock.now())],
          );
          if (context.vectorTable) {
            await sql.query(`DELETE FROM ${names.embeddings} WHERE tenant_id = $1 AND kind = 'message' AND conversation_id = $2 AND target_id = $3`, [scope.tenantId, conversationId, messageId]);
          }
          return true;
        },
        { transaction: true },
      );
    },

    /**
     * Full-text search, ranked by `ts_rank_cd` (cover density) over at most
     * {@link SEARCH_CANDIDATES} matches, so a common word never ranks every match (at 100,000
     * messages a common pair matches ~75% of them). One statement, two bounded paths:
     * 1. Read the newest {@link SEARCH_WINDOW} messages in scope by primary key (conversations most
     *    recently updated first, newest seq first; `beforeSeq` bounds the range). If that window
     *    holds SEARCH_CANDIDATES matches (a common term), or is all there is, rank those.
     * 2. Otherwise (a rarer term) take the matches from the GIN index, newest SEARCH_CANDIDATES first.
     * The decision uses counts, not planner estimates, so it holds on tables without statistics
     * (autovacuum off, just loaded). Planned per call (`prepare: false`) so the tsquery is a
     * constant the planner can match to the GIN index. Full rows are read only for the top `limit`.
     */
    async searchMessages(scope: Scope, searchOptions: DriverMessageSearchOptions): Promise<MessageSearchHit[]> {
      const { query, limit } = searchOptions;
      const before = searchOptions.beforeSeq ?? NO_UPPER_BOUND;
      const tags = searchOptions.tags === undefined ? null : [...searchOptions.tags];
      const tsQuery = tsQuerySql('$4', query);
      return context.run('searchMessages', scope, async (sql) => {
        const result = await sql.query(
          `WITH recent AS MATERIALIZED (
             SELECT m.* FROM ${names.conversations} c
             CROSS JOIN LATERAL (
               SELECT m.conversation_id, m.seq, m.id, m.tags, m.search_vector FROM ${names.messages} m
               WHERE m.tenant_id = $1 AND m.conversation_id = c.id AND m.seq < $6
               ORDER BY m.seq DESC
               LIMIT ${SEARCH_WINDOW}
             ) m
             WHERE ${VISIBLE} AND ($5::text IS NULL OR c.id = $5)
             ORDER BY ${NEWEST_FIRST}
             LIMIT ${SEARCH_WINDOW}
           ),
           recent_hits AS MATERIALIZED (
             SELECT r.conversation_id, r.seq, r.id, r.search_vector FROM recent r
             WHERE ts_match_vq(r.search_vector, ${tsQuery}) AND ($7::text[] IS NULL OR r.tags @> $7::text[])
             LIMIT ${SEARCH_CANDIDATES}
           ),
           -- true: the window holds enough matches (a common term) or is all there is; else ask the GIN index
           settled AS (
             SELECT (SELECT count(*) FROM recent_hits) >= ${SEARCH_CANDIDATES} OR (SELECT count(*) FROM recent) < ${SEARCH_WINDOW} AS done
           ),
           candidates AS (
             SELECT h.* FROM recent_hits h WHERE (SELECT done FROM settled)
             UNION ALL
             -- gated above the LIMIT, so a parallel plan of this branch never starts workers when it is not needed
             SELECT g.* FROM (
               SELECT m.conversation_id, m.seq, m.id, m.search_vector FROM ${names.messages} m
               WHERE m.search_vector @@ ${tsQuery}
                -- IS TRUE hides these from index matching: an unanalyzed table makes a primary-key prefix
                -- look selective, and the planner would walk the whole conversation instead of the GIN index
                AND (m.tenant_id = $1 AND m.seq < $6 AND ($5::text IS NULL OR m.conversation_id = $5)
                     AND m.conversation_id = ANY(ARRAY(SELECT c.id FROM ${names.conversations} c WHERE ${VISIBLE}))
                     AND ($7::text[] IS NULL OR m.tags @> $7::text[])) IS TRUE
               ORDER BY m.created_at DESC, m.seq DESC
               LIMIT ${SEARCH_CANDIDATES}
             ) g
             WHERE NOT (SELECT done FROM settled)
           ),
           top AS (
             SELECT k.conversation_id, k.seq, k.id, ts_rank_cd(k.search_vector, ${tsQuery}) AS score FROM candidates k
             ORDER BY score DESC, k.conversation_id, k.seq DESC
             LIMIT $8
           )
           SELECT ${MESSAGE_COLUMNS}, top.score FROM top
           -- seq and id both: either unique index is then an exact lookup, whichever an unanalyzed table makes the planner pick
           JOIN ${names.messages} m ON m.tenant_id = $1 AND m.conversation_id = top.conversation_id AND m.seq = top.seq AND m.id = top.id
           ORDER BY top.score DESC, m.conversation_id, m.seq DESC`,
          [scope.tenantId, userKey(scope), timestamp(context.clock.now()), query, searchOptions.conversationId ?? null, before, tags, limit],
          { prepare: false },
        );
        return result.rows.map((row) => ({ message: messageFromRow(row), score: Number(row.score) }));
      });
    },
  };
  return operations;
}

type MessageDriver = Pick<StoreDriver, 'appendMessages' | 'listMessages' | 'getTail' | 'deleteMessage'> & Required<Pick<StoreDriver, 'searchMessages'>>;

/** SQLSTATE 23505 in the driver error kept as `cause`. */
function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** The SQLSTATE of the driver error kept as `cause`, if any. */
function sqlState(error: unknown): unknown {
  return (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
}


export type MessageOperations = ReturnType<typeof createMessageOperations>;
