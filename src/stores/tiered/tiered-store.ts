import { LLMContextError } from '../../errors.js';
import { createHotTier } from './hot-tier.js';
import type { TieredHealth, TieredStoreOptions } from './tiered-options.js';

export type { TieredHealth, TieredStoreOptions } from './tiered-options.js';
import { buildExport } from '../../spec/export-format.js';
import { stopTailAtSummary } from '../../spec/stop-tail-at-summary.js';
import type { AppendOptions, AppendResult, ContextRead, ContextReadOptions, ListMessagesOptions, Store, TailOptions, TailResult } from '../../spec/store.js';
import type { NewMessage, Scope, Summary } from '../../types.js';


export interface TieredStore extends Store {
  health(): TieredHealth;
  /** Resolves when background repopulations have finished (for tests and graceful shutdown). */
  settle(): Promise<void>;
}

/**
 * A write-through hot tier (`llm-context/tiered`): `createTieredStore({ hot: redisStore, durable: postgresStore })`.
 *
 * - **Writes** go to the durable store first; a write is acknowledged only when it is durable, so
 *   if the durable store is down the write fails. Then the same change is mirrored to the hot copy
 *   (appends, message deletes, summaries) or the hot copy is dropped (conversation and state
 *   updates, forks). A mirrored append must get the same seqs as the durable store; if it does not
 *   (a concurrent writer got there in another order) the hot copy is dropped. A hot failure never
 *   fails the write: it is counted in {@link TieredStore.health}, and the conversation's hot copy is
 *   dropped before the hot store is used again.
 * - **Reads of recent windows** (`getTail`, `listMessages`, `getSummary`) come from the hot store.
 *   A miss (the hot store has no copy) falls through to the durable store and repopulates the hot
 *   copy in the background (export → import, once per miss, O(messages)); the copy is then checked
 *   against the durable store (`lastSeq`, `messageCount`) and dropped if a write raced it.
 * - **Everything else** (conversation reads and listings, search, memories, vectors, export,
 *   import, erasure) is served by the durable store; `eraseUser` and `sweepExpired` run on both.
 * - **Hot store down**: after a failure the tier serves from the durable store only, for
 *   `hotRetryAfterMs`, then tries again; `health().hot` says `down` meanwhile. Configure the
 *   `ioredis` client to fail fast (`maxRetriesPerRequest: 1`, `enableOfflineQueue: false`) so a
 *   dead server costs one quick error, not a queue of retries.
 *
 * - **Input** is validated once, by the shared validators (`defineStore`) of the store a call
 *   reaches first: the durable store for writes (a rejected write reaches neither store), the hot
 *   store for tier reads (its `ValidationError` is passed through, the durable store is not asked).
 *   The tier is a composition of two whole stores, not a driver: each may be any {@link Store}
 *   (Redis, a remote store…), and repopulation moves conversations between them by export/import.
 * - **Idempotency conflicts**: the durable store decides. A mirrored append that the hot copy
 *   refuses (`idempotency_conflict`: the copy is stale) drops the hot copy.
 *
 * Limits: pending invalidations are kept in this process; another process that wrote during the
 * same outage drops its own. Capabilities are the durable store's.
 *
 * @throws whatever the durable store throws (`StoreUnavailableError` when it is down, `NotFoundError`,
 *   `ValidationError`, …); hot-store errors are never thrown, only counted in `health()`.
 */
export function createTieredStore(options: TieredStoreOptions): TieredStore {
  const { hot, durable } = options;
  const tier = createHotTier(options);
  const { onHot, invalidate, mirror, readThrough } = tier;

  const store: TieredStore = {
    specificationVersion: 'v1',
    name: 'tiered',
    capabilities: durable.capabilities,

    async createConversation(scope, input, createOptions) {
      const conversation = await durable.createConversation(scope, input, createOptions);
      await mirror('importConversation', scope, conversation.id, async () => {
        if (conversation.messageCount > 0) return true;
        await hot.importConversation(scope, buildExport(conversation, [], null)).catch(async (error: unknown) => {
          if (!(LLMContextError.isInstance(error) && error.code === 'conversation_exists')) throw error;
          // A stale copy under the same id (deleted while the hot store was away): replace it.
          await hot.deleteConversation(scope, conversation.id);
          await hot.importConversation(scope, buildExport(conversation, [], null));
        });
        return true;
      });
      return conversation;
    },
    getConversation: (scope, conversationId) => durable.getConversation(scope, conversationId),
    listConversations: (scope, listOptions) => durable.listConversations(scope, listOptions),

    async updateConversation(scope, conversationId, patch) {
      const conversation = await durable.updateConversation(scope, conversationId, patch);
      await invalidate(scope, conversationId);
      return conversation;
    },
    async updateState(scope, conversationId, state, stateOptions) {
      const conversation = await durable.updateState(scope, conversationId, state, stateOptions);
      await invalidate(scope, conversationId);
      return conversation;
    },
    async deleteConversation(scope, conversationId) {
      const deleted = await durable.deleteConversation(scope, conversationId);
      await invalidate(scope, conversationId);
      return deleted;
    },
    forkConversation: (scope, parentId, forkOptions) => durable.forkConversation(scope, parentId, forkOptions),

    async appendMessages(scope, conversationId, batch: readonly NewMessage[], appendOptions?: AppendOptions): Promise<AppendResult> {
      const result = await durable.appendMessages(scope, conversationId, batch, appendOptions);
      if (result.inserted > 0) {
        await mirror('appendMessages', scope, conversationId, async () => {
          const copy = await hot.appendMessages(scope, conversationId, batch, appendOptions);
          return copy.conversation.lastSeq === result.conversation.lastSeq && copy.messages.every((message, index) => message.seq === result.messages[index]?.seq);
        });
      }
      return result;
    },

    listMessages: (scope, conversationId, listOptions: ListMessagesOptions) =>
      readThrough('listMessages', scope, conversationId, (source) => source.listMessages(scope, conversationId, listOptions), (messages) => messages.length === 0),

    getTail: (scope, conversationId, tailOptions: TailOptions): Promise<TailResult> =>
      readThrough('getTail', scope, conversationId, (source) => source.getTail(scope, conversationId, tailOptions), (tail) => tail.messages.length === 0),

    async deleteMessage(scope, conversationId, messageId) {
      const deleted = await durable.deleteMessage(scope, conversationId, messageId);
      if (deleted) await mirror('deleteMessage', scope, conversationId, () => hot.deleteMessage(scope, conversationId, messageId));
      return deleted;
    },

    getSummary: (scope, conversationId) =>
      readThrough('getSummary', scope, conversationId, (source) => source.getSummary(scope, conversationId), (summary) => summary === null),

    async putSummary(scope, conversationId, summary: Summary, putOptions) {
      const result = await durable.putSummary(scope, conversationId, summary, putOptions);
      if (result.applied) await mirror('putSummary', scope, conversationId, async () => (await hot.putSummary(scope, conversationId, summary, putOptions)).applied);
      return result;
    },

    exportConversation: (scope, conversationId) => durable.exportConversation(scope, conversationId),
    importConversation: (scope, data) => durable.importConversation(scope, data),

    async eraseUser(scope) {
      const result = await durable.eraseUser(scope);
      await onHot('eraseUser', scope, undefined, () => hot.eraseUser(scope));
      return result;
    },

    ...(durable.searchMessages ? { searchMessages: durable.searchMessages.bind(durable) } : {}),
    ...(durable.vectors ? { vectors: durable.vectors } : {}),
    ...(durable.memories ? { memories: durable.memories } : {}),
    ...(durable.sweepExpired
      ? {
          async sweepExpired(sweepOptions?: { limit?: number }) {
            const swept = await durable.sweepExpired!(sweepOptions);
            if (hot.sweepExpired) await onHot('sweepExpired', { tenantId: '-' }, undefined, () => hot.sweepExpired!(sweepOptions));
            return swept;
          },
        }
      : {}),
    ...(durable.readContext
      ? {
          /**
           * Without pinned memories, and when the hot store holds the conversation: one call to the
           * hot store, which reads conversation, tail and summary in one round trip (Redis: one
           * `MULTI` on the conversation's slot); the durable store is not asked. The hot copy mirrors
           * every write and is dropped on any conversation or state update, so it answers as the
           * durable store would, except that `updatedAt` is the hot store's time of the mirrored
           * write (the same instant to within the mirror's latency). A miss (no hot copy, or an
           * empty tail from a copy that counts messages) reads the durable store and repopulates,
           * as `getTail` does.
           *
           * With `pinnedMemories` (memories live in the durable store only): the durable store reads
           * the conversation, summary and memories (with an empty tail budget) while the tail comes
           * from the hot store as `getTail` would — two calls, run concurrently.
           */
          async readContext(scope: Scope, conversationId: string, contextOptions: ContextReadOptions): Promise<ContextRead> {
            if (hot.readContext && !((contextOptions.pinnedMemories ?? 0) > 0)) {
              return readThrough(
                'readContext',
                scope,
                conversationId,
                (source) => source.readContext!(scope, conversationId, contextOptions),
                // An empty tail is a miss unless the summary covers every message (stopAtSummary).
                (read) => read.conversation === null || (read.tail.messages.length === 0 && read.conversation.messageCount > 0 && !coversAll(read)),
              );
            }
            const [head, tail] = await Promise.all([durable.readContext!(scope, conversationId, { ...contextOptions, maxTokens: 0 }), store.getTail(scope, conversationId, contextOptions)]);
            if (!head.conversation) return { conversation: null, tail: { messages: [], reachedStart: true }, summary: null };
            return contextOptions.stopAtSummary ? stopTailAtSummary({ ...head, tail }) : { ...head, tail };
          },
        }
      : {}),

    health: tier.health,
    settle: tier.settle,
  };
  return store;
}

/** With `stopAtSummary`, an empty tail is the answer when the summary covers the whole conversation. */
function coversAll(read: ContextRead): boolean {
  return read.summary !== null && read.conversation !== null && read.summary.coversThroughSeq >= read.conversation.lastSeq;
}
