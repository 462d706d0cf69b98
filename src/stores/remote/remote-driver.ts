import { LLMContextError } from '../../errors.js';
import { encodeCursor } from '../../spec/cursor.js';
import { buildExport, parseExport } from '../../spec/export-format.js';
import type { AppendResult, ErasureResult, StoreCapabilities, VectorHit } from '../../spec/store.js';
import { reviveContextRead, reviveConversation, reviveMemory, reviveMessage, reviveSearchHits, reviveSummary, reviveTail } from '../../spec/wire-format.js';
import type { Conversation, Memory, Message, Scope } from '../../types.js';
import type { MemoryDriver, StoreDriver } from '../define-store/driver.js';
import { totalPrimaryTokens } from '../define-store/records.js';
import type { HttpClient } from './http-client.js';

const path = (id: string) => `/v1/conversations/${encodeURIComponent(id)}`;

/** A 404 with code `not_found` is an answer (absent), not a failure. */
async function orAbsent<T>(call: Promise<T>, absent: T): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (LLMContextError.isInstance(error) && error.code === 'not_found') return absent;
    throw error;
  }
}

function conversationInput(conversation: Conversation) {
  return {
    id: conversation.id,
    ...(conversation.title !== undefined ? { title: conversation.title } : {}),
    tags: conversation.tags,
    state: conversation.state,
    metadata: conversation.metadata,
    ...(conversation.ttl ? { ttl: conversation.ttl } : {}),
  };
}

/**
 * The remote store's driver: every operation is one request to the context server
 * (`llm-context/server`), scoped by the API key. The shared layer (`defineStore`) has already
 * validated the input, so a rejected call never reaches the network; the server's store validates
 * again and owns ids, timestamps and TTL expiry.
 */
export function createRemoteDriver(http: HttpClient, capabilities: StoreCapabilities): StoreDriver {
  const memories: MemoryDriver = {
    async put(scope, memory) {
      return reviveMemory(await http.request('POST', '/v1/memories', { scope, body: memory, idempotent: true, operation: 'memories.put' }));
    },
    async get(scope, id) {
      return orAbsent(http.request<unknown>('GET', `/v1/memories/${encodeURIComponent(id)}`, { scope, idempotent: true, operation: 'memories.get' }).then(reviveMemory), null);
    },
    async list(scope, options) {
      const page = await http.request<{ items: unknown[]; nextCursor?: string }>('GET', '/v1/memories', {
        scope,
        query: { tag: options.tags, pinned: options.pinned, limit: options.limit, cursor: options.cursor },
        idempotent: true,
        operation: 'memories.list',
      });
      return { items: page.items.map(reviveMemory), ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}) };
    },
    async update(scope, id, patch) {
      return reviveMemory(await http.request('PATCH', `/v1/memories/${encodeURIComponent(id)}`, { scope, body: patch, idempotent: true, operation: 'memories.update' }));
    },
    async delete(scope, id) {
      return orAbsent(http.request('DELETE', `/v1/memories/${encodeURIComponent(id)}`, { scope, idempotent: false, operation: 'memories.delete' }).then(() => true), false);
    },
    async search(scope, options) {
      const { hits } = await http.request<{ hits: Array<{ memory: unknown; score: number }> }>('POST', '/v1/memories/search', { scope, body: options, idempotent: true, operation: 'memories.search' });
      return hits.map((hit) => ({ memory: reviveMemory(hit.memory) as Memory, score: hit.score }));
    },
    async history(scope, id, options) {
      const { items } = await http.request<{ items: unknown[] }>('GET', `/v1/memories/${encodeURIComponent(id)}/history`, {
        scope,
        query: { limit: options.limit },
        idempotent: true,
        operation: 'memories.history',
      });
      return items.map(reviveMemory);
    },
  };

  const driver: StoreDriver = {
    name: 'remote',
    capabilities,

    async createConversation(scope, conversation, options) {
      return reviveConversation(
        await http.request('POST', '/v1/conversations', { scope, body: { ...conversationInput(conversation), ifExists: options.ifExists }, idempotent: options.ifExists === 'return', operation: 'createConversation' }),
      );
    },
    async getConversation(scope, conversationId) {
      return orAbsent(http.request<unknown>('GET', path(conversationId), { scope, idempotent: true, operation: 'getConversation' }).then(reviveConversation), null);
    },
    async listConversations(scope, options) {
      const page = await http.request<{ items: unknown[]; nextCursor?: string }>('GET', '/v1/conversations', {
        scope,
        query: { tag: options.tag, parentId: options.parentId, limit: options.limit, cursor: options.after ? encodeCursor(options.after) : undefined },
        idempotent: true,
        operation: 'listConversations',
      });
      const items = page.items.map(reviveConversation);
      // The layer asks for limit + 1 items to decide `nextCursor`; the server decided already, so a
      // repeated last item stands for "there is more" (the layer drops it and encodes the same keyset cursor).
      if (page.nextCursor !== undefined && items.length > 0) items.push(items.at(-1)!);
      return items;
    },
    async updateConversation(scope, conversationId, changes) {
      const body = {
        ...(changes.title !== undefined ? { title: changes.title } : {}),
        ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
        ...(changes.metadata !== undefined ? { metadata: changes.metadata } : {}),
        ...(changes.ttl !== undefined ? { ttl: changes.ttl } : {}),
      };
      return reviveConversation(await http.request('PATCH', path(conversationId), { scope, body, idempotent: true, operation: 'updateConversation' }));
    },
    async updateState(scope, conversationId, state, options) {
      return reviveConversation(
        await http.request('PUT', `${path(conversationId)}/state`, {
          scope,
          body: { state },
          ...(options.expectedVersion !== undefined ? { headers: { 'if-match': `"${options.expectedVersion}"` } } : {}),
          // With If-Match a resend after a lost answer fails with state_conflict instead of applying twice.
          idempotent: options.expectedVersion !== undefined,
          operation: 'updateState',
        }),
      );
    },
    async deleteConversation(scope, conversationId) {
      return orAbsent(http.request('DELETE', path(conversationId), { scope, idempotent: false, operation: 'deleteConversation' }).then(() => true), false);
    },
    async forkConversation(scope, parentId, options) {
      return reviveConversation(
        await http.request('POST', `${path(parentId)}/fork`, { scope, body: { atSeq: options.atSeq, conversation: conversationInput(options.child) }, idempotent: false, operation: 'forkConversation' }),
      );
    },

    async appendMessages(scope, conversationId, messages, options) {
      const result = await http.request<{ messages: unknown[]; inserted: number; conversation: unknown }>('POST', `${path(conversationId)}/messages`, {
        scope,
        body: { messages, ...(options.dedupeByContentHash ? { dedupeByContentHash: true } : {}) },
        // Every message has an id, so a resend stores nothing twice; the key makes that explicit.
        headers: { 'idempotency-key': crypto.randomUUID() },
        idempotent: true,
        operation: 'appendMessages',
      });
      return { messages: result.messages.map(reviveMessage), inserted: result.inserted, conversation: reviveConversation(result.conversation) } satisfies AppendResult;
    },
    async listMessages(scope, conversationId, options) {
      const { items } = await http.request<{ items: unknown[] }>('GET', `${path(conversationId)}/messages`, {
        scope,
        query: { order: options.order, afterSeq: options.afterSeq, beforeSeq: options.beforeSeq, limit: options.limit },
        idempotent: true,
        operation: 'listMessages',
      });
      return items.map(reviveMessage);
    },
    async getTail(scope, conversationId, options) {
      return reviveTail(await http.request('POST', `${path(conversationId)}/tail`, { scope, body: options, idempotent: true, operation: 'getTail' }));
    },
    async readContext(scope, conversationId, options) {
      // stopAtSummary only when set: a server older than the option refuses unknown fields.
      const { stopAtSummary, ...rest } = options;
      const body = stopAtSummary ? options : rest;
      return reviveContextRead(await http.request('POST', `${path(conversationId)}/read-context`, { scope, body, idempotent: true, operation: 'readContext' }));
    },
    async deleteMessage(scope, conversationId, messageId) {
      return orAbsent(http.request('DELETE', `${path(conversationId)}/messages/${encodeURIComponent(messageId)}`, { scope, idempotent: false, operation: 'deleteMessage' }).then(() => true), false);
    },

    async getSummary(scope, conversationId) {
      const { summary } = await http.request<{ summary: unknown }>('GET', `${path(conversationId)}/summary`, { scope, idempotent: true, operation: 'getSummary' });
      return reviveSummary(summary);
    },
    async putSummary(scope, conversationId, summary, options) {
      const result = await http.request<{ applied: boolean; current: unknown }>('PUT', `${path(conversationId)}/summary`, {
        scope,
        body: { summary, expectedCoversThroughSeq: options.expectedCoversThroughSeq },
        idempotent: false,
        operation: 'putSummary',
      });
      return { applied: result.applied, current: reviveSummary(result.current) };
    },

    async readConversation(scope, conversationId) {
      const parsed = await parseExport(await http.request('GET', `${path(conversationId)}/export`, { scope, idempotent: true, operation: 'exportConversation' }));
      const messages: Message[] = parsed.messages.map((message) => ({ ...message, conversationId: parsed.conversation.id }));
      const { lastSeq, ...fields } = parsed.conversation;
      const conversation = { ...dropUndefined(fields), ...scope, messageCount: messages.length, tokenCount: totalPrimaryTokens(messages), lastSeq } as Conversation;
      return { conversation, messages, summary: parsed.summary };
    },
    async writeConversation(scope, snapshot) {
      return reviveConversation(
        await http.request('POST', '/v1/conversations/import', { scope, body: buildExport(snapshot.conversation, snapshot.messages, snapshot.summary), idempotent: false, operation: 'importConversation' }),
      );
    },
    async eraseUser(scope) {
      return http.request<ErasureResult>('DELETE', `/v1/users/${encodeURIComponent(scope.userId)}`, { scope: { tenantId: scope.tenantId }, idempotent: false, operation: 'eraseUser' });
    },

    ...(capabilities.lexicalSearch.available
      ? {
          async searchMessages(scope: Scope, options: Parameters<NonNullable<StoreDriver['searchMessages']>>[1]) {
            const { hits } = await http.request<{ hits: unknown }>('POST', '/v1/search', { scope, body: options, idempotent: true, operation: 'searchMessages' });
            return reviveSearchHits(hits);
          },
        }
      : {}),
    ...(capabilities.vectorSearch.available
      ? {
          vectors: {
            async upsert(scope, records) {
              await http.request('POST', '/v1/vectors', { scope, body: { records }, idempotent: true, operation: 'vectors.upsert' });
            },
            async search(scope, options) {
              return (await http.request<{ hits: VectorHit[] }>('POST', '/v1/vectors/search', { scope, body: options, idempotent: true, operation: 'vectors.search' })).hits;
            },
            async has(scope, query) {
              const { targetIds } = await http.request<{ targetIds: string[] }>('POST', '/v1/vectors/has', { scope, body: query, idempotent: true, operation: 'vectors.has' });
              return new Set(targetIds);
            },
          } satisfies StoreDriver['vectors'],
        }
      : {}),
    ...(capabilities.memories.available ? { memories } : {}),
    ...(capabilities.ttlSweep.available
      ? {
          async sweepExpired(options: { readonly limit: number }) {
            return (await http.request<{ deleted: number }>('POST', '/v1/sweep', { body: { limit: options.limit }, idempotent: false, operation: 'sweepExpired' })).deleted;
          },
        }
      : {}),
  };
  return driver;
}

function dropUndefined<T extends object>(object: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result as T;
}
