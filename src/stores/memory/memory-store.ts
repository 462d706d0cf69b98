import { ConversationExistsError, NotFoundError, StateConflictError } from '../../errors.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfterCursor } from '../../spec/cursor.js';
import { buildExport, parseExport } from '../../spec/export-format.js';
import type {
  AppendOptions,
  AppendResult,
  EmbeddingRecord,
  ErasureResult,
  ListConversationsOptions,
  ListMessagesOptions,
  Store,
  TailOptions,
  TailResult,
  VectorHit,
  VectorIndex,
  VectorSearchOptions,
} from '../../spec/store.js';
import {
  validateConversationId,
  validateCreateConversation,
  validateId,
  validateJsonObject,
  validateLimit,
  validateNewMessages,
  validateScope,
  validateSeq,
  validateTailOptions,
  validateUpdateConversation,
  validateUserScope,
} from '../../spec/validate.js';
import type {
  Conversation,
  ConversationExport,
  CreateConversationInput,
  JsonObject,
  Message,
  NewMessage,
  Page,
  Scope,
  Summary,
  UpdateConversationInput,
} from '../../types.js';
import { createInProcessMemoryTable } from './memory-table.js';
import { createInProcessMessageSearch } from '../../search/in-process-message-search.js';
import { cosineSimilarity } from '../../search/embedder.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock in ms since epoch; tests inject one to exercise TTL. Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). Default 1 MiB. */
  readonly maxMessageBytes?: number;
}

interface ConversationRecord {
  conversation: Conversation;
  messages: Message[];
  byId: Map<string, Message>;
  summary: Summary | null;
}

/**
 * An in-process store holding everything in plain JS maps: the zero-config default of
 * `new ContextManager()`, for tests, scripts and single-process apps. Nothing survives a restart
 * (use `createEmbeddedStore` from `llm-context/embedded` for durable local data).
 *
 * Atomicity comes from JavaScript's run-to-completion: every write validates first, then mutates
 * without awaiting, so a batch is never interleaved or half-applied. Values are deep-copied in and
 * out, so callers cannot mutate stored data. Vector search is exact (brute-force cosine) over the scope.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const clock = options.clock ?? { now: () => Date.now() };
  const conversations = new Map<string, ConversationRecord>();
  const embeddings = new Map<string, { tenantId: string; userId?: string; record: EmbeddingRecord }>();
  // Lexical search (BM25) and memories live in their own modules; the store keeps them in step.
  const messageSearch = createInProcessMessageSearch();
  const memoryTable = createInProcessMemoryTable({ clock });
  const ownerOf = (conversation: Conversation): Scope => ({ tenantId: conversation.tenantId, ...(conversation.userId !== undefined ? { userId: conversation.userId } : {}) });
  const indexMessages = (record: ConversationRecord, messages: readonly Message[]) => {
    for (const message of messages) messageSearch.add(ownerOf(record.conversation), message);
  };

  const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
  const owns = (scope: Scope, conversation: Conversation) =>
    conversation.tenantId === scope.tenantId && conversation.userId === scope.userId;
  const isExpired = (conversation: Conversation) =>
    conversation.expiresAt !== undefined && conversation.expiresAt.getTime() <= clock.now();

  /** The live record in this scope, or undefined (absent, other owner, or expired). */
  function find(scope: Scope, conversationId: string): ConversationRecord | undefined {
    const record = conversations.get(key(scope.tenantId, conversationId));
    if (!record || !owns(scope, record.conversation) || isExpired(record.conversation)) return undefined;
    return record;
  }

  function require(scope: Scope, conversationId: string): ConversationRecord {
    const record = find(scope, conversationId);
    if (!record) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    return record;
  }

  function newConversation(scope: Scope, input: CreateConversationInput, extra: Partial<Conversation> = {}): Conversation {
    const now = new Date(clock.now());
    return {
      id: input.id ?? crypto.randomUUID(),
      tenantId: scope.tenantId,
      ...(scope.userId !== undefined ? { userId: scope.userId } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
      tags: [...(input.tags ?? [])],
      state: structuredClone(input.state ?? {}),
      stateVersion: 0,
      metadata: structuredClone(input.metadata ?? {}),
      ...(input.ttl ? { ttl: { ...input.ttl }, expiresAt: new Date(now.getTime() + input.ttl.seconds * 1000) } : {}),
      createdAt: now,
      updatedAt: now,
      messageCount: 0,
      tokenCount: 0,
      lastSeq: 0,
      ...extra,
    };
  }

  /** A dead (expired) record under the same key is removed so its id can be reused. */
  function claimId(scope: Scope, id: string): void {
    const existing = conversations.get(key(scope.tenantId, id));
    if (existing && isExpired(existing.conversation)) deleteRecord(existing);
  }

  function deleteRecord(record: ConversationRecord): void {
    const { tenantId, id } = record.conversation;
    conversations.delete(key(tenantId, id));
    for (const message of record.messages) messageSearch.remove(tenantId, id, message.id);
    for (const [embeddingKey, embedding] of embeddings) {
      if (embedding.tenantId === tenantId && embedding.record.conversationId === id) embeddings.delete(embeddingKey);
    }
  }

  function touch(record: ConversationRecord, changes: Partial<Conversation>): Conversation {
    const now = new Date(clock.now());
    record.conversation = { ...record.conversation, ...changes, updatedAt: now };
    return record.conversation;
  }

  function primaryTokens(message: NewMessage): number {
    const counts = Object.values(message.tokenCounts);
    return counts[0] ?? 0;
  }

  const copy = <T>(value: T): T => structuredClone(value);

  const vectors: VectorIndex = {
    async upsert(scope, records) {
      validateScope(scope);
      for (const record of records) {
        if (record.kind === 'message') {
          if (!record.conversationId || !find(scope, record.conversationId)) throw new NotFoundError({ kind: 'conversation', id: record.conversationId ?? '' });
        }
      }
      for (const record of records) {
        embeddings.set(`${scope.tenantId}\u0000${scope.userId ?? ''}\u0000${record.kind}\u0000${record.model}\u0000${record.targetId}\u0000${record.conversationId ?? ''}`, {
          tenantId: scope.tenantId,
          ...(scope.userId !== undefined ? { userId: scope.userId } : {}),
          record: copy(record),
        });
      }
    },
    async search(scope: Scope, search: VectorSearchOptions): Promise<VectorHit[]> {
      validateScope(scope);
      const limit = validateLimit('limit', search.limit, 10, 100);
      const hits: VectorHit[] = [];
      for (const { tenantId, userId, record } of embeddings.values()) {
        if (tenantId !== scope.tenantId || userId !== scope.userId) continue;
        if (record.kind !== search.kind || record.model !== search.model) continue;
        if (search.conversationId !== undefined && record.conversationId !== search.conversationId) continue;
        if (search.beforeSeq !== undefined && (record.seq ?? 0) >= search.beforeSeq) continue;
        if (record.conversationId !== undefined && !find(scope, record.conversationId)) continue;
        if (record.vector.length !== search.vector.length) continue;
        hits.push({
          targetId: record.targetId,
          ...(record.conversationId !== undefined ? { conversationId: record.conversationId } : {}),
          ...(record.seq !== undefined ? { seq: record.seq } : {}),
          score: cosineSimilarity(search.vector, record.vector),
        });
      }
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },
    async has(scope, query) {
      validateScope(scope);
      const found = new Set<string>();
      const wanted = new Set(query.targetIds);
      for (const { tenantId, userId, record } of embeddings.values()) {
        if (tenantId === scope.tenantId && userId === scope.userId && record.kind === query.kind && record.model === query.model && wanted.has(record.targetId)) {
          found.add(record.targetId);
        }
      }
      return found;
    },
  };

  const store: Store = {
    specificationVersion: 'v1',
    name: 'memory',
    capabilities: {
      lexicalSearch: { available: true },
      vectorSearch: { available: true },
      memories: { available: true },
      ttlSweep: { available: true },
    },

    async createConversation(scope, input, createOptions = {}) {
      validateScope(scope);
      validateCreateConversation(input);
      if (input.id !== undefined) {
        claimId(scope, input.id);
        const existing = conversations.get(key(scope.tenantId, input.id));
        if (existing) {
          if (createOptions.ifExists === 'return' && owns(scope, existing.conversation)) return copy(existing.conversation);
          throw new ConversationExistsError({ id: input.id });
        }
      }
      const conversation = newConversation(scope, input);
      conversations.set(key(scope.tenantId, conversation.id), { conversation, messages: [], byId: new Map(), summary: null });
      return copy(conversation);
    },

    async getConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      const record = find(scope, conversationId);
      return record ? copy(record.conversation) : null;
    },

    async listConversations(scope, listOptions: ListConversationsOptions = {}): Promise<Page<Conversation>> {
      validateScope(scope);
      const limit = validateLimit('limit', listOptions.limit, 50);
      const cursor = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const matches: Conversation[] = [];
      for (const { conversation } of conversations.values()) {
        if (!owns(scope, conversation) || isExpired(conversation)) continue;
        if (listOptions.tag !== undefined && !conversation.tags.includes(listOptions.tag)) continue;
        if (listOptions.parentId !== undefined && conversation.parentId !== listOptions.parentId) continue;
        const position = { updatedAt: conversation.updatedAt.getTime(), id: conversation.id };
        if (cursor && !isAfterCursor(position, cursor)) continue;
        matches.push(conversation);
      }
      matches.sort((a, b) => compareNewestFirst({ updatedAt: a.updatedAt.getTime(), id: a.id }, { updatedAt: b.updatedAt.getTime(), id: b.id }));
      const items = matches.slice(0, limit);
      const last = items.at(-1);
      return {
        items: copy(items),
        ...(matches.length > limit && last ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt.getTime(), id: last.id }) } : {}),
      };
    },

    async updateConversation(scope, conversationId, patch: UpdateConversationInput) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateUpdateConversation(patch);
      const record = require(scope, conversationId);
      const changes: Record<string, unknown> = {};
      if (patch.title !== undefined) changes.title = patch.title ?? undefined;
      if (patch.tags !== undefined) changes.tags = [...patch.tags];
      if (patch.metadata !== undefined) changes.metadata = copy(patch.metadata);
      if (patch.ttl !== undefined) {
        changes.ttl = patch.ttl ? { ...patch.ttl } : undefined;
        changes.expiresAt = patch.ttl ? new Date(clock.now() + patch.ttl.seconds * 1000) : undefined;
      }
      const updated = touch(record, changes as Partial<Conversation>);
      if (patch.title === null) delete (updated as { title?: string }).title;
      return copy(updated);
    },

    async updateState(scope, conversationId, state: JsonObject, stateOptions = {}) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateJsonObject('state', state);
      if (stateOptions.expectedVersion !== undefined) validateSeq('expectedVersion', stateOptions.expectedVersion);
      const record = require(scope, conversationId);
      const actual = record.conversation.stateVersion;
      if (stateOptions.expectedVersion !== undefined && stateOptions.expectedVersion !== actual) {
        throw new StateConflictError({ expectedVersion: stateOptions.expectedVersion, actualVersion: actual });
      }
      return copy(touch(record, { state: copy(state), stateVersion: actual + 1 }));
    },

    async deleteConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      const record = find(scope, conversationId);
      if (!record) return false;
      deleteRecord(record);
      return true;
    },

    async forkConversation(scope, parentId, forkOptions) {
      validateScope(scope);
      validateConversationId(parentId);
      const atSeq = validateSeq('atSeq', forkOptions.atSeq) ?? 0;
      const input = forkOptions.input ?? {};
      validateCreateConversation(input);
      const parent = require(scope, parentId);
      if (input.id !== undefined) {
        claimId(scope, input.id);
        if (conversations.has(key(scope.tenantId, input.id))) throw new ConversationExistsError({ id: input.id });
      }
      const copied = parent.messages.filter((message) => message.seq <= atSeq);
      const conversation = newConversation(scope, input, {
        parentId,
        forkedFromSeq: atSeq,
        messageCount: copied.length,
        tokenCount: copied.reduce((sum, message) => sum + primaryTokens(message), 0),
        lastSeq: atSeq,
      });
      const messages = copied.map((message) => ({ ...copy(message), conversationId: conversation.id }));
      const forked = { conversation, messages, byId: new Map(messages.map((message) => [message.id, message])), summary: null };
      conversations.set(key(scope.tenantId, conversation.id), forked);
      indexMessages(forked, messages);
      return copy(conversation);
    },

    async appendMessages(scope, conversationId, batch: readonly NewMessage[], appendOptions: AppendOptions = {}): Promise<AppendResult> {
      validateScope(scope);
      validateConversationId(conversationId);
      validateNewMessages(batch, { maxMessageBytes: options.maxMessageBytes });
      const record = require(scope, conversationId);
      if (appendOptions.dedupeByContentHash && isRetriedBatch(record.messages, batch)) {
        return { messages: copy(record.messages.slice(-batch.length)), inserted: 0, conversation: copy(record.conversation) };
      }
      // Everything below runs without awaiting: the batch is applied atomically and never interleaved.
      let seq = record.conversation.lastSeq;
      let tokens = 0;
      const result: Message[] = [];
      for (const input of batch) {
        const existing = record.byId.get(input.id);
        if (existing) {
          result.push(existing);
          continue;
        }
        seq += 1;
        const message: Message = { ...copy(input), conversationId, seq };
        record.messages.push(message);
        record.byId.set(message.id, message);
        tokens += primaryTokens(input);
        result.push(message);
      }
      const inserted = seq - record.conversation.lastSeq;
      indexMessages(record, result.filter((message) => message.seq > record.conversation.lastSeq));
      if (inserted > 0) {
        const ttl = record.conversation.ttl;
        touch(record, {
          lastSeq: seq,
          messageCount: record.conversation.messageCount + inserted,
          tokenCount: record.conversation.tokenCount + tokens,
          ...(ttl?.mode === 'sliding' ? { expiresAt: new Date(clock.now() + ttl.seconds * 1000) } : {}),
        });
      }
      return { messages: copy(result), inserted, conversation: copy(record.conversation) };
    },

    async listMessages(scope, conversationId, listOptions: ListMessagesOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      const limit = validateLimit('limit', listOptions.limit, 100);
      const after = validateSeq('afterSeq', listOptions.afterSeq) ?? 0;
      const before = validateSeq('beforeSeq', listOptions.beforeSeq) ?? Number.MAX_SAFE_INTEGER;
      const record = find(scope, conversationId);
      if (!record) return [];
      const messages = record.messages;
      const result: Message[] = [];
      if (listOptions.order === 'desc') {
        for (let index = upperIndex(messages, before) - 1; index >= 0 && result.length < limit; index -= 1) {
          const message = messages[index]!;
          if (message.seq <= after) break;
          result.push(message);
        }
      } else {
        for (let index = upperIndex(messages, after + 1); index < messages.length && result.length < limit; index += 1) {
          const message = messages[index]!;
          if (message.seq >= before) break;
          if (message.seq > after) result.push(message);
        }
      }
      return copy(result);
    },

    async getTail(scope, conversationId, tailOptions: TailOptions): Promise<TailResult> {
      validateScope(scope);
      validateConversationId(conversationId);
      const { maxMessages, beforeSeq } = validateTailOptions(tailOptions);
      const before = beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const record = find(scope, conversationId);
      if (!record) return { messages: [], reachedStart: true };
      const messages = record.messages;
      let index = upperIndex(messages, before) - 1;
      let total = 0;
      const collected: Message[] = [];
      while (index >= 0 && collected.length < maxMessages && total < tailOptions.maxTokens) {
        const message = messages[index]!;
        collected.push(message);
        total += message.tokenCounts[tailOptions.encoding] ?? 0;
        index -= 1;
      }
      return { messages: copy(collected.reverse()), reachedStart: index < 0 };
    },

    async deleteMessage(scope, conversationId, messageId) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateId('messageId', messageId);
      const record = find(scope, conversationId);
      const message = record?.byId.get(messageId);
      if (!record || !message) return false;
      record.messages = record.messages.filter((candidate) => candidate.id !== messageId);
      record.byId.delete(messageId);
      messageSearch.remove(record.conversation.tenantId, conversationId, messageId);
      touch(record, { messageCount: record.conversation.messageCount - 1, tokenCount: record.conversation.tokenCount - primaryTokens(message) });
      return true;
    },

    async getSummary(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      const record = find(scope, conversationId);
      return record?.summary ? copy(record.summary) : null;
    },

    async putSummary(scope, conversationId, summary: Summary, putOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateSummary(summary);
      const record = require(scope, conversationId);
      const current = record.summary?.coversThroughSeq ?? null;
      if (current !== putOptions.expectedCoversThroughSeq) return { applied: false, current: copy(record.summary) };
      record.summary = copy(summary);
      return { applied: true, current: copy(summary) };
    },

    async exportConversation(scope, conversationId): Promise<ConversationExport> {
      validateScope(scope);
      validateConversationId(conversationId);
      const record = require(scope, conversationId);
      return buildExport(record.conversation, record.messages, record.summary);
    },

    async importConversation(scope, data) {
      validateScope(scope);
      const parsed = parseExport(data);
      validateConversationId(parsed.conversation.id);
      claimId(scope, parsed.conversation.id);
      if (conversations.has(key(scope.tenantId, parsed.conversation.id))) throw new ConversationExistsError({ id: parsed.conversation.id });
      const { lastSeq, ...fields } = parsed.conversation;
      const messages: Message[] = parsed.messages.map((message) => ({ ...copy(message), conversationId: fields.id }));
      const conversation: Conversation = {
        ...fields,
        tenantId: scope.tenantId,
        ...(scope.userId !== undefined ? { userId: scope.userId } : {}),
        messageCount: messages.length,
        tokenCount: messages.reduce((sum, message) => sum + primaryTokens(message), 0),
        lastSeq,
      };
      for (const field of ['title', 'parentId', 'forkedFromSeq', 'ttl', 'expiresAt'] as const) {
        if (conversation[field] === undefined) delete (conversation as unknown as Record<string, unknown>)[field];
      }
      const imported = { conversation, messages, byId: new Map(messages.map((message) => [message.id, message])), summary: parsed.summary };
      conversations.set(key(scope.tenantId, conversation.id), imported);
      indexMessages(imported, messages);
      return copy(conversation);
    },

    async eraseUser(scope): Promise<ErasureResult> {
      validateUserScope(scope);
      let conversationCount = 0;
      let messageCount = 0;
      for (const record of [...conversations.values()]) {
        if (!owns(scope, record.conversation)) continue;
        conversationCount += 1;
        messageCount += record.messages.length;
        deleteRecord(record);
      }
      for (const [embeddingKey, embedding] of embeddings) {
        if (embedding.tenantId === scope.tenantId && embedding.userId === scope.userId) embeddings.delete(embeddingKey);
      }
      return { conversations: conversationCount, messages: messageCount, memories: memoryTable.eraseUser(scope) };
    },

    vectors,

    async searchMessages(scope, searchOptions) {
      validateScope(scope);
      const hits = messageSearch.search(scope, searchOptions, (conversationId, messageId) => find(scope, conversationId)?.byId.get(messageId));
      return hits.map((hit) => ({ message: copy(hit.message), score: hit.score }));
    },

    memories: {
      put: memoryTable.put,
      get: memoryTable.get,
      list: memoryTable.list,
      update: memoryTable.update,
      delete: memoryTable.delete,
      search: memoryTable.search,
    },

    async sweepExpired(sweepOptions = {}) {
      const limit = validateLimit('limit', sweepOptions.limit, 1000, 100_000);
      let swept = 0;
      for (const record of [...conversations.values()]) {
        if (swept >= limit) break;
        if (!isExpired(record.conversation)) continue;
        deleteRecord(record);
        swept += 1;
      }
      return swept;
    },
  };
  return store;
}

/** Index of the first message with `seq >= seq` (binary search; messages are sorted by seq). */
function upperIndex(messages: readonly Message[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (messages[middle]!.seq < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A retried write: the newest stored messages have the same roles and content hashes as the batch. */
export function isRetriedBatch(stored: readonly Message[], batch: readonly NewMessage[]): boolean {
  if (stored.length < batch.length) return false;
  const tail = stored.slice(-batch.length);
  return tail.every((message, index) => message.role === batch[index]!.role && message.contentHash === batch[index]!.contentHash);
}

function validateSummary(summary: Summary): void {
  validateJsonObject('summary', { text: summary.text, encoding: summary.encoding });
  validateSeq('summary.coversThroughSeq', summary.coversThroughSeq);
  validateSeq('summary.tokenCount', summary.tokenCount);
}
