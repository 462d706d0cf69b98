import { ConversationExpiredError, LLMContextError } from '../errors.js';

/**
 * RFC 9457 problem details (`application/problem+json`). Every error the server answers is one:
 * `code` is the library's error code (`src/errors.ts`), `detail` says what to fix and never
 * carries message text or metadata (conversations are user data).
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly retryable?: boolean;
  /** Input path of a validation error, e.g. `messages[2].content`. */
  readonly field?: string;
  /** State versions of a `state_conflict`. */
  readonly expectedVersion?: number;
  readonly actualVersion?: number;
  /** Of a `not_found`: `expired` for a conversation whose TTL passed (see `ConversationExpiredError`), else `absent`. */
  readonly reason?: 'absent' | 'expired';
  /** Of an expired conversation: when it expired (ISO 8601). */
  readonly expiredAt?: string;
  /** Of a `not_found`: what was asked for (`conversation`, `message`, `memory`) and its id. */
  readonly kind?: string;
  readonly id?: string;
}

/** HTTP status for each error code. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_input: 400,
  invalid_budget: 400,
  budget_too_small: 422,
  not_found: 404,
  route_not_found: 404,
  conversation_exists: 409,
  idempotency_conflict: 409,
  state_conflict: 412,
  capability_absent: 501,
  store_unavailable: 503,
  store_error: 500,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  request_timeout: 504,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problem(code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  const status = STATUS_BY_CODE[code] ?? 500;
  return { type: `urn:llm-context:problem:${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

/** A problem as a `Response` (with `WWW-Authenticate` on 401, as RFC 6750 asks). */
export function problemResponse(value: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status: value.status,
    headers: {
      'content-type': 'application/problem+json',
      ...(value.status === 401 ? { 'www-authenticate': 'Bearer realm="llm-context"' } : {}),
      ...headers,
    },
  });
}

/** Thrown inside the app to answer with a problem (caught by the app's error handler). */
export class ProblemError extends Error {
  readonly problem: Problem;
  constructor(value: Problem) {
    super(value.detail);
    this.name = 'ProblemError';
    this.problem = value;
  }
}

/** Maps any thrown value to a problem. Unknown errors become a 500 without internals. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  if (LLMContextError.isInstance(error)) {
    const extra: Record<string, unknown> = {};
    for (const name of ['field', 'expectedVersion', 'actualVersion', 'reason', 'kind', 'id'] as const) {
      const value = (error as unknown as Record<string, unknown>)[name];
      if (value !== undefined) extra[name] = value;
    }
    if (ConversationExpiredError.isInstance(error) && error.expiredAt instanceof Date) extra.expiredAt = error.expiredAt.toISOString();
    return problem(error.code, error.message, { ...(error.retryable ? { retryable: true } : {}), ...extra });
  }
  if (error instanceof RangeError) {
    // Deeply nested input that overflowed a recursive walk: bad input, nothing was written.
    return problem('invalid_input', 'The request body is nested too deeply.');
  }
  return problem('store_error', 'The server failed to complete the request; see the server log.');
}
