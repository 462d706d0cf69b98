import type { Store } from '../../spec/store.js';
import { defineStore } from '../define-store/define-store.js';
import { DEFAULT_TTL_GRACE_SECONDS } from './codec.js';
import { createDynamoDBDriver } from './dynamodb-driver.js';
import { ensureTable } from './ensure-table.js';
import type { SearchWindow } from './message-search.js';
import { createTableClient, type DynamoDBClientLike } from './table-client.js';

/** Options of {@link createDynamoDBStore}. */
export interface DynamoDBStoreOptions {
  /**
   * A `DynamoDBClient` (`@aws-sdk/client-dynamodb`) or `DynamoDBDocumentClient`
   * (`@aws-sdk/lib-dynamodb`), v3. The caller configures region, credentials and retries (the SDK
   * retries throttling with exponential backoff) and destroys it; the store never does.
   */
  readonly client: DynamoDBClientLike;
  /** The table (one per application; every tenant shares it). Key schema in the README. */
  readonly tableName: string;
  /** Clock in ms since epoch; tests inject one to exercise TTL. @default Date.now */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
  /**
   * Seconds DynamoDB's native TTL (attribute `ttl`, epoch seconds) waits past a conversation's
   * `expiresAt` before deleting its item. Reads hide it at `expiresAt` already; the grace lets
   * `sweepExpired` delete its messages first. @default 86400
   */
  readonly ttlGraceSeconds?: number;
  /**
   * Bounds of lexical search (no full-text index in DynamoDB): messages read per search. Larger
   * windows find older messages and cost proportionally more reads. @default DYNAMODB_SEARCH_WINDOW
   */
  readonly searchWindow?: Partial<SearchWindow>;
}

/** What the DynamoDB store adds to {@link Store}. */
export interface DynamoDBStoreExtras {
  /** Creates the table and its GSIs (on-demand billing) when absent, for development and tests. @returns true when created. */
  ensureTable(): Promise<boolean>;
  readonly tableName: string;
}

/**
 * A {@link Store} on one DynamoDB table (single-table design; see the README in this folder):
 * single-item conditional writes only, so every code path runs on DynamoDB and on dynalite.
 * No connection pool, nothing to close: fits AWS Lambda and other functions.
 *
 * - Appends: one conditional PutItem commits the whole batch at the next seq slot; concurrent
 *   appenders from any number of processes get consecutive, gapless, never-interleaved seqs.
 * - `readContext`: one Query returns the conversation, its summary and the newest 50 batch items.
 * - Search: lexical (BM25) and vector search read bounded windows; see `DYNAMODB_SEARCH_WINDOW`.
 * - TTL: read-time filtering plus the native TTL attribute `ttl` (epoch seconds).
 *
 * @example
 * ```ts
 * const store = createDynamoDBStore({ client: new DynamoDBClient({}), tableName: 'llm-context' });
 * ```
 * @throws {StoreUnavailableError} (retryable) when DynamoDB is unreachable.
 * @throws {StoreError} for other DynamoDB failures (throttling after the SDK's retries is `retryable`).
 */
export function createDynamoDBStore(options: DynamoDBStoreOptions): Store & DynamoDBStoreExtras {
  const clock = options.clock ?? { now: () => Date.now() };
  const table = createTableClient(options.client, options.tableName);
  const driver = createDynamoDBDriver({ table, clock, ttlGraceSeconds: options.ttlGraceSeconds ?? DEFAULT_TTL_GRACE_SECONDS, ...(options.searchWindow ? { searchWindow: options.searchWindow } : {}) });
  return defineStore(
    driver,
    { clock, ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}) },
    { ensureTable: () => ensureTable(options.client, options.tableName), tableName: options.tableName },
  );
}
