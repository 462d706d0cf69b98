import type { Scope } from '../../types.js';

/** Number of expiry-index buckets: spreads sliding-TTL refreshes over 16 cluster slots instead of one hot key. */
export const EXPIRY_BUCKETS = 16;

/**
 * Ids are percent-encoded inside keys so that `{`, `}` and `:` in a tenant, user or conversation
 * id can neither break a hash tag nor collide with the separators.
 */
function encode(id: string): string {
  return encodeURIComponent(id);
}

/** The keys of one conversation; they share the hash tag `{t:<tenant>:c:<conversation>}`, so one cluster slot. */
export interface ConversationKeys {
  readonly meta: string;
  readonly msgs: string;
  readonly ids: string;
  readonly tok: string;
  readonly sum: string;
}

export function conversationKeys(prefix: string, tenantId: string, conversationId: string): ConversationKeys {
  const base = `${prefix}{t:${encode(tenantId)}:c:${encode(conversationId)}}:`;
  return { meta: `${base}meta`, msgs: `${base}msgs`, ids: `${base}ids`, tok: `${base}tok`, sum: `${base}sum` };
}

/** All keys of a conversation in script order (meta first). */
export function conversationKeyList(keys: ConversationKeys): string[] {
  return [keys.meta, keys.msgs, keys.ids, keys.tok, keys.sum];
}

/** The per-scope conversation indexes; they share the hash tag `{t:<tenant>:u:<user or ->}` (users are encoded, so `-` is free). */
export interface ScopeKeys {
  /** Set of the tag/parent index keys that exist for this scope (for erasure without SCAN). */
  readonly registry: string;
  /** Every conversation of the scope, scored by `updatedAt` ms. */
  readonly all: string;
  tag(tag: string): string;
  parent(parentId: string): string;
}

export function scopeKeys(prefix: string, scope: Scope): ScopeKeys {
  const user = scope.userId === undefined ? '-' : `u${encode(scope.userId)}`;
  const base = `${prefix}{t:${encode(scope.tenantId)}:u:${user}}:`;
  return {
    registry: `${base}indexes`,
    all: `${base}convs`,
    tag: (tag) => `${base}tag:${encode(tag)}`,
    parent: (parentId) => `${base}parent:${encode(parentId)}`,
  };
}

/** The expiry index bucket of a conversation (FNV-1a of tenant and id). */
export function expiryKey(prefix: string, tenantId: string, conversationId: string): string {
  let hash = 0x811c9dc5;
  for (const char of `${tenantId}\u0000${conversationId}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return expiryBucketKey(prefix, hash % EXPIRY_BUCKETS);
}

export function expiryBucketKey(prefix: string, bucket: number): string {
  return `${prefix}{x:${bucket}}:expiry`;
}

/** The expiry index member naming a conversation: JSON `[tenantId, userId | null, conversationId]`. */
export function expiryMember(scope: Scope, conversationId: string): string {
  return JSON.stringify([scope.tenantId, scope.userId ?? null, conversationId]);
}

/**
 * The lexical index of one scope, under the scope's hash tag (one slot with its conversation
 * indexes): see lexical-index.ts for what each key holds.
 */
export interface LexicalKeys {
  /** Hash: `N` indexed messages, `L` their total length in terms, `w` the indexing watermark, and per conversation `s:`/`n:`/`l:`/`u:<id>`. */
  readonly stats: string;
  /** Sorted set (all scores 0, lexicographic) of postings `<conversation>:<seq>:<tf>:<length>` for one term. */
  term(term: string): string;
  /** Set of the term keys a conversation has postings in (to purge it without reading its messages). */
  conversationTerms(conversationId: string): string;
}

export function lexicalKeys(prefix: string, scope: Scope): LexicalKeys {
  const user = scope.userId === undefined ? '-' : `u${encode(scope.userId)}`;
  const base = `${prefix}{t:${encode(scope.tenantId)}:u:${user}}:lex:`;
  return {
    stats: `${base}stats`,
    term: (term) => `${base}t:${encode(term)}`,
    conversationTerms: (conversationId) => `${base}c:${encode(conversationId)}`,
  };
}

/** A conversation id as it appears in postings (percent-encoded, so it holds no `:` or `;`). */
export const postingConversation = encode;
