import { VISIBLE } from './conversations.js';
import { statementName } from './executor.js';
import { CONVERSATION_COLUMNS } from './rows.js';
import type { SqlNames } from './sql-names.js';

/**
 * The common case of an append (every id new) as a PL/pgSQL function, for PGlite. PGlite has no
 * prepared statements: every query is parsed and planned anew, and the append statement of
 * messages.ts (a nine-step CTE) cost more to plan than to run. PL/pgSQL keeps the plans of a
 * function's statements for the session, so an append is `SELECT … FROM pg_temp.llmctx_append_…($1, …)`,
 * cheap to plan, running two planned statements:
 * 1. `UPDATE … RETURNING` on the visible conversation row reserves the seq range (and takes the row
 *    lock: appends to one conversation queue there); no row → nothing written, a null result row
 *    (the caller reports the conversation missing);
 * 2. `INSERT` of the batch with seqs `last_seq - n + 1 …` in input order.
 * It does not look for stored ids first: an id that is already stored (a retried batch, or a
 * concurrent append of the same id) fails the insert with SQLSTATE 23505, the whole call is rolled
 * back, and the caller retries on the locked path (messages.ts), which returns the stored messages.
 * Measured on PGlite 0.5 with bench/append.ts's rows (CPU per call, batches of 1, 2026-12-07): the
 * statement ≈ 3.5–4.5 ms, the same statement as a function body (plans kept) ≈ 1.8 ms, this ≈ 1.2 ms,
 * the benchmark's raw insert ≈ 1.0 ms.
 *
 * Same parameters ($1 tenant, $2 user key, $3 now, $4 the batch as JSON, $5 conversation id) and
 * result columns as the statement, so the caller reads both alike (`visible`, `existing` and
 * `conflict` are always null here).
 *
 * A temporary function (schema `pg_temp`): it lives as long as the PGlite session, needs no
 * migration, and its text follows this library's version. Its name is a hash of its definition, so
 * stores on other schemas or table prefixes, or another version of this code, never share one.
 */
export function appendFunction(names: SqlNames): { readonly name: string; readonly create: string; readonly call: string } {
  const body = `
DECLARE
  n bigint;
  tokens bigint;
  reserved record;
BEGIN
  inserted := 0;
  SELECT count(*), coalesce(sum(i.primary_tokens), 0) INTO n, tokens FROM jsonb_to_recordset($4) AS i(primary_tokens int);
  UPDATE ${names.conversations} c
  SET last_seq = c.last_seq + n,
      message_count = c.message_count + n,
      token_count = c.token_count + tokens,
      updated_at = $3::timestamptz,
      expires_at = CASE WHEN c.ttl_mode = 'sliding' THEN $3::timestamptz + make_interval(secs => c.ttl_seconds) ELSE c.expires_at END
  WHERE c.id = $5 AND ${VISIBLE}
  RETURNING ${CONVERSATION_COLUMNS} INTO reserved;
  -- Not visible, or deleted (or expired) while this call waited for the row lock.
  IF NOT FOUND THEN
    RETURN;
  END IF;
  conversation := row_to_json(reserved);
  INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
  SELECT $1, $5, reserved.last_seq - n + i.ord + 1, i.id, i.role, i.name, i.content, i.metadata,
         i.tags, i.token_counts, i.primary_tokens, i.content_hash, i.created_at
  FROM jsonb_to_recordset($4) AS i(ord int, id text, role text, name text, content jsonb, metadata jsonb, tags text[],
         token_counts jsonb, content_hash text, primary_tokens int, created_at timestamptz);
  GET DIAGNOSTICS inserted = ROW_COUNT;
END`;
  const signature = `(text, text, text, jsonb, text, OUT conversation json, OUT visible json, OUT existing json, OUT inserted bigint, OUT conflict text)`;
  const definition = `${signature} LANGUAGE plpgsql AS $llmctx_append$${body}$llmctx_append$`;
  const name = `pg_temp.${statementName(definition).replace('llmctx_', 'llmctx_append_')}`;
  return {
    name,
    create: `CREATE OR REPLACE FUNCTION ${name}${definition}`,
    call: `SELECT conversation, visible, existing, inserted, conflict FROM ${name}($1, $2, $3, $4::jsonb, $5)`,
  };
}
