import { z } from '@hono/zod-openapi';
import { CapabilityError, NotFoundError } from '../../errors.js';
import { defineRoute, jsonBody, jsonResponse, valid, type ServerApp, type ServerDeps } from '../route-kit.js';
import { AnyObject, SweepSchema, UserIdParam } from '../schemas.js';

export function registerAdminRoutes(app: ServerApp, deps: ServerDeps): void {
  defineRoute(
    app,
    {
      method: 'delete',
      path: '/v1/users/{userId}',
      role: 'admin',
      summary: 'Erase everything of one user of the key tenant (right to erasure)',
      request: { params: UserIdParam },
      responses: { 200: jsonResponse(z.object({ conversations: z.number().int(), messages: z.number().int(), memories: z.number().int() }), 'What was erased') },
    },
    async (c, scope) => {
      const { userId } = valid<{ userId: string }>(c, 'param');
      // A user-bound key reaches only its own user: any other user is absent for it.
      if (scope.userId !== undefined && scope.userId !== userId) throw new NotFoundError({ kind: 'conversation', id: userId });
      return c.json(await deps.current().store.eraseUser({ tenantId: scope.tenantId, userId }), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/v1/sweep',
      role: 'admin',
      summary: 'Delete up to `limit` expired conversations (expired data already behaves as absent)',
      request: jsonBody(SweepSchema),
      responses: { 200: jsonResponse(z.object({ deleted: z.number().int() }), 'How many were deleted') },
    },
    async (c) => {
      const store = deps.current().store;
      if (!store.sweepExpired) throw new CapabilityError({ store: store.name, capability: 'TTL sweep', hint: store.capabilities.ttlSweep.available ? 'unavailable' : store.capabilities.ttlSweep.reason });
      const { limit } = valid<{ limit?: number }>(c, 'json');
      return c.json({ deleted: await store.sweepExpired(limit !== undefined ? { limit } : {}) }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/v1/capabilities',
      role: 'read',
      summary: "The server store's name and capabilities, and the key's scope and role",
      responses: { 200: jsonResponse(AnyObject, 'Capabilities') },
    },
    async (c, scope) => {
      const store = deps.current().store;
      const { key } = c.get('auth');
      return c.json({ store: store.name, capabilities: store.capabilities, scope, role: key.role, limits: deps.limits }, 200);
    },
  );
}
