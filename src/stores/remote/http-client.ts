import { ConversationExpiredError, LLMContextError, NotFoundError, ServerRequestError, StateConflictError, StoreError, ValidationError, type ErrorCode } from '../../errors.js';
import type { Scope } from '../../types.js';

/** How the remote store reaches the server. */
export interface HttpClientOptions {
  /** Base URL of `llm-context serve`, e.g. `https://context.example.com`. */
  readonly url: string;
  /**
   * An API key, or a function choosing the key for a scope (one key per tenant, for multi-tenant
   * callers); it gets `undefined` for the calls without a scope (`sweepExpired`, `connectRemoteStore`).
   */
  readonly apiKey: string | ((scope: Scope | undefined) => string);
  /** The fetch to use (tests and edge runtimes pass their own). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Attempts of an idempotent request after a network error or a 502/503/504. @default 3 */
  readonly retries?: number;
  /** First retry delay in ms, doubled each attempt with ±50 % jitter. @default 50 */
  readonly retryDelayMs?: number;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RequestOptions {
  readonly scope?: Scope;
  readonly query?: Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Safe to send twice: reads, upserts, and appends (which carry an `Idempotency-Key` and message
   * ids). Only these are retried; a non-idempotent request that fails in flight is reported, never resent.
   */
  readonly idempotent: boolean;
  /** The library operation, for error messages. */
  readonly operation: string;
}

export interface HttpClient {
  /** @returns the parsed JSON body of a 2xx answer. @throws {LLMContextError} with the server's error code. */
  request<T>(method: string, path: string, options: RequestOptions): Promise<T>;
}

const LIBRARY_CODES = new Set<ErrorCode>(['invalid_input', 'invalid_budget', 'budget_too_small', 'not_found', 'conversation_exists', 'state_conflict', 'idempotency_conflict', 'capability_absent', 'store_unavailable', 'store_error']);
const SERVER_CODES = new Set(['unauthorized', 'forbidden', 'payload_too_large', 'request_timeout', 'route_not_found']);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.url.replace(/\/+$/, '');
  const fetcher = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 50;
  const keyFor = (scope: Scope | undefined) => (typeof options.apiKey === 'string' ? options.apiKey : options.apiKey(scope));

  return {
    async request<T>(method: string, path: string, request: RequestOptions): Promise<T> {
      const url = new URL(base + path);
      for (const [name, value] of Object.entries(request.query ?? {})) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
        else url.searchParams.set(name, String(value));
      }
      const headers: Record<string, string> = { ...options.headers, authorization: `Bearer ${keyFor(request.scope)}`, ...request.headers };
      if (request.scope) {
        headers['x-llm-context-tenant'] = encodeURIComponent(request.scope.tenantId);
        if (request.scope.userId !== undefined) headers['x-llm-context-user'] = encodeURIComponent(request.scope.userId);
      }
      let body: string | undefined;
      if (request.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(request.body);
      }
      const attempts = request.idempotent ? retries + 1 : 1;
      for (let attempt = 1; ; attempt += 1) {
        let response: Response;
        try {
          response = await fetcher(url, { method, headers, ...(body !== undefined ? { body } : {}) });
        } catch (error) {
          if (attempt < attempts) {
            await sleep(backoff(retryDelayMs, attempt));
            continue;
          }
          throw new StoreError({
            store: 'remote',
            operation: request.operation,
            retryable: request.idempotent,
            detail: request.idempotent
              ? `the server at ${base} could not be reached after ${attempts} attempts.`
              : `the connection to ${base} failed; the write may or may not have been applied. Read back before retrying.`,
            cause: error,
          });
        }
        if (response.ok) return (await response.json()) as T;
        if (request.idempotent && attempt < attempts && (response.status === 502 || response.status === 503 || response.status === 504)) {
          await response.body?.cancel().catch(() => undefined);
          await sleep(backoff(retryDelayMs, attempt));
          continue;
        }
        throw await errorFrom(response, request.operation);
      }
    },
  };
}

function backoff(baseMs: number, attempt: number): number {
  return baseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The server's problem+json as the library error it stands for. */
async function errorFrom(response: Response, operation: string): Promise<LLMContextError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // Not problem+json (a proxy's page): described by status below.
  }
  const code = typeof body.code === 'string' ? body.code : '';
  const detail = typeof body.detail === 'string' ? body.detail : `HTTP ${response.status} from the server during ${operation}`;
  if (code === 'state_conflict' && typeof body.expectedVersion === 'number' && typeof body.actualVersion === 'number') {
    return new StateConflictError({ expectedVersion: body.expectedVersion, actualVersion: body.actualVersion });
  }
  if ((code === 'invalid_input' || code === 'invalid_budget') && typeof body.field === 'string') {
    const error = new ValidationError({ field: body.field, message: detail, code });
    Object.defineProperty(error, 'message', { value: detail });
    return error;
  }
  if (code === 'not_found' && typeof body.id === 'string') {
    if (body.reason === 'expired' && typeof body.expiredAt === 'string') return new ConversationExpiredError({ id: body.id, expiredAt: new Date(body.expiredAt) });
    const kind = body.kind === 'message' || body.kind === 'memory' ? body.kind : 'conversation';
    return new NotFoundError({ kind, id: body.id, message: detail });
  }
  if (LIBRARY_CODES.has(code as ErrorCode)) return new LLMContextError({ code: code as ErrorCode, message: detail, retryable: body.retryable === true });
  if (SERVER_CODES.has(code)) return new ServerRequestError({ code: code as ConstructorParameters<typeof ServerRequestError>[0]['code'], status: response.status, message: detail, retryable: response.status === 504 });
  return new StoreError({ store: 'remote', operation, detail: `the server answered HTTP ${response.status}${code ? ` (${code})` : ''}: ${detail}`, retryable: response.status >= 500 });
}
