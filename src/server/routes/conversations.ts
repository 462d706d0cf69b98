import { z } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../errors.js';
import { reviveSummary } from '../../spec/wire-format.js';
import type { CreateConversationInput, JsonObject, Summary, TtlPolicy, UpdateConversationInput } from '../../types.js';
import { defineRoute, jsonBody, jsonResponse, valid, type ServerApp, type ServerDeps } from '../route-kit.js';
import {
  ConversationSchema,
  CreateConversationSchema,
  ExportSchema,
  ForkSchema,
  IdParam,
  ListConversationsQuery,
  PutSummarySchema,
  StateSchema,
  SummarySchema,
  UpdateConversationSchema,
} from '../schemas.js';

type TtlFields = { ttlSeconds?: number | null; ttl?: TtlPolicy | null };

/** `ttlSeconds` is a sliding-TTL shorthand for `ttl`; giving both is ambiguous. */
function ttlOf(body: TtlFields): TtlPolicy | null | undefined {
  if (body.ttlSeconds !== undefined && body.ttl !== undefined) throw new ValidationError({ field: 'ttlSeconds', message: 'give either ttlSeconds or ttl, not both' });
  if (body.ttlSeconds === null) return null;
  if (body.ttlSeconds !== undefined) return { seconds: body.ttlSeconds, mode: 'sliding' };
  return body.ttl;
}

export function createInput(body: Record<string, unknown>): CreateConversationInput {
  const { ttlSeconds, ttl: _ttl, ifExists: _ifExists, ...rest } = body as TtlFields & Record<string, unknown>;
  const ttl = ttlOf({ ...(ttlSeconds !== undefined ? { ttlSeconds } : {}), ...(body.ttl !== undefined ? { ttl: body.ttl as TtlPolicy } : {}) });
  return { ...(rest as CreateConversationInput), ...(ttl ? { ttl } : {}) };
}

export function registerConversationRoutes(app: ServerApp, deps: ServerDeps): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations',
      role: 'write',
      summary: 'Create a conversation',
      request: jsonBody(CreateConversationSchema),
      responses: { 201: jsonResponse(ConversationSchema, 'Created'), 200: jsonResponse(ConversationSchema, 'Existing conversation (ifExists: "return")'), 409: { description: 'The id is taken' } },
    },
    async (c, scope) => {
      const body = valid(c, 'json');
      const ifExists = body.ifExists === 'return' ? 'return' : 'error';
      const conversation = await deps.current().store.createConversation(scope, createInput(body), { ifExists });
      return c.json(conversation, ifExists === 'return' ? 200 : 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/conversations',
      role: 'read',
      summary: 'List conversations, newest first (cursor pages)',
      request: { query: ListConversationsQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(ConversationSchema), nextCursor: z.string().optional() }), 'A page') },
    },
    async (c, scope) => {
      const query = valid<z.infer<typeof ListConversationsQuery>>(c, 'query');
      return c.json(await deps.current().store.listConversations(scope, query), 200);
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/v1/conversations/{id}', role: 'read', summary: 'Read a conversation', request: { params: IdParam }, responses: { 200: jsonResponse(ConversationSchema, 'The conversation') } },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const conversation = await deps.current().store.getConversation(scope, id);
      if (!conversation) throw new NotFoundError({ kind: 'conversation', id });
      return c.json(conversation, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/v1/conversations/{id}',
      role: 'write',
      summary: 'Update title, tags, metadata or TTL',
      request: { params: IdParam, ...jsonBody(UpdateConversationSchema) },
      responses: { 200: jsonResponse(ConversationSchema, 'Updated') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const body = valid<TtlFields & Record<string, unknown>>(c, 'json');
      const { ttlSeconds: _seconds, ttl: _ttl, ...rest } = body;
      const ttl = ttlOf(body);
      const patch: UpdateConversationInput = { ...(rest as UpdateConversationInput), ...(ttl !== undefined ? { ttl } : {}) };
      return c.json(await deps.current().store.updateConversation(scope, id, patch), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/v1/conversations/{id}',
      role: 'write',
      summary: 'Delete a conversation with its messages, summary and embeddings (forks are kept)',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ deleted: z.literal(true) }), 'Deleted') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      if (!(await deps.current().store.deleteConversation(scope, id))) throw new NotFoundError({ kind: 'conversation', id });
      return c.json({ deleted: true }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/v1/conversations/{id}/state',
      role: 'write',
      summary: 'Replace the state (optimistic concurrency with If-Match: <stateVersion>)',
      request: { params: IdParam, headers: z.object({ 'if-match': z.string().optional() }), ...jsonBody(StateSchema) },
      responses: { 200: jsonResponse(ConversationSchema, 'Updated; ETag is the new stateVersion'), 412: { description: 'If-Match differs from the stored version (code state_conflict)' } },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const { state } = valid<{ state: JsonObject }>(c, 'json');
      const ifMatch = c.req.header('if-match');
      let expectedVersion: number | undefined;
      if (ifMatch !== undefined) {
        const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(ifMatch);
        if (!match) throw new ValidationError({ field: 'If-Match', message: 'must be the stateVersion number, e.g. If-Match: "3"' });
        expectedVersion = Number(match[1]);
      }
      const conversation = await deps.current().store.updateState(scope, id, state, expectedVersion !== undefined ? { expectedVersion } : {});
      c.header('etag', `"${conversation.stateVersion}"`);
      return c.json(conversation, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/{id}/fork',
      role: 'write',
      summary: 'Fork a conversation at a message seq',
      request: { params: IdParam, ...jsonBody(ForkSchema) },
      responses: { 201: jsonResponse(ConversationSchema, 'The child conversation') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const body = valid<{ atSeq: number; conversation?: Record<string, unknown> }>(c, 'json');
      const child = await deps.current().store.forkConversation(scope, id, { atSeq: body.atSeq, ...(body.conversation ? { input: createInput(body.conversation) } : {}) });
      return c.json(child, 201);
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/v1/conversations/{id}/export', role: 'read', summary: 'Export a conversation as lossless JSON', request: { params: IdParam }, responses: { 200: jsonResponse(ExportSchema, 'The export document') } },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      return c.json(await deps.current().store.exportConversation(scope, id), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/conversations/import',
      role: 'write',
      summary: "Import an export document into the key's scope",
      request: jsonBody(ExportSchema),
      responses: { 201: jsonResponse(ConversationSchema, 'The imported conversation') },
    },
    async (c, scope) => c.json(await deps.current().store.importConversation(scope, valid(c, 'json') as never), 201),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/conversations/{id}/summary',
      role: 'read',
      summary: 'Read the stored rolling summary',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ summary: SummarySchema.nullable() }), 'The summary, or null') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      return c.json({ summary: await deps.current().store.getSummary(scope, id) }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/v1/conversations/{id}/summary',
      role: 'write',
      summary: 'Compare-and-set the summary on coversThroughSeq',
      request: { params: IdParam, ...jsonBody(PutSummarySchema) },
      responses: { 200: jsonResponse(z.object({ applied: z.boolean(), current: SummarySchema.nullable() }), 'Whether it was written, and the current summary') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const body = valid<{ summary: unknown; expectedCoversThroughSeq: number | null }>(c, 'json');
      const summary = reviveSummary(body.summary) as Summary;
      return c.json(await deps.current().store.putSummary(scope, id, summary, { expectedCoversThroughSeq: body.expectedCoversThroughSeq }), 200);
    },
  );
}
