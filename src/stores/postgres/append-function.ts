import { VISIBLE } from './conversations.js';
import { statementName } from './executor.js';
import { CONVERSATION_COLUMNS, MESSAGE_COLUMNS } from './rows.js';
import type { SqlNames } from './sql-names.js';

/**
 * The append as a PL/pgSQL function, for PGlite. PGlite has no prepared statements: every query is
 * parsed and planned anew, and the append statement (a nine-step CTE) cost about three times its
 * execution to plan. PL/pgSQL keeps the plans of a function's statements for the session, so an
 * append becomes `SELECT … FROM pg_temp.llmctx_append_…($1, …)`, cheap to plan, and the steps run
 * one after another instead of as materialized CTEs (PGlite 0.5, batches of 1: 1.8 ms → 1.2 ms of
 * CPU for the SQL, measured in bench/append.ts's setting; the CTE as the function body: 1.8 ms).
 *
 * Same parameters ($1 tenant, $2 user key, $3 now, $4 the batch as JSON, $5 conversation id) and
 * the same result row as the statement in messages.ts, with the same meaning:
 * - `existing` (stored messages whose ids come again) and `conflict` (the least such id stored with
 *   another role or content hash) only when the conversation is visible;
 * - nothing written when there is a conflict or every id is stored; then `visible` is the row;
 * - otherwise `conversation` is the row after the seq range was reserved (`UPDATE … RETURNING`,
 *   which takes the row lock: appends to one conversation queue there) and the fresh rows took seqs
 *   `last_seq - inserted + 1 …` in input order.
 * Each statement takes its own snapshot (READ COMMITTED), so an id stored concurrently between the
 * probe and the insert fails the insert with SQLSTATE 23505 and nothing is written: the caller
 * retries on the locked path, as it does for the statement.
 *
 * A temporary function (schema `pg_temp`): it lives as long as the PGlite session, needs no
 * migration, and its text follows this library's version. Its name is a hash of its definition, so
 * stores on other schemas or table prefixes, or another version of this code, never share one.
 */
export function appendFunction(names: SqlNames): { readonly name: string; readonly create: string; readonly call: string } {
  const body = `
DECLARE
  fresh_count bigint;
  stored_count bigint;
  fresh_tokens bigint;
  reserved record;
BEGIN
  inserted := 0;
  -- One unique-key probe per input id (see the statement in messages.ts for why not \`= ANY\`).
  SELECT json_agg(e) FILTER (WHERE e.id IS NOT NULL),
         count(e.id),
         min(e.id) FILTER (WHERE e.role <> i.role OR e.content_hash <> i.content_hash),
         count(*) - count(e.id),
         coalesce(sum(i.primary_tokens) FILTER (WHERE e.id IS NULL), 0)
    INTO existing, stored_count, conflict, fresh_count, fresh_tokens
    FROM jsonb_to_recordset($4) AS i(id text, role text, content_hash text, primary_tokens int)
    LEFT JOIN LATERAL (
      SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m
      WHERE m.tenant_id = $1 AND m.conversation_id = $5 AND m.id = i.id
      LIMIT 1
    ) e ON true;
  IF conflict IS NOT NULL OR fresh_count = 0 THEN
    SELECT row_to_json(v) INTO visible FROM (SELECT ${CONVERSATION_COLUMNS} FROM ${names.conversations} c WHERE c.id = $5 AND ${VISIBLE}) v;
    IF visible IS NULL THEN
      existing := NULL;
      conflict := NULL;
    END IF;
    RETURN;
  END IF;
  UPDATE ${names.conversations} c
  SET last_seq = c.last_seq + fresh_count,
      message_count = c.message_count + fresh_count,
      token_count = c.token_count + fresh_tokens,
      updated_at = $3::timestamptz,
      expires_at = CASE WHEN c.ttl_mode = 'sliding' THEN $3::timestamptz + make_interval(secs => c.ttl_seconds) ELSE c.expires_at END
  WHERE c.id = $5 AND ${VISIBLE}
  RETURNING ${CONVERSATION_COLUMNS} INTO reserved;
  IF NOT FOUND THEN
    -- Not visible, or deleted (or expired) while this call waited for the row lock.
    existing := NULL;
    RETURN;
  END IF;
  conversation := row_to_json(reserved);
  INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
  SELECT $1, $5, reserved.last_seq - fresh_count + row_number() OVER (ORDER BY i.ord), i.id, i.role, i.name, i.content, i.metadata,
         i.tags, i.token_counts, i.primary_tokens, i.content_hash, i.created_at
  FROM jsonb_to_recordset($4) AS i(ord int, id text, role text, name text, content jsonb, metadata jsonb, tags text[],
         token_counts jsonb, content_hash text, primary_tokens int, created_at timestamptz)
  WHERE stored_count = 0 OR NOT EXISTS (SELECT 1 FROM json_array_elements(existing) s WHERE s ->> 'id' = i.id);
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
