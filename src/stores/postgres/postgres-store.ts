import { ConversationExistsError, NotFoundError, ValidationError } from '../../errors.js';
import { buildExport, parseExport } from '../../spec/export-format.js';
import type { ErasureResult, Store, StoreCapabilities } from '../../spec/store.js';
import { validateConversationId, validateId, validateLimit, validateScope, validateSeq, validateUserScope } from '../../spec/validate.js';
import type { ConversationExport, Scope, Summary } from '../../types.js';
import { createContextRead } from './context-read.js';
import { expiryBucketSql } from './recency.js';
import { createConversationOperations, VISIBLE } from './conversations.js';
import { claimExpiredId, deleteLockedConversations, type ConversationKey } from './delete-conversations.js';
import { toStoreError } from './driver-errors.js';
import { createSqlExecutor } from './executor.js';
import { createMemoryTable } from './memory-table.js';
import { createMessageOperations } from './messages.js';
import { appliedVersions, detectVector, runMigrations, type MigrationReport } from './migrate.js';
import { conversationFromRow, CONVERSATION_COLUMNS, json, MESSAGE_COLUMNS, messageFromRow, primaryTokens, SUMMARY_COLUMNS, summaryFromRow, tagKeys, textArrayLiteral } from './rows.js';
import type { PostgresClient } from './sql-client.js';
import { createSqlNames } from './sql-names.js';
import { createStoreContext, timestamp, userKey } from './store-context.js';
import { createVectorIndex } from './vector-index.js';

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** A `pg.Pool` (node-postgres) or a `PGlite` instance. The store never closes it. */
  readonly client: PostgresClient;
  /** Schema holding the tables (created by `migrate()`). @default "public" */
  readonly schema?: string;
  /** Prefix of every table and index name. @default "llmctx_" */
  readonly tablePrefix?: string;
  /** Clock in ms since epoch (tests inject one for TTL). @default Date */
  readonly clock?: { now(): number };
  /**
   * Enforce tenant isolation in the database too: `migrate()` enables row-level security with a
   * policy on `current_setting('llm_context.tenant_id')`, and every call sets it (transaction-local).
   * Superusers and roles with BYPASSRLS are not subject to policies; `sweepExpired` needs such a role.
   * @default false
   */
  readonly rowLevelSecurity?: boolean;
  /**
   * Embedding dimensions that get an HNSW index (cosine) in `migrate()`. Other dimensions are
   * searched exactly within the caller's scope and model. At most 2,000 (pgvector's HNSW limit).
   * @default [384, 768, 1024, 1536]
   */
  readonly vectorIndexDimensions?: readonly number[];
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
  /** Store name in errors and reports. @default "postgres" */
  readonly name?: string;
  /**
   * `false` behind a transaction-mode pooler (PgBouncer `pool_mode = transaction` without
   * `max_prepared_statements`, Supabase's pooler on port 6543, Neon's `-pooler` host): the store then
   * sends only unnamed statements, since a named one prepared on one server connection is unknown
   * on the next. Costs a parse and plan per statement. Run `migrate()` through such a pooler or a
   * direct connection alike. @default true
   */
  readonly preparedStatements?: boolean;
}

/** The PostgreSQL store: a {@link Store} plus schema management for the CLI and deployments. */
export interface PostgresStore extends Store {
  /**
   * Applies pending migrations under an advisory lock (safe to run from several processes at once).
   * On node-postgres it runs online: no step blocks appends for longer than a lock timeout of
   * 200 ms (indexes built concurrently, backfills in batches); it uses two pool connections. Run it
   * once per deployment (or `llm-context migrate`), never per request.
   */
  migrate(): Promise<MigrationReport>;
  /** Migration versions recorded, or null when `migrate()` never ran on this schema. */
  schemaVersions(): Promise<number[] | null>;
  sweepExpired(options?: { limit?: number }): Promise<number>;
  searchMessages: NonNullable<Store['searchMessages']>;
  readContext: NonNullable<Store['readContext']>;
  readonly memories: NonNullable<Store['memories']>;
  /** The SQL driver in use. */
  readonly driver: 'pg' | 'pglite';
}

const DEFAULT_INDEXED_DIMENSIONS = [384, 768, 1024, 1536];

/**
 * Creates the PostgreSQL store over node-postgres or PGlite with one SQL implementation.
 * Checks once, here, whether pgvector is available (`capabilities.vectorSearch`); run
 * `await store.migrate()` before first use.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ client: new pg.Pool({ connectionString }) });
 * await store.migrate();
 * ```
 * @throws {StoreUnavailableError} when the server cannot be reached (retry later).
 * @throws {ValidationError} for a bad `schema`, `tablePrefix` or `vectorIndexDimensions`.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const name = options.name ?? 'postgres';
  const names = createSqlNames(options);
  const executor = createSqlExecutor(options.client, { preparedStatements: options.preparedStatements });
  const clock = options.clock ?? { now: () => Date.now() };
  const indexedDimensions = [...(options.vectorIndexDimensions ?? DEFAULT_INDEXED_DIMENSIONS)];
  indexedDimensions.forEach((dimensions, index) => validateLimit(`vectorIndexDimensions[${index}]`, dimensions, 0, 2000));
  const rowLevelSecurity = options.rowLevelSecurity ?? false;

  let vector: { available: boolean; iterativeScan: boolean };
  try {
    vector = await detectVector(executor);
  } catch (error) {
    throw toStoreError(error, 'createPostgresStore', name);
  }

  const context = createStoreContext({ executor, names, clock, rowLevelSecurity, vectorTable: vector.available, name });
  const conversations = createConversationOperations(context);
  const messages = createMessageOperations(context, { maxMessageBytes: options.maxMessageBytes });
  const scopeParameters = (scope: Scope) => [scope.tenantId, userKey(scope), timestamp(clock.now())];

  const capabilities: StoreCapabilities = {
    lexicalSearch: { available: true },
    vectorSearch: vector.available
      ? { available: true }
      : {
          available: false,
          reason: `the PostgreSQL "vector" extension (pgvector) is not installed on this server, so vector search is off (no fallback scan). Install pgvector (e.g. the postgresql-<version>-pgvector package) and re-run migrate(); on PGlite pass the pgvector extension to PGlite.create.`,
        },
    memories: { available: true },
    ttlSweep: { available: true },
  };

  const store: PostgresStore = {
    specificationVersion: 'v1',
    name,
    driver: executor.driver,
    capabilities,

    migrate: async () => {
      try {
        return await runMigrations({ executor, names, vectorIndexDimensions: indexedDimensions, rowLevelSecurity, now: () => clock.now() });
      } catch (error) {
        throw toStoreError(error, 'migrate', name);
      }
    },

    schemaVersions: () => context.run('schemaVersions', null, (sql) => appliedVersions(sql, names)),

    createConversation: conversations.createConversation,
    getConversation: conversations.getConversation,
    listConversations: conversations.listConversations,
    updateConversation: conversations.updateConversation,
    updateState: conversations.updateState,
    deleteConversation: conversations.deleteConversation,
    forkConversation: conversations.forkConversation,
    appendMessages: messages.appendMessages,
    listMessages: messages.listMessages,
    getTail: messages.getTail,
    readContext: createContextRead(context, messages.getTail, { tailAsJson: executor.driver === 'pglite' }),
    deleteMessage: messages.deleteMessage,
    searchMessages: messages.searchMessages,

    async getSummary(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return context.run('getSummary', scope, async (sql) => {
        const result = await sql.query(
          `SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s JOIN ${names.conversations} c ON c.tenant_id = s.tenant_id AND c.id = s.conversation_id
           WHERE s.tenant_id = $1 AND s.conversation_id = $4 AND ${VISIBLE}`,
          [...scopeParameters(scope), conversationId],
        );
        const row = result.rows[0];
        return row ? summaryFromRow(row) : null;
      });
    },

    /** Compare-and-set in one transaction: the conversation row is locked, so two writers cannot both apply. */
    async putSummary(scope, conversationId, summary: Summary, putOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateSummary(summary);
      const expected = putOptions.expectedCoversThroughSeq === null ? null : (validateSeq('expectedCoversThroughSeq', putOptions.expectedCoversThroughSeq) ?? null);
      return context.run(
        'putSummary',
        scope,
        async (sql) => {
          const conversation = await conversations.findVisible(sql, scope, conversationId, 'FOR UPDATE');
          if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          const currentRow = (await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $2`, [scope.tenantId, conversationId])).rows[0];
          const current = currentRow ? summaryFromRow(currentRow) : null;
          if ((current?.coversThroughSeq ?? null) !== expected) return { applied: false, current };
          await sql.query(
            `INSERT INTO ${names.summaries} (tenant_id, conversation_id, text, covers_through_seq, token_count, encoding, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
             ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET text = excluded.text, covers_through_seq = excluded.covers_through_seq,
               token_count = excluded.token_count, encoding = excluded.encoding, updated_at = excluded.updated_at`,
            [scope.tenantId, conversationId, summary.text, summary.coversThroughSeq, summary.tokenCount, summary.encoding, summary.updatedAt.toISOString()],
          );
          return { applied: true, current: { ...summary } };
        },
        { transaction: true },
      );
    },

    /** Reads the conversation, every message and the summary in one REPEATABLE READ snapshot. */
    async exportConversation(scope, conversationId): Promise<ConversationExport> {
      validateScope(scope);
      validateConversationId(conversationId);
      return context.run(
        'exportConversation',
        scope,
        async (sql) => {
          const conversation = await conversations.findVisible(sql, scope, conversationId);
          if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
          const rows = await sql.query(`SELECT ${MESSAGE_COLUMNS} FROM ${names.messages} m WHERE m.tenant_id = $1 AND m.conversation_id = $2 ORDER BY m.seq`, [scope.tenantId, conversationId]);
          const summaryRow = (await sql.query(`SELECT ${SUMMARY_COLUMNS} FROM ${names.summaries} s WHERE s.tenant_id = $1 AND s.conversation_id = $2`, [scope.tenantId, conversationId])).rows[0];
          return buildExport(conversation, rows.rows.map(messageFromRow), summaryRow ? summaryFromRow(summaryRow) : null);
        },
        { transaction: true, repeatableRead: true },
      );
    },

    async importConversation(scope, data) {
      validateScope(scope);
      const parsed = parseExport(data);
      const source = parsed.conversation;
      validateConversationId(source.id);
      return context.run(
        'importConversation',
        scope,
        async (sql) => {
          await claimExpiredId(sql, context, scope.tenantId, source.id, timestamp(clock.now()));
          const tags = [...source.tags];
          const inserted = await sql.query(
            `INSERT INTO ${names.conversations} AS c (tenant_id, id, user_id, title, tags, tag_keys, state, state_version, metadata, parent_id, forked_from_seq,
               ttl_seconds, ttl_mode, expires_at, created_at, updated_at, message_count, token_count, last_seq)
             VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14::timestamptz, $15::timestamptz, $16::timestamptz, $17, $18, $19)
             ON CONFLICT (tenant_id, id) DO NOTHING
             RETURNING ${CONVERSATION_COLUMNS}`,
            [
              scope.tenantId,
              source.id,
              userKey(scope),
              source.title ?? null,
              tags,
              tagKeys(scope.tenantId, userKey(scope), tags),
              json(source.state),
              source.stateVersion,
              json(source.metadata),
              source.parentId ?? null,
              source.forkedFromSeq ?? null,
              source.ttl?.seconds ?? null,
              source.ttl?.mode ?? null,
              source.expiresAt?.toISOString() ?? null,
              source.createdAt.toISOString(),
              source.updatedAt.toISOString(),
              parsed.messages.length,
              parsed.messages.reduce((sum, message) => sum + primaryTokens(message.tokenCounts), 0),
              source.lastSeq,
            ],
          );
          const row = inserted.rows[0];
          if (!row) throw new ConversationExistsError({ id: source.id });
          if (parsed.messages.length > 0) {
            await sql.query(
              `INSERT INTO ${names.messages} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
               SELECT $1, $2, r.seq, r.id, r.role, r.name, r.content::jsonb, r.metadata::jsonb, r.tags::text[], r.token_counts::jsonb, r.primary_tokens, r.content_hash, r.created_at::timestamptz
               FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[])
                 AS r(seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)`,
              [
                scope.tenantId,
                source.id,
                parsed.messages.map((message) => message.seq),
                parsed.messages.map((message) => message.id),
                parsed.messages.map((message) => message.role),
                parsed.messages.map((message) => message.name ?? null),
                parsed.messages.map((message) => json(message.content)),
                parsed.messages.map((message) => json(message.metadata)),
                parsed.messages.map((message) => textArrayLiteral(message.tags)),
                parsed.messages.map((message) => json(message.tokenCounts)),
                parsed.messages.map((message) => primaryTokens(message.tokenCounts)),
                parsed.messages.map((message) => message.contentHash),
                parsed.messages.map((message) => message.createdAt.toISOString()),
              ],
            );
          }
          if (parsed.summary) {
            const summary = parsed.summary;
            await sql.query(
              `INSERT INTO ${names.summaries} (tenant_id, conversation_id, text, covers_through_seq, token_count, encoding, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)`,
              [scope.tenantId, source.id, summary.text, summary.coversThroughSeq, summary.tokenCount, summary.encoding, summary.updatedAt.toISOString()],
            );
          }
          return conversationFromRow(row);
        },
        { transaction: true },
      );
    },

    async eraseUser(scope): Promise<ErasureResult> {
      validateUserScope(scope);
      return context.run(
        'eraseUser',
        scope,
        async (sql) => {
          const counted = await sql.query<{ conversations: string | number; messages: string | number }>(
            `SELECT count(*) AS conversations, coalesce(sum(message_count), 0) AS messages FROM ${names.conversations} WHERE tenant_id = $1 AND user_id = $2`,
            [scope.tenantId, scope.userId],
          );
          const owned = await sql.query<ConversationKey>(`SELECT tenant_id, id FROM ${names.conversations} WHERE tenant_id = $1 AND user_id = $2 FOR UPDATE`, [scope.tenantId, scope.userId]);
          await deleteLockedConversations(sql, context, owned.rows);
          const memories = await sql.query(`DELETE FROM ${names.memories} WHERE tenant_id = $1 AND user_id = $2 RETURNING id`, [scope.tenantId, scope.userId]);
          if (vector.available) await sql.query(`DELETE FROM ${names.embeddings} WHERE tenant_id = $1 AND user_id = $2`, [scope.tenantId, scope.userId]);
          const row = counted.rows[0]!;
          return { conversations: Number(row.conversations), messages: Number(row.messages), memories: memories.rows.length };
        },
        { transaction: true },
      );
    },

    /**
     * Deletes up to `limit` expired conversations, oldest expiry minute first, through the expiry-bucket index (recency.ts)
     * (`FOR UPDATE SKIP LOCKED`, so concurrent sweepers share the work). Expired rows are already
     * invisible to every read; this reclaims their space. Call it from a job or `llm-context sweep`.
     */
    async sweepExpired(sweepOptions = {}) {
      const limit = validateLimit('limit', sweepOptions.limit, 1000, 100_000);
      return context.run(
        'sweepExpired',
        null,
        async (sql) => {
          const doomed = await sql.query<ConversationKey>(
            // The bucket bound is implied by the exact one; stated, it is the index range (recency.ts).
            `SELECT tenant_id, id FROM ${names.conversations}
             WHERE expiry_bucket <= ${expiryBucketSql('$1::timestamptz')} AND expires_at <= $1::timestamptz
             ORDER BY expiry_bucket LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [timestamp(clock.now()), limit],
          );
          await deleteLockedConversations(sql, context, doomed.rows);
          return doomed.rows.length;
        },
        { transaction: true },
      );
    },

    memories: createMemoryTable(context),
    ...(vector.available ? { vectors: createVectorIndex(context, { indexedDimensions, iterativeScan: vector.iterativeScan }) } : {}),
  };
  return store;
}

function validateSummary(summary: Summary): void {
  const fail = (field: string, message: string): never => {
    throw new ValidationError({ field, message });
  };
  if (typeof summary !== 'object' || summary === null) fail('summary', 'must be { text, coversThroughSeq, tokenCount, encoding, updatedAt }');
  if (typeof summary.text !== 'string' || summary.text.includes('\u0000') || !summary.text.isWellFormed()) fail('summary.text', 'must be well-formed text without NUL characters');
  validateSeq('summary.coversThroughSeq', summary.coversThroughSeq);
  validateSeq('summary.tokenCount', summary.tokenCount);
  if (summary.coversThroughSeq === undefined) fail('summary.coversThroughSeq', 'is required');
  if (summary.tokenCount === undefined) fail('summary.tokenCount', 'is required');
  validateId('summary.encoding', summary.encoding);
  if (!(summary.updatedAt instanceof Date) || Number.isNaN(summary.updatedAt.getTime())) fail('summary.updatedAt', 'must be a valid Date');
}
