import { ConversationExpiredError, LLMContextError, NotFoundError, ValidationError } from '../../errors.js';
import { encodeCursor } from '../../spec/cursor.js';
import { buildExport, parseExport } from '../../spec/export-format.js';
import type { MemoryStore, Store, VectorIndex } from '../../spec/store.js';
import { stopTailAtSummary } from '../../spec/stop-tail-at-summary.js';
import {
  validateConversationId,
  validateCreateConversation,
  validateEmbeddingRecords,
  validateFlag,
  validateForkOptions,
  validateId,
  validateJsonObject,
  validateLimit,
  validateListConversationsOptions,
  validateListMessagesOptions,
  validateMemoryHistoryOptions,
  validateMemoryListOptions,
  validateMemoryPatch,
  validateMemorySearchOptions,
  validateMessageSearchOptions,
  validateNewMemory,
  validateNewMessages,
  validateScope,
  validateSeq,
  validateSummary,
  validateSummaryPrecondition,
  validateTailOptions,
  validateUpdateConversation,
  validateUserScope,
  validateVectorSearchOptions,
} from '../../spec/validate.js';
import type { Conversation, Message, Scope } from '../../types.js';
import type { ConversationChanges, MemoryDriver, StoreDriver } from './driver.js';
import { newConversation, ownerOf, totalPrimaryTokens } from './records.js';

/** Options of {@link defineStore}. */
export interface DefineStoreOptions {
  /** Clock in ms since epoch (tests inject one for TTL). @default Date.now */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
}

/**
 * The shared store layer: turns a {@link StoreDriver} into a {@link Store}. Every input of the
 * store specification is validated here, once, with the shared validators (so every backend
 * accepts and rejects exactly the same calls, and a rejected call reaches no driver); defaults are
 * filled; new conversation records, TTL expiry, primary token counts, export documents and list
 * cursors are built here; driver errors are mapped by `driver.mapError`.
 *
 * @example
 * ```ts
 * export function createMyStore(options: MyStoreOptions): Store {
 *   return defineStore(createMyDriver(options), { clock: options.clock });
 * }
 * ```
 */
export function defineStore<Extra extends object = object>(driver: StoreDriver, options: DefineStoreOptions = {}, extra?: Extra): Store & Extra {
  const clock = options.clock ?? { now: () => Date.now() };
  const now = () => new Date(clock.now());
  const run = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof LLMContextError || !driver.mapError) throw error;
      throw driver.mapError(error, operation);
    }
  };

  /**
   * `run` for a call on one conversation: a `NotFoundError` for it becomes a
   * `ConversationExpiredError` when the driver remembers the conversation expired in this scope.
   * The lookup runs only on that failure; the success path has no extra step.
   */
  const onConversation = async <T>(operation: string, scope: Scope, conversationId: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof NotFoundError && error.reason === 'absent' && error.kind === 'conversation' && driver.expiredAt) {
        const expiredAt = await run(operation, () => driver.expiredAt!(scope, conversationId, now()));
        throw expiredAt ? new ConversationExpiredError({ id: conversationId, expiredAt }) : error;
      }
      if (error instanceof LLMContextError || !driver.mapError) throw error;
      throw driver.mapError(error, operation);
    }
  };

  const store: Store = {
    specificationVersion: 'v1',
    name: driver.name,
    capabilities: driver.capabilities,

    async createConversation(scope, input, createOptions = {}) {
      validateScope(scope);
      validateCreateConversation(input);
      const conversation = newConversation(scope, input, now());
      return run('createConversation', () => driver.createConversation(ownerOf(scope), conversation, { ifExists: createOptions.ifExists ?? 'error' }));
    },

    async getConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return run('getConversation', () => driver.getConversation(ownerOf(scope), conversationId));
    },

    async listConversations(scope, listOptions) {
      validateScope(scope);
      const { cursor, ...filters } = validateListConversationsOptions(listOptions);
      const items = await run('listConversations', () => driver.listConversations(ownerOf(scope), { ...filters, ...(cursor ? { after: cursor } : {}) }));
      const page = items.slice(0, filters.limit);
      const last = page.at(-1);
      return {
        items: page,
        ...(items.length > filters.limit && last ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) } : {}),
      };
    },

    async updateConversation(scope, conversationId, patch) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateUpdateConversation(patch);
      const at = now();
      const changes: ConversationChanges = {
        updatedAt: at,
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.tags !== undefined ? { tags: [...patch.tags] } : {}),
        ...(patch.metadata !== undefined ? { metadata: structuredClone(patch.metadata) } : {}),
        ...(patch.ttl !== undefined
          ? { ttl: patch.ttl ? { seconds: patch.ttl.seconds, mode: patch.ttl.mode } : null, expiresAt: patch.ttl ? new Date(at.getTime() + patch.ttl.seconds * 1000) : null }
          : {}),
      };
      return onConversation('updateConversation', ownerOf(scope), conversationId, () => driver.updateConversation(ownerOf(scope), conversationId, changes));
    },

    async updateState(scope, conversationId, state, stateOptions = {}) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateJsonObject('state', state);
      const expectedVersion = validateSeq('expectedVersion', stateOptions.expectedVersion);
      return onConversation('updateState', ownerOf(scope), conversationId, () =>
        driver.updateState(ownerOf(scope), conversationId, state, { ...(expectedVersion !== undefined ? { expectedVersion } : {}), now: now() }),
      );
    },

    async deleteConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return run('deleteConversation', () => driver.deleteConversation(ownerOf(scope), conversationId));
    },

    async forkConversation(scope, parentId, forkOptions) {
      validateScope(scope);
      validateConversationId(parentId);
      const { atSeq, input } = validateForkOptions(forkOptions);
      const child = newConversation(scope, input, now(), { parentId, forkedFromSeq: atSeq });
      return onConversation('forkConversation', ownerOf(scope), parentId, () => driver.forkConversation(ownerOf(scope), parentId, { atSeq, child }));
    },

    async appendMessages(scope, conversationId, messages, appendOptions = {}) {
      validateScope(scope);
      validateConversationId(conversationId);
      await validateNewMessages(messages, { maxMessageBytes: options.maxMessageBytes });
      return onConversation('appendMessages', ownerOf(scope), conversationId, () =>
        driver.appendMessages(ownerOf(scope), conversationId, messages, { dedupeByContentHash: appendOptions.dedupeByContentHash === true, now: now() }),
      );
    },

    async listMessages(scope, conversationId, listOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      const normalized = validateListMessagesOptions(listOptions);
      return run('listMessages', () => driver.listMessages(ownerOf(scope), conversationId, normalized));
    },

    async getTail(scope, conversationId, tailOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      const { beforeSeq, ...tail } = validateTailOptions(tailOptions);
      return run('getTail', () => driver.getTail(ownerOf(scope), conversationId, { ...tail, ...(beforeSeq !== undefined ? { beforeSeq } : {}) }));
    },

    ...(driver.readContext
      ? {
          async readContext(scope: Scope, conversationId: string, readOptions: Parameters<NonNullable<Store['readContext']>>[2]) {
            validateScope(scope);
            validateConversationId(conversationId);
            const { beforeSeq, ...tail } = validateTailOptions(readOptions);
            const pinnedMemories = readOptions.pinnedMemories === undefined || readOptions.pinnedMemories === 0 ? 0 : validateLimit('pinnedMemories', readOptions.pinnedMemories, 0);
            const stopAtSummary = validateFlag('stopAtSummary', readOptions.stopAtSummary);
            const read = await run('readContext', () =>
              driver.readContext!(ownerOf(scope), conversationId, { ...tail, ...(beforeSeq !== undefined ? { beforeSeq } : {}), pinnedMemories, stopAtSummary }),
            );
            return stopAtSummary ? stopTailAtSummary(read) : read;
          },
        }
      : {}),

    async deleteMessage(scope, conversationId, messageId) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateId('messageId', messageId);
      return run('deleteMessage', () => driver.deleteMessage(ownerOf(scope), conversationId, messageId));
    },

    async getSummary(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return run('getSummary', () => driver.getSummary(ownerOf(scope), conversationId));
    },

    async putSummary(scope, conversationId, summary, putOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateSummary(summary);
      const expectedCoversThroughSeq = validateSummaryPrecondition(putOptions);
      return onConversation('putSummary', ownerOf(scope), conversationId, () => driver.putSummary(ownerOf(scope), conversationId, summary, { expectedCoversThroughSeq }));
    },

    async exportConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      const snapshot = await onConversation('exportConversation', ownerOf(scope), conversationId, () => driver.readConversation(ownerOf(scope), conversationId));
      return buildExport(snapshot.conversation, snapshot.messages, snapshot.summary);
    },

    async importConversation(scope, data) {
      validateScope(scope);
      const parsed = await parseExport(data);
      validateConversationId(parsed.conversation.id);
      const { lastSeq, ...fields } = parsed.conversation;
      const messages: Message[] = parsed.messages.map((message) => ({ ...message, conversationId: fields.id }));
      const conversation: Conversation = {
        ...dropUndefined(fields),
        ...ownerOf(scope),
        messageCount: messages.length,
        tokenCount: totalPrimaryTokens(messages),
        lastSeq,
      } as Conversation;
      return run('importConversation', () => driver.writeConversation(ownerOf(scope), { conversation, messages, summary: parsed.summary }));
    },

    async eraseUser(scope) {
      const checked = validateUserScope(scope);
      return run('eraseUser', () => driver.eraseUser({ tenantId: checked.tenantId, userId: checked.userId }));
    },

    ...(driver.searchMessages
      ? {
          async searchMessages(scope: Scope, searchOptions: Parameters<NonNullable<Store['searchMessages']>>[1]) {
            validateScope(scope);
            const normalized = validateMessageSearchOptions(searchOptions);
            return run('searchMessages', () => driver.searchMessages!(ownerOf(scope), normalized));
          },
        }
      : {}),
    ...(driver.vectors ? { vectors: defineVectorIndex(driver.vectors, run) } : {}),
    ...(driver.memories ? { memories: defineMemories(driver.memories, run, now) } : {}),
    ...(driver.sweepExpired
      ? {
          async sweepExpired(sweepOptions: { limit?: number } = {}) {
            const limit = validateLimit('limit', sweepOptions.limit, 1000, 100_000);
            return run('sweepExpired', () => driver.sweepExpired!({ limit }));
          },
        }
      : {}),
    ...(driver.close ? { close: () => driver.close!() } : {}),
  };
  return Object.assign(store, extra ?? {}) as Store & Extra;
}

type Run = <T>(operation: string, call: () => Promise<T>) => Promise<T>;

function defineVectorIndex(vectors: VectorIndex, run: Run): VectorIndex {
  return {
    async upsert(scope, records) {
      validateScope(scope);
      validateEmbeddingRecords(records);
      return run('vectors.upsert', () => vectors.upsert(ownerOf(scope), records));
    },
    async search(scope, searchOptions) {
      validateScope(scope);
      const normalized = validateVectorSearchOptions(searchOptions);
      return run('vectors.search', () => vectors.search(ownerOf(scope), normalized));
    },
    async has(scope, query) {
      validateScope(scope);
      if (typeof query !== 'object' || query === null || !Array.isArray(query.targetIds)) throw new ValidationError({ field: 'targetIds', message: 'must be an array of ids' });
      if (query.kind !== 'message' && query.kind !== 'memory') throw new ValidationError({ field: 'kind', message: 'must be "message" or "memory"' });
      validateId('model', query.model);
      query.targetIds.forEach((id, index) => validateId(`targetIds[${index}]`, id));
      return run('vectors.has', () => vectors.has(ownerOf(scope), query));
    },
  };
}

function defineMemories(memories: MemoryDriver, run: Run, now: () => Date): MemoryStore {
  return {
    async put(scope, memory) {
      validateScope(scope);
      validateNewMemory(memory);
      return run('memories.put', () => memories.put(ownerOf(scope), memory, { now: now() }));
    },
    async get(scope, id) {
      validateScope(scope);
      validateId('id', id);
      return run('memories.get', () => memories.get(ownerOf(scope), id));
    },
    async list(scope, listOptions) {
      validateScope(scope);
      const normalized = validateMemoryListOptions(listOptions);
      return run('memories.list', () => memories.list(ownerOf(scope), normalized));
    },
    async update(scope, id, patch) {
      validateScope(scope);
      validateId('id', id);
      validateMemoryPatch(patch);
      return run('memories.update', () => memories.update(ownerOf(scope), id, patch, { now: now() }));
    },
    async delete(scope, id) {
      validateScope(scope);
      validateId('id', id);
      return run('memories.delete', () => memories.delete(ownerOf(scope), id));
    },
    async search(scope, searchOptions) {
      validateScope(scope);
      const normalized = validateMemorySearchOptions(searchOptions);
      return run('memories.search', () => memories.search(ownerOf(scope), normalized));
    },
    async history(scope, id, historyOptions) {
      validateScope(scope);
      validateId('id', id);
      const normalized = validateMemoryHistoryOptions(historyOptions);
      return run('memories.history', () => memories.history(ownerOf(scope), id, normalized));
    },
  };
}

function dropUndefined<T extends object>(object: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result as T;
}
