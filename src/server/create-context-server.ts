import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { ContextManager, type ContextManagerOptions } from '../context-manager.js';
import { ValidationError } from '../errors.js';
import type { Store } from '../spec/store.js';
import { constantTimeEqual, createApiKeys, type ApiKeys, type KeyRole } from './api-keys.js';
import { authenticate } from './authenticate.js';
import { problem, ProblemError, problemResponse, toProblem } from './problem.js';
import { readJsonBody } from './request-body.js';
import type { ResolvedLimits, ServerApp, ServerDeps, ServerEnv } from './route-kit.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerSearchAndMemoryRoutes } from './routes/search-and-memories.js';
import { inspectorRoutes } from './inspector/index.js';

/** Request limits; each answers with a problem naming the limit and what to do. */
export interface ServerLimits {
  /** Largest request body in bytes; larger answers 413. @default 8 MiB */
  readonly maxBodyBytes?: number;
  /** Most messages per append; more answers 400. @default 1000 */
  readonly maxBatchMessages?: number;
  /** Longest a request may take in ms; longer answers 504 (the store call itself is not cancelled). @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Deepest JSON nesting of a request body; deeper answers 400. @default 100 */
  readonly maxJsonDepth?: number;
}

/**
 * Test-only hooks, off unless passed (`llm-context serve` passes them only when the
 * `LLM_CONTEXT_TEST_TOKEN` environment variable is set). Every hook needs the header
 * `x-llm-context-test-token: <token>`; without it requests behave as in production.
 */
export interface ServerTestingOptions {
  /** Shared secret of the test run (≥ 16 characters). */
  readonly token: string;
  /** Sets the store's clock from the header `x-llm-context-test-now: <ms since epoch>` (so the store contract's TTL tests can drive time). */
  readonly setNow?: (ms: number) => void;
  /** `POST /_test/reset`: swaps in a fresh empty store and creates the API keys the body lists; answers `{ keys }`. */
  readonly createStore?: () => Promise<Store>;
}

export interface ContextServerOptions {
  /** The store the API serves; API keys are kept in it too (under a reserved tenant). */
  readonly store: Store;
  /** Server secret (≥ 32 characters) the API keys' HMACs are keyed with. */
  readonly secret: string;
  /** Options of the `ContextManager` that answers `POST /v1/conversations/{id}/context` and plain appends. */
  readonly managerOptions?: Omit<ContextManagerOptions, 'store'>;
  readonly limits?: ServerLimits;
  /** How long a verified key is cached in ms (a revocation takes effect within it). @default 5000 */
  readonly keyCacheMs?: number;
  /** Called with every error answered with a 5xx (for logging); the response never carries internals. */
  readonly onError?: (error: unknown, request: Request) => void;
  readonly testing?: ServerTestingOptions;
}

export interface ContextServer {
  /** A standard fetch handler: Node (`@hono/node-server`), Bun, Deno, Workers, or a Next.js route. */
  fetch(request: Request): Promise<Response>;
  /**
   * The Hono app, for mounting more routes (e.g. an inspector page at `GET /inspect`) before
   * serving. Routes under `/v1/` get the API key check; use {@link ContextServer.authenticate} elsewhere.
   */
  readonly app: ServerApp;
  /** API key management over the same store (what `llm-context keys` uses). */
  readonly keys: ApiKeys;
  /** The key check as Hono middleware, for routes mounted outside `/v1/`. */
  readonly authenticate: ReturnType<typeof authenticate>;
}

const TEST_TOKEN_HEADER = 'x-llm-context-test-token';

/**
 * The context server: the HTTP API of llm-context over any {@link Store}, as a fetch handler. Built
 * with Hono and `@hono/zod-openapi`; the OpenAPI 3.1 document is served at `GET /v1/openapi.json`.
 * `GET /healthz` and the inspector page `GET /inspect` need no key (the page holds no data: a
 * browser opening it cannot send a header, so it asks for the key and sends it on every API call);
 * every `/v1` route answers 401 without a valid API key, and the key's tenant (and user) bound
 * every read and write. Errors are RFC 9457 problem+json with the
 * library's error `code`. Imports no `node:` module.
 *
 * @example
 * ```ts
 * const server = createContextServer({ store: createMemoryStore(), secret: process.env.LLM_CONTEXT_SERVER_SECRET! });
 * const { key } = await server.keys.create({ tenantId: 'acme', role: 'write' });
 * export default { fetch: server.fetch }; // Workers, Bun, Deno
 * ```
 * @throws {ValidationError} when the secret is shorter than 32 characters.
 */
export function createContextServer(options: ContextServerOptions): ContextServer {
  const limits: ResolvedLimits = {
    maxBodyBytes: options.limits?.maxBodyBytes ?? 8 * 1024 * 1024,
    maxBatchMessages: options.limits?.maxBatchMessages ?? 1000,
    requestTimeoutMs: options.limits?.requestTimeoutMs ?? 30_000,
    maxJsonDepth: options.limits?.maxJsonDepth ?? 100,
  };
  const build = (store: Store) => ({ store, manager: new ContextManager({ ...options.managerOptions, store }), keys: createApiKeys({ store, secret: options.secret }) });
  let current = build(options.store);
  const deps: ServerDeps = { current: () => current, limits };

  const app: ServerApp = new OpenAPIHono<ServerEnv>({
    defaultHook: (result) => {
      if (result.success) return undefined;
      const issue = result.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      return problemResponse(problem('invalid_input', `${field}: ${issue?.message ?? 'is invalid'}`, { field }));
    },
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(problem(error.status === 413 ? 'payload_too_large' : 'invalid_input', error.status === 400 ? 'The request body is not valid JSON.' : error.message));
    }
    const value = toProblem(error);
    if (value.status >= 500 && value.code !== 'request_timeout') options.onError?.(error, c.req.raw);
    return problemResponse(value);
  });
  app.notFound(() => problemResponse(problem('route_not_found', 'No such route. See GET /v1/openapi.json for the API.')));

  app.use('*', async (_c, next) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ProblemError(problem('request_timeout', `The request took longer than ${limits.requestTimeoutMs} ms and was answered without a result; it may still complete. Retry with an Idempotency-Key, or raise limits.requestTimeoutMs.`))), limits.requestTimeoutMs);
    });
    try {
      await Promise.race([next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  });

  const testing = options.testing;
  if (testing) {
    if (testing.token.length < 16) throw new ValidationError({ field: 'testing.token', message: 'must be at least 16 characters' });
    const isTest = (header: string | undefined) => header !== undefined && constantTimeEqual(header, testing.token);
    app.use('*', async (c, next) => {
      const now = c.req.header('x-llm-context-test-now');
      if (now !== undefined && testing.setNow && isTest(c.req.header(TEST_TOKEN_HEADER))) testing.setNow(Number(now));
      return next();
    });
    if (testing.createStore) {
      const createStore = testing.createStore;
      app.post('/_test/reset', async (c) => {
        if (!isTest(c.req.header(TEST_TOKEN_HEADER))) return problemResponse(problem('route_not_found', 'No such route.'));
        const body = (await c.req.json()) as { keys?: Array<{ tenantId: string; userId?: string; role?: KeyRole }> };
        const previous = current.store;
        current = build(await createStore());
        await previous.close?.();
        const keys: string[] = [];
        for (const spec of body.keys ?? []) keys.push((await current.keys.create(spec)).key);
        return c.json({ keys });
      });
    }
  }

  app.get('/healthz', (c) => c.json({ ok: true, store: current.store.name }));
  // The web inspector (GET /inspect): a page holding no data, so it loads without a key; every
  // data call it makes goes to /v1/ with the key entered on the page (src/server/inspector/).
  app.route('/inspect', inspectorRoutes());

  const auth = authenticate({ keys: () => current.keys, cacheMs: options.keyCacheMs ?? 5000 });
  // The key first: a request without one is refused before its body is read.
  app.use('/v1/*', auth);
  app.use('/v1/*', readJsonBody(limits));

  registerConversationRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerSearchAndMemoryRoutes(app, deps);
  registerAdminRoutes(app, deps);

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'An API key from `llm-context keys create`' });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'llm-context server', version: '1', description: 'Conversations, messages, context assembly, search and memories, scoped by API key.' },
  });

  return {
    fetch: async (request) => app.fetch(request),
    app,
    get keys() {
      return current.keys;
    },
    authenticate: auth,
  };
}
