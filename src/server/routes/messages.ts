import { z } from '@hono/zod-openapi';
import { ConversationExpiredError, LLMContextError, NotFoundError, ValidationError } from '../../errors.js';
import { prepareMessages } from '../../messages/prepare.js';
import type { AppendResult } from '../../spec/store.js';
import { stopTailAtSummary } from '../../spec/stop-tail-at-summary.js';
import { validateNewMessages } from '../../spec/validate.js';
import { sha256Hex } from '../../messages/content-hash.js';
import { reviveNewMessage } from '../../spec/wire-format.js';
import type { MessageInput, NewMessage } from '../../types.js';
import { defineRoute, jsonBody, jsonResponse, valid, type ServerApp, type ServerDeps } from '../route-kit.js';
import { AppendResultSchema, AppendSchema, ContextRequestSchema, ContextResultSchema, IdParam, ListMessagesQuery, MessageIdParams, MessageSchema, TailSchema, AnyObject } from '../schemas.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Message ids for a request's messages that have none, derived from its `Idempotency-Key`: a
 * retried request carries the same key, gets the same ids, and the store's idempotency by
 * message id returns the stored messages instead of writing them twice (on every backend, with
 * no idempotency table). A reused key with another body answers 409 `idempotency_conflict`.
 */
async function withIdempotentIds<T extends { id?: string }>(messages: readonly T[], key: string | undefined): Promise<T[]> {
  if (key === undefined) return [...messages];
  if (!IDEMPOTENCY_KEY.test(key)) throw new ValidationError({ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters' });
  const base = (await sha256Hex(`llm-context.idempotency:${key}`)).slice(0, 32);
  return messages.map((message, index) => (message.id === undefined ? { ...message, id: `idem_${base}_${index}` } : message));
}

export function registerMessageRoutes(app: ServerApp, deps: ServerDeps): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/{id}/messages',
      role: 'write',
      summary: 'Append a batch of messages atomically',
      description:
        'Messages as `{ role, content }` (AI SDK ModelMessage shape) are prepared by the server (ids, token counts, hashes), and a conversation that never existed (or was deleted) is created, as `ContextManager.append` does; an expired one answers 404 with `reason: "expired"` (create it again with POST /v1/conversations to reuse the id). Prepared messages (with `tokenCounts` and `contentHash`, as the remote store sends) are stored as given and the conversation must exist. The `Idempotency-Key` header makes a retried request write nothing new.',
      request: { params: IdParam, headers: z.object({ 'idempotency-key': z.string().optional() }), ...jsonBody(AppendSchema) },
      responses: { 201: jsonResponse(AppendResultSchema, 'Appended (inserted > 0)'), 200: jsonResponse(AppendResultSchema, 'Already stored (inserted = 0)') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const body = valid<{ messages: Array<Record<string, unknown>>; dedupeByContentHash?: boolean }>(c, 'json');
      const { maxBatchMessages } = deps.limits;
      if (body.messages.length > maxBatchMessages) {
        throw new ValidationError({ field: 'messages', message: `holds ${body.messages.length} messages; at most ${maxBatchMessages} per request. Split the batch.` });
      }
      const prepared = body.messages.filter((message) => message.tokenCounts !== undefined || message.contentHash !== undefined).length;
      if (prepared !== 0 && prepared !== body.messages.length) throw new ValidationError({ field: 'messages', message: 'mixes prepared messages (with tokenCounts/contentHash) and plain ones; send one kind per request' });
      const messages = await withIdempotentIds(body.messages as Array<{ id?: string }>, c.req.header('idempotency-key'));
      const { store, manager } = deps.current();
      const options = body.dedupeByContentHash ? { dedupeByContentHash: true } : {};
      let batch: NewMessage[];
      if (prepared > 0) batch = messages.map(reviveNewMessage) as NewMessage[];
      else {
        batch = await prepareMessages(messages.map((message) => reviveInput(message as Record<string, unknown>)), { tokenizer: await manager.getTokenizer() });
        // Validated before anything is written: a bad batch must not leave the conversation it would have created.
        await validateNewMessages(batch);
      }
      let result: AppendResult;
      try {
        result = await store.appendMessages(scope, id, batch, options);
      } catch (error) {
        // Plain messages create their conversation on first append, as ContextManager.append does by
        // default; an expired one is reported, not silently recreated without its TTL.
        if (prepared > 0 || !(LLMContextError.isInstance(error) && error.code === 'not_found') || ConversationExpiredError.isInstance(error)) throw error;
        await store.createConversation(scope, { id }, { ifExists: 'return' });
        result = await store.appendMessages(scope, id, batch, options);
      }
      return c.json(result, result.inserted > 0 ? 201 : 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/conversations/{id}/messages',
      role: 'read',
      summary: 'Page through messages by seq',
      request: { params: IdParam, query: ListMessagesQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(MessageSchema) }), 'Messages') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const query = valid<z.infer<typeof ListMessagesQuery>>(c, 'query');
      const items = await deps.current().store.listMessages(scope, id, { order: query.order ?? 'asc', limit: query.limit ?? 100, ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}), ...(query.beforeSeq !== undefined ? { beforeSeq: query.beforeSeq } : {}) });
      return c.json({ items }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/v1/conversations/{id}/messages/{messageId}',
      role: 'write',
      summary: 'Delete one message (its seq is never reused)',
      request: { params: MessageIdParams },
      responses: { 200: jsonResponse(z.object({ deleted: z.literal(true) }), 'Deleted') },
    },
    async (c, scope) => {
      const { id, messageId } = valid<{ id: string; messageId: string }>(c, 'param');
      if (!(await deps.current().store.deleteMessage(scope, id, messageId))) throw new NotFoundError({ kind: 'message', id: messageId });
      return c.json({ deleted: true }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/{id}/tail',
      role: 'read',
      summary: 'Read the newest messages up to a token total (Store.getTail)',
      request: { params: IdParam, ...jsonBody(TailSchema) },
      responses: { 200: jsonResponse(z.object({ messages: z.array(MessageSchema), reachedStart: z.boolean() }), 'The tail') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const { pinnedMemories: _pinned, stopAtSummary: _stop, ...options } = valid<z.infer<typeof TailSchema>>(c, 'json');
      return c.json(await deps.current().store.getTail(scope, id, options), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/{id}/read-context',
      role: 'read',
      summary: 'The conversation, its tail, summary and pinned memories in one call (Store.readContext)',
      request: { params: IdParam, ...jsonBody(TailSchema) },
      responses: { 200: jsonResponse(AnyObject, 'ContextRead') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const options = valid<z.infer<typeof TailSchema>>(c, 'json');
      const store = deps.current().store;
      if (store.readContext) return c.json(await store.readContext(scope, id, options), 200);
      // The server's store reads separately; the answer is the same (see Store.readContext).
      const [conversation, tail] = await Promise.all([store.getConversation(scope, id), store.getTail(scope, id, options)]);
      if (!conversation) return c.json({ conversation: null, tail: { messages: [], reachedStart: true }, summary: null }, 200);
      const pinnedMemories = options.pinnedMemories ?? 0;
      const [summary, pinned, unpinned] = await Promise.all([
        store.getSummary(scope, id),
        pinnedMemories > 0 && store.memories ? store.memories.list(scope, { pinned: true, limit: pinnedMemories }) : undefined,
        pinnedMemories > 0 && store.memories ? store.memories.list(scope, { pinned: false, limit: 1 }) : undefined,
      ]);
      const memories = pinned && unpinned ? { memories: { pinned: pinned.items, morePinned: pinned.nextCursor !== undefined, unpinned: unpinned.items.length > 0 } } : {};
      const read = { conversation, tail, summary, ...memories };
      return c.json(options.stopAtSummary ? stopTailAtSummary(read) : read, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/{id}/context',
      role: 'read',
      summary: 'Assemble the prompt for the next call under a token budget',
      description: 'Returns `{ messages, report }` exactly as `ContextManager.assemble` does.',
      request: { params: IdParam, ...jsonBody(ContextRequestSchema) },
      responses: { 200: jsonResponse(ContextResultSchema, 'The assembled messages and the token report'), 422: { description: 'The budget cannot hold the fixed parts (code budget_too_small)' } },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const body = valid<z.infer<typeof ContextRequestSchema>>(c, 'json');
      const result = await deps.current().manager.assemble(id, { scope, ...body } as never);
      return c.json(result, 200);
    },
  );
}

function reviveInput(message: Record<string, unknown>): MessageInput {
  if (typeof message.createdAt !== 'string') return message as unknown as MessageInput;
  const createdAt = new Date(message.createdAt);
  if (Number.isNaN(createdAt.getTime())) throw new ValidationError({ field: 'messages.createdAt', message: 'must be an ISO-8601 date string' });
  return { ...message, createdAt } as unknown as MessageInput;
}
