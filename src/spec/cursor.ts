import { ValidationError } from '../errors.js';

/**
 * Opaque keyset cursors for "newest first" listings: the (updatedAt ms, id) of the last item
 * returned. Keyset (not offset) pagination stays correct while new items are inserted.
 */
export interface ListCursor {
  readonly updatedAt: number;
  readonly id: string;
}

export function encodeCursor(cursor: ListCursor): string {
  const json = JSON.stringify([cursor.updatedAt, cursor.id]);
  const bytes = new TextEncoder().encode(json);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @throws {ValidationError} when the cursor was not produced by {@link encodeCursor}. */
export function decodeCursor(field: string, cursor: string): ListCursor {
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const [updatedAt, id] = JSON.parse(new TextDecoder().decode(bytes)) as [unknown, unknown];
    if (typeof updatedAt === 'number' && Number.isFinite(updatedAt) && typeof id === 'string') return { updatedAt, id };
  } catch {
    // fall through to the typed error
  }
  throw new ValidationError({ field, message: 'is not a cursor returned by a previous page (pass nextCursor unchanged)' });
}

/** Orders items newest first by (updatedAt, id) — the order every store's listings use. */
export function compareNewestFirst(a: ListCursor, b: ListCursor): number {
  if (a.updatedAt !== b.updatedAt) return b.updatedAt - a.updatedAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `item` comes strictly after `cursor` in newest-first order. */
export function isAfterCursor(item: ListCursor, cursor: ListCursor): boolean {
  return compareNewestFirst(cursor, item) < 0;
}
