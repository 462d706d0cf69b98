import type { Conversation, JsonObject, Memory, Message, MessageContent, NewMessage, Role, Summary } from '../../types.js';
import { primaryTokens } from '../define-store/records.js';
import { toNumber } from './store-context.js';

/** Columns selected for a conversation (table alias `c`). */
export const CONVERSATION_COLUMNS = `c.tenant_id, c.id, c.user_id, c.title, c.tags, c.state, c.state_version, c.metadata, c.parent_id,
  c.forked_from_seq, c.ttl_seconds, c.ttl_mode, c.expires_at, c.created_at, c.updated_at, c.message_count, c.token_count, c.last_seq`;

/** Columns selected for a message (table alias `m`). */
export const MESSAGE_COLUMNS = `m.conversation_id, m.seq, m.id, m.role, m.name, m.content, m.metadata, m.tags, m.token_counts, m.content_hash, m.created_at`;

export const SUMMARY_COLUMNS = `s.text, s.covers_through_seq, s.token_count, s.encoding, s.updated_at`;

export const MEMORY_COLUMNS = `mm.tenant_id, mm.user_id, mm.id, mm.key, mm.text, mm.tags, mm.pinned, mm.source, mm.metadata, mm.token_counts, mm.content_hash, mm.created_at, mm.updated_at, mm.valid_from`;

/** The columns of a superseded memory version (`mv`): {@link MEMORY_COLUMNS} and `valid_to`. */
export const MEMORY_VERSION_COLUMNS = `mv.tenant_id, mv.user_id, mv.id, mv.key, mv.text, mv.tags, mv.pinned, mv.source, mv.metadata, mv.token_counts, mv.content_hash, mv.created_at, mv.updated_at, mv.valid_from, mv.valid_to`;

type Row = Record<string, unknown>;

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export function conversationFromRow(row: Row): Conversation {
  const conversation: Record<string, unknown> = {
    id: row.id,
    tenantId: row.tenant_id,
    tags: row.tags,
    state: row.state,
    stateVersion: toNumber(row.state_version),
    metadata: row.metadata,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    messageCount: toNumber(row.message_count),
    tokenCount: toNumber(row.token_count),
    lastSeq: toNumber(row.last_seq),
  };
  if (row.user_id !== '') conversation.userId = row.user_id;
  if (row.title !== null) conversation.title = row.title;
  if (row.parent_id !== null) conversation.parentId = row.parent_id;
  if (row.forked_from_seq !== null) conversation.forkedFromSeq = toNumber(row.forked_from_seq);
  if (row.ttl_seconds !== null) conversation.ttl = { seconds: toNumber(row.ttl_seconds), mode: row.ttl_mode };
  if (row.expires_at !== null) conversation.expiresAt = toDate(row.expires_at);
  return conversation as unknown as Conversation;
}

export function messageFromRow(row: Row): Message {
  const message: Record<string, unknown> = {
    id: row.id,
    conversationId: row.conversation_id,
    seq: toNumber(row.seq),
    role: row.role as Role,
    content: row.content as MessageContent,
    createdAt: toDate(row.created_at),
    metadata: row.metadata as JsonObject,
    tags: row.tags,
    tokenCounts: row.token_counts,
    contentHash: row.content_hash,
  };
  if (row.name !== null) message.name = row.name;
  return message as unknown as Message;
}

export function summaryFromRow(row: Row): Summary {
  return {
    text: String(row.text),
    coversThroughSeq: toNumber(row.covers_through_seq),
    tokenCount: toNumber(row.token_count),
    encoding: String(row.encoding),
    updatedAt: toDate(row.updated_at),
  };
}

export function memoryFromRow(row: Row): Memory {
  const memory: Record<string, unknown> = {
    id: row.id,
    tenantId: row.tenant_id,
    text: row.text,
    tags: row.tags,
    pinned: row.pinned,
    metadata: row.metadata,
    tokenCounts: row.token_counts,
    contentHash: row.content_hash,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    // NULL on rows written before migration 7: their text is the first one known.
    validFrom: toDate(row.valid_from ?? row.created_at),
  };
  if (row.valid_to !== null && row.valid_to !== undefined) memory.validTo = toDate(row.valid_to);
  if (row.user_id !== '') memory.userId = row.user_id;
  memory.shared = row.user_id === '';
  if (row.key !== null) memory.key = row.key;
  if (row.source !== null) memory.source = row.source;
  return memory as unknown as Memory;
}

/** JSON parameter text (bound as text, cast in SQL): one encoding for both drivers. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * An append batch as one JSON array parameter, the shape the append statement reads with
 * `jsonb_to_recordset` (keys = its column names; `ord` = input position, which orders seqs).
 */
export function batchJson(batch: readonly NewMessage[]): string {
  return JSON.stringify(
    batch.map((message, ord) => ({
      ord,
      id: message.id,
      role: message.role,
      name: message.name ?? null,
      content: message.content,
      metadata: message.metadata,
      tags: message.tags,
      token_counts: message.tokenCounts,
      content_hash: message.contentHash,
      primary_tokens: primaryTokens(message),
      created_at: message.createdAt.toISOString(),
    })),
  );
}

/** The owner-qualified tag keys indexed by GIN, so tag lookups stay within one tenant and user. */
export function tagKeys(tenantId: string, userKey: string, tags: readonly string[]): string[] {
  return tags.map((tag) => JSON.stringify([tenantId, userKey, tag]));
}

/** A PostgreSQL array literal of strings, every element double-quoted and escaped, parsed by `::text[]` (one parameter per row in `unnest`). */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
