/**
 * Conversations are listed newest first by `updated_at`, but the listing indexes hold `recency`
 * instead: `updated_at` in whole seconds since the epoch, a stored generated column (migration 4).
 *
 * Why: every append sets `updated_at`. With `updated_at` itself in an index, every append is a
 * non-HOT update that adds an entry to each of the conversation table's indexes. Concurrent appends
 * to one owner's conversations then queue on the same leaf page of the owner index, and because
 * the key changed, the old entries cannot be reclaimed until vacuum. Measured with 16 writers on
 * one owner, this cost about a quarter of append throughput. `recency` changes at most once per
 * second, so the other appends are HOT updates that touch no index.
 *
 * The order is unchanged: `recency` is a non-decreasing function of `updated_at`, so sorting by
 * (recency, updated_at, id) is sorting by (updated_at, id). The index supplies the recency order,
 * and an incremental sort orders each second's conversations by `updated_at`.
 */

/** SQL for the recency (seconds since the epoch, floored) of a timestamptz expression. Immutable, as a generated column requires. */
export function recencySql(timestamp: string): string {
  return `floor(extract(epoch from (${timestamp} - timestamptz '1970-01-01 00:00:00+00')))::bigint`;
}

/** ORDER BY for conversations (alias `c`) newest first: by `updated_at` then `id`, in index order. */
export const NEWEST_FIRST = 'c.recency DESC, c.updated_at DESC, c.id DESC';

/** Width of an expiry bucket (seconds): the sweep's index key changes at most once per this span. */
export const EXPIRY_BUCKET_SECONDS = 60;

/**
 * SQL for the expiry bucket of a timestamptz expression (minutes since the epoch, floored; NULL for
 * NULL). The sweep's index holds this instead of `expires_at` for the same reason the listing
 * index holds `recency`: a sliding TTL moves `expires_at` on every append, and with `expires_at`
 * indexed every such append would be a non-HOT update (migration 5).
 */
export function expiryBucketSql(timestamp: string): string {
  return `floor(extract(epoch from (${timestamp} - timestamptz '1970-01-01 00:00:00+00')) / ${EXPIRY_BUCKET_SECONDS})::bigint`;
}
