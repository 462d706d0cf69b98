import { z } from '@hono/zod-openapi';
import { CapabilityError, NotFoundError } from '../../errors.js';
import type { MemoryStore, Store, VectorIndex } from '../../spec/store.js';
import type { MemoryInput, NewMemory } from '../../types.js';
import { defineRoute, jsonBody, jsonResponse, valid, type ServerApp, type ServerDeps } from '../route-kit.js';
import {
  AnyObject,
  EmbeddingRecordsSchema,
  IdParam,
  ListMemoriesQuery,
  MemoryHistoryQuery,
  MemoryInSchema,
  MemoryPatchSchema,
  MemorySearchBodySchema,
  MessageSchema,
  SearchBodySchema,
  SearchQuery,
  VectorHasSchema,
  VectorSearchSchema,
} from '../schemas.js';

const HitsSchema = z.object({ hits: z.array(z.object({ message: MessageSchema, score: z.number() })) });

function searchOf(store: Store): NonNullable<Store['searchMessages']> {
  if (!store.searchMessages) throw new CapabilityError({ store: store.name, capability: 'lexical search', hint: store.capabilities.lexicalSearch.available ? 'unavailable' : store.capabilities.lexicalSearch.reason });
  return store.searchMessages.bind(store);
}

function memoriesOf(store: Store): MemoryStore {
  if (!store.memories) throw new CapabilityError({ store: store.name, capability: 'memories', hint: store.capabilities.memories.available ? 'unavailable' : store.capabilities.memories.reason });
  return store.memories;
}

function vectorsOf(store: Store): VectorIndex {
  if (!store.vectors) throw new CapabilityError({ store: store.name, capability: 'vector search', hint: store.capabilities.vectorSearch.available ? 'unavailable' : store.capabilities.vectorSearch.reason });
  return store.vectors;
}

function tagList(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

export function registerSearchAndMemoryRoutes(app: ServerApp, deps: ServerDeps): void {
  defineRoute(
    app,
    { method: 'get', path: '/v1/search', role: 'read', summary: "Lexical search over the key's messages, best first", request: { query: SearchQuery }, responses: { 200: jsonResponse(HitsSchema, 'Hits') } },
    async (c, scope) => {
      const query = valid<z.infer<typeof SearchQuery>>(c, 'query');
      const tags = tagList(query.tag);
      const hits = await searchOf(deps.current().store)(scope, {
        query: query.q,
        ...(query.conversationId !== undefined ? { conversationId: query.conversationId } : {}),
        ...(query.beforeSeq !== undefined ? { beforeSeq: query.beforeSeq } : {}),
        ...(tags ? { tags } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return c.json({ hits }, 200);
    },
  );

  defineRoute(
    app,
    { method: 'post', path: '/v1/search', role: 'read', summary: 'Lexical search with options in the body (Store.searchMessages)', request: jsonBody(SearchBodySchema), responses: { 200: jsonResponse(HitsSchema, 'Hits') } },
    async (c, scope) => c.json({ hits: await searchOf(deps.current().store)(scope, valid(c, 'json') as never) }, 200),
  );

  // Memories: static paths before `{id}`.
  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/memories/search',
      role: 'read',
      summary: 'Lexical memory search, best first',
      request: jsonBody(MemorySearchBodySchema),
      responses: { 200: jsonResponse(z.object({ hits: z.array(z.object({ memory: AnyObject, score: z.number() })) }), 'Hits') },
    },
    async (c, scope) => c.json({ hits: await memoriesOf(deps.current().store).search(scope, valid(c, 'json') as never) }, 200),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/memories',
      role: 'write',
      summary: 'Create a memory, or update the one with the same key',
      description: 'A memory with `tokenCounts` and `contentHash` (prepared, as the remote store sends) is stored as given; otherwise the server derives them.',
      request: jsonBody(MemoryInSchema),
      responses: { 200: jsonResponse(AnyObject, 'The stored memory') },
    },
    async (c, scope) => {
      const body = valid<Record<string, unknown>>(c, 'json');
      const { store, manager } = deps.current();
      if (body.tokenCounts !== undefined || body.contentHash !== undefined) return c.json(await memoriesOf(store).put(scope, body as unknown as NewMemory), 200);
      memoriesOf(store);
      return c.json(await manager.memories.put(body as unknown as MemoryInput, { scope }), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/memories',
      role: 'read',
      summary: 'List memories, newest first',
      request: { query: ListMemoriesQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(AnyObject), nextCursor: z.string().optional() }), 'A page') },
    },
    async (c, scope) => {
      const query = valid<z.infer<typeof ListMemoriesQuery>>(c, 'query');
      const tags = tagList(query.tag);
      const page = await memoriesOf(deps.current().store).list(scope, {
        ...(tags ? { tags } : {}),
        ...(query.pinned !== undefined ? { pinned: query.pinned === 'true' } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      });
      return c.json(page, 200);
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/v1/memories/{id}', role: 'read', summary: 'Read a memory', request: { params: IdParam }, responses: { 200: jsonResponse(AnyObject, 'The memory') } },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const memory = await memoriesOf(deps.current().store).get(scope, id);
      if (!memory) throw new NotFoundError({ kind: 'memory', id });
      return c.json(memory, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/memories/{id}/history',
      role: 'read',
      summary: 'The versions of a memory, newest first (the current one, then the superseded ones with validTo)',
      request: { params: IdParam, query: MemoryHistoryQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(AnyObject) }), 'Versions; empty when the memory is absent') },
    },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const { limit } = valid<z.infer<typeof MemoryHistoryQuery>>(c, 'query');
      return c.json({ items: await memoriesOf(deps.current().store).history(scope, id, limit !== undefined ? { limit } : {}) }, 200);
    },
  );

  defineRoute(
    app,
    { method: 'patch', path: '/v1/memories/{id}', role: 'write', summary: 'Update a memory', request: { params: IdParam, ...jsonBody(MemoryPatchSchema) }, responses: { 200: jsonResponse(AnyObject, 'The memory') } },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      const patch = valid<Record<string, unknown>>(c, 'json');
      const { store, manager } = deps.current();
      const memories = memoriesOf(store);
      if (patch.tokenCounts !== undefined || patch.contentHash !== undefined || patch.text === undefined) return c.json(await memories.update(scope, id, patch as never), 200);
      return c.json(await manager.memories.update(id, { ...patch, scope }), 200);
    },
  );

  defineRoute(
    app,
    { method: 'delete', path: '/v1/memories/{id}', role: 'write', summary: 'Delete a memory', request: { params: IdParam }, responses: { 200: jsonResponse(z.object({ deleted: z.literal(true) }), 'Deleted') } },
    async (c, scope) => {
      const { id } = valid<{ id: string }>(c, 'param');
      if (!(await memoriesOf(deps.current().store).delete(scope, id))) throw new NotFoundError({ kind: 'memory', id });
      return c.json({ deleted: true }, 200);
    },
  );

  defineRoute(
    app,
    { method: 'post', path: '/v1/vectors', role: 'write', summary: 'Upsert embeddings (Store.vectors.upsert)', request: jsonBody(EmbeddingRecordsSchema), responses: { 200: jsonResponse(z.object({ upserted: z.number().int() }), 'Stored') } },
    async (c, scope) => {
      const { records } = valid<{ records: never[] }>(c, 'json');
      await vectorsOf(deps.current().store).upsert(scope, records);
      return c.json({ upserted: records.length }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/vectors/search',
      role: 'read',
      summary: 'Nearest embeddings by cosine similarity (Store.vectors.search)',
      request: jsonBody(VectorSearchSchema),
      responses: { 200: jsonResponse(z.object({ hits: z.array(AnyObject) }), 'Hits') },
    },
    async (c, scope) => c.json({ hits: await vectorsOf(deps.current().store).search(scope, valid(c, 'json') as never) }, 200),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/vectors/has',
      role: 'read',
      summary: 'Which targets already have an embedding for a model (Store.vectors.has)',
      request: jsonBody(VectorHasSchema),
      responses: { 200: jsonResponse(z.object({ targetIds: z.array(z.string()) }), 'Target ids with an embedding') },
    },
    async (c, scope) => c.json({ targetIds: [...(await vectorsOf(deps.current().store).has(scope, valid(c, 'json') as never))] }, 200),
  );
}
