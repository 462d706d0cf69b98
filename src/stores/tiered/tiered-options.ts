import type { Store } from '../../spec/store.js';

/** Options of {@link createTieredStore}. */
export interface TieredStoreOptions {
  /** The fast store that serves recent windows, e.g. `createRedisStore(...)`. */
  readonly hot: Store;
  /** The store of record, e.g. `createPostgresStore(...)`. Every write is acknowledged only once it is here. */
  readonly durable: Store;
  /** After a hot-store failure, skip the hot store for this long before trying it again (ms). @default 5000 */
  readonly hotRetryAfterMs?: number;
  /** Clock for the retry delay (ms since epoch). @default Date.now */
  readonly clock?: { now(): number };
  /** Called with every hot-store failure (the tier keeps serving from the durable store). */
  readonly onHotError?: (event: { operation: string; error: unknown }) => void;
}

/** What the tier has been doing, for dashboards and reports. */
export interface TieredHealth {
  /** `down` while hot-store failures make the tier serve everything from the durable store. */
  readonly hot: 'up' | 'down';
  /** Reads answered by the hot store. */
  readonly hotHits: number;
  /** Reads that fell through to the durable store. */
  readonly hotMisses: number;
  /** Conversations copied into the hot store after a miss. */
  readonly repopulations: number;
  /** Hot copies dropped because they disagreed with the durable store. */
  readonly invalidations: number;
  /** Hot-store calls that failed. */
  readonly hotFailures: number;
  /** Error code of the last hot failure, e.g. `store_unavailable`. */
  readonly lastHotError?: string;
  /** Conversations written while the hot store was failing; their hot copies are dropped before it is used again. */
  readonly pendingInvalidations: number;
}
