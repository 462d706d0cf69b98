import { createRoute, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContextManager } from '../context-manager.js';
import type { Store } from '../spec/store.js';
import type { Scope } from '../types.js';
import { ROLE_RANK, type ApiKeyRecord, type KeyRole } from './api-keys.js';
import { problem, ProblemError } from './problem.js';
import { ProblemSchema } from './schemas.js';

/** What the auth middleware resolved for a request: the key's record and the scope it acts in. */
export interface RequestAuth {
  readonly key: ApiKeyRecord;
  readonly scope: Scope;
}

export type ServerEnv = { Variables: { auth: RequestAuth } };
export type ServerApp = OpenAPIHono<ServerEnv>;
export type ServerContext = Context<ServerEnv>;

/** Resolved request limits (see `ServerLimits`). */
export interface ResolvedLimits {
  readonly maxBodyBytes: number;
  readonly maxBatchMessages: number;
  readonly requestTimeoutMs: number;
  readonly maxJsonDepth: number;
}

/** What routes read: the current store and its manager (the test-only reset swaps both). */
export interface ServerDeps {
  current(): { readonly store: Store; readonly manager: ContextManager };
  readonly limits: ResolvedLimits;
}

const problemContent = { 'application/problem+json': { schema: ProblemSchema } } as never;

/** A JSON response entry of a route's `responses`. */
export function jsonResponse<S>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body entry. */
export function jsonBody<S>(schema: S) {
  return { body: { required: true, content: { 'application/json': { schema } } } };
}

/**
 * Registers an OpenAPI route whose handler runs only for a key of at least `role` (403 otherwise)
 * and gets the key's scope. Every route answers problem+json on errors (documented once here).
 */
export function defineRoute(
  app: ServerApp,
  // Loosely typed: @asteasolutions/zod-to-openapi augments `zod`'s ZodType in a way zod 4.6's
  // re-exported declarations do not merge with, so its route types reject valid zod schemas.
  config: { method: RouteConfig['method']; path: string; role: KeyRole; summary?: string; description?: string; request?: object; responses: Record<number, object> },
  handler: (c: ServerContext, scope: Scope) => Promise<Response>,
): void {
  const { role, ...rest } = config;
  // The role is checked before the request is validated: a key that may not call the route learns nothing about its input rules.
  const checkRole: MiddlewareHandler<ServerEnv> = async (c, next) => {
    const auth = c.get('auth');
    if (ROLE_RANK[auth.key.role] < ROLE_RANK[role]) {
      throw new ProblemError(problem('forbidden', `This API key has role "${auth.key.role}"; this route needs "${role}". Create a key with --role ${role}.`));
    }
    return next();
  };
  const route = createRoute({
    ...(rest as unknown as RouteConfig),
    middleware: [checkRole] as never,
    security: [{ apiKey: [] }],
    description: `${rest.description ?? ''}\n\nNeeds a key with role \`${role}\` or higher.`.trim(),
    responses: {
      ...rest.responses,
      400: { description: 'Bad input (problem+json, code invalid_input)', content: problemContent },
      401: { description: 'Missing, unknown, expired or revoked key', content: problemContent },
      403: { description: 'The key role does not allow this', content: problemContent },
      404: { description: 'Not found in the key scope', content: problemContent },
    },
  });
  app.openapi(route, (async (c: ServerContext) => handler(c, c.get('auth').scope)) as never);
}

/** The validated part of a request (`c.req.valid`), typed loosely: routes re-check values with the store validators. */
export function valid<T = Record<string, unknown>>(c: ServerContext, target: 'json' | 'query' | 'param' | 'header'): T {
  return (c.req as unknown as { valid(target: string): T }).valid(target);
}
