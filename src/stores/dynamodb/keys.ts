import type { Scope } from '../../types.js';

/**
 * Key layout of the single table (see README.md beside this file for the item diagram).
 *
 * Base table: `pk` (S) + `sk` (S). Three global secondary indexes, all projecting ALL:
 * - `byScope`: `lpk` (S) + `lsk` (S) — a scope's conversations newest first (`lsk` = zero-padded
 *   `updatedAt` ms + `|` + id, so a descending Query is the (updatedAt, id) newest-first order).
 * - `byParent`: `ppk` (S) + `lsk` (S) — a parent's forks (sparse: only forks carry `ppk`).
 * - `byExpiry`: `xpk` (S) + `xsk` (S) — conversations with a TTL, oldest expiry first (sparse,
 *   sharded over {@link EXPIRY_SHARDS} partitions), read by `sweepExpired`.
 *
 * Every string a user chooses (tenant, user, conversation, message, model ids) enters a key through
 * `JSON.stringify`, so no id can forge a separator and reach another scope's items.
 */
export const KEY_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: {
    byScope: { partitionKey: 'lpk', sortKey: 'lsk' },
    byParent: { partitionKey: 'ppk', sortKey: 'lsk' },
    byExpiry: { partitionKey: 'xpk', sortKey: 'xsk' },
  },
} as const;

export const EXPIRY_SHARDS = 4;

/** Sort key of the conversation item. Batches (`B#…`) and the summary (`B~`) sort just below it. */
export const CONVERSATION_SK = 'CONV';
/** Sort key of the summary item: above every batch, below the conversation item. */
export const SUMMARY_SK = 'B~';
export const BATCH_PREFIX = 'B#';
export const ID_PREFIX = 'I#';
export const CHUNK_PREFIX = 'X#';
export const MEMORY_PREFIX = 'M#';
export const MEMORY_VERSION_PREFIX = 'H#';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Partition of one conversation: its item, batches, summary, id index and chunks. Ids are unique per tenant. */
export const conversationPk = (tenantId: string, conversationId: string) => `conv:${JSON.stringify([tenantId, conversationId])}`;
/** Partition (in `byScope`) of a scope's conversations; `null` user = the tenant-level scope. */
export const scopeListPk = (scope: Scope) => `list:${JSON.stringify([scope.tenantId, scope.userId ?? null])}`;
export const parentListPk = (tenantId: string, parentId: string) => `parent:${JSON.stringify([tenantId, parentId])}`;
export const listSk = (updatedAt: number, id: string) => `${pad(updatedAt, 15)}|${id}`;
export const expiryPk = (tenantId: string, conversationId: string) => `exp:${shardOf(`${tenantId}\u0000${conversationId}`)}`;
export const expirySk = (expiresAt: number, pk: string) => `${pad(expiresAt, 15)}|${pk}`;
export const batchSk = (firstSeq: number) => `${BATCH_PREFIX}${pad(firstSeq, 12)}`;
export const idSk = (messageId: string) => `${ID_PREFIX}${messageId}`;
export const chunkSk = (firstSeq: number, token: string, seq: number, part: number) => `${CHUNK_PREFIX}${pad(firstSeq, 12)}#${token}#${pad(seq, 12)}#${pad(part, 4)}`;
/** Partition of a scope's long-term memories. */
export const memoryPk = (scope: Scope) => `mem:${JSON.stringify([scope.tenantId, scope.userId ?? null])}`;
export const memorySk = (id: string) => `${MEMORY_PREFIX}${id}`;
/** Superseded versions of one memory, in its scope's partition: `H#"<id>"#<revision, 12 digits>` (the JSON id keeps the prefix exact). */
export const memoryVersionPrefix = (id: string) => `${MEMORY_VERSION_PREFIX}${JSON.stringify(id)}#`;
export const memoryVersionSk = (id: string, revision: number) => `${memoryVersionPrefix(id)}${pad(revision, 12)}`;
/** Partition of a scope's embeddings; sort key `V#[kind,model]#[targetId,conversationId]`. */
export const vectorPk = (scope: Scope) => `vec:${JSON.stringify([scope.tenantId, scope.userId ?? null])}`;
export const vectorPrefix = (kind: string, model: string) => `V#${JSON.stringify([kind, model])}#`;
export const vectorTargetPrefix = (kind: string, model: string, targetId: string) => `${vectorPrefix(kind, model)}[${JSON.stringify(targetId)},`;
export const vectorSk = (kind: string, model: string, targetId: string, conversationId: string | undefined) =>
  `${vectorPrefix(kind, model)}${JSON.stringify([targetId, conversationId ?? null])}`;

/** Largest `seq` a sort key can hold (12 digits). */
export const MAX_SEQ = 999_999_999_999;

function shardOf(text: string): number {
  // FNV-1a: spreads TTL conversations over the expiry shards (a stable, non-cryptographic hash).
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % EXPIRY_SHARDS;
}
