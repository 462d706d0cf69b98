import type { Scope } from '../../types.js';

/**
 * The keys of one owner's long-term memories. They share the hash tag `{t:<tenant>:m:<user or ->}`
 * (ids percent-encoded as in keys.ts), so every memory script runs on one cluster slot, and another
 * tenant or user is another set of keys: ownership is exact by construction.
 */
export interface MemoryKeys {
  /** Hash: memory id → the current version's JSON (without the owner fields, which the key says; times in epoch ms). */
  readonly docs: string;
  /**
   * Hash: memory id → its superseded versions, newest first, as JSON documents joined by `\n`
   * (JSON never holds a raw newline), so a write prepends one without parsing the others.
   */
  readonly versions: string;
  /** Hash: memory id → JSON array of the distinct terms it is indexed under (what removal must undo). */
  readonly terms: string;
  /** Hash: memory id → its length in terms (to keep `stats.len` exact when it changes). */
  readonly lengths: string;
  /** Hash: `n` = memories indexed, `len` = their total length in terms (BM25's N and avgdl). */
  readonly stats: string;
  /** Hash: upsert key → memory id. */
  readonly byKey: string;
  /** Sorted set of every memory id by `updatedAt` ms (listing, newest first). */
  readonly all: string;
  /** Sorted set of the pinned memory ids by `updatedAt` ms. */
  readonly pinned: string;
  /** Set of the terms that have a posting list (so erasure needs no SCAN). */
  readonly vocabulary: string;
  /** Set of the tags that have a tag index (so erasure needs no SCAN). */
  readonly tagNames: string;
  /** Sorted set of the memory ids carrying `tag`, by `updatedAt` ms. */
  tag(tag: string): string;
  /** Posting list of `term`: sorted set of memory ids scored by the term's frequency and the memory's length (`postingScore`). */
  term(term: string): string;
}

export function memoryKeys(prefix: string, scope: Scope): MemoryKeys {
  const user = scope.userId === undefined ? '-' : `u${encodeURIComponent(scope.userId)}`;
  const base = `${prefix}{t:${encodeURIComponent(scope.tenantId)}:m:${user}}:mem:`;
  return {
    docs: `${base}docs`,
    versions: `${base}versions`,
    terms: `${base}terms`,
    lengths: `${base}len`,
    stats: `${base}stats`,
    byKey: `${base}keys`,
    all: `${base}all`,
    pinned: `${base}pinned`,
    vocabulary: `${base}vocab`,
    tagNames: `${base}tags`,
    tag: (tag) => `${base}tag:${encodeURIComponent(tag)}`,
    term: (term) => `${base}term:${encodeURIComponent(term)}`,
  };
}

/** The fixed keys in the order every memory script expects them (`KEYS[1..10]`). */
export function fixedMemoryKeys(keys: MemoryKeys): string[] {
  return [keys.docs, keys.terms, keys.lengths, keys.stats, keys.byKey, keys.all, keys.pinned, keys.vocabulary, keys.tagNames, keys.versions];
}
