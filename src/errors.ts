/**
 * Typed errors. Every error has a stable `code` and a message that says what to fix.
 * Messages never contain message text, metadata values or SQL parameters: conversations are user data.
 *
 * The marker pattern (a `Symbol.for` key plus a static `isInstance`) follows the Vercel AI SDK, so
 * checks survive two installed copies of this package.
 */

const marker = 'llm-context.error';
const symbol = Symbol.for(marker);

export type ErrorCode =
  | 'invalid_input'
  | 'invalid_budget'
  | 'budget_too_small'
  | 'not_found'
  | 'conversation_exists'
  | 'state_conflict'
  | 'idempotency_conflict'
  | 'capability_absent'
  | 'store_unavailable'
  | 'store_locked'
  | 'store_error'
  // Answered by the context server (llm-context/server) and rethrown by the remote store.
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'request_timeout'
  | 'route_not_found';

export class LLMContextError extends Error {
  private readonly [symbol] = true;
  readonly code: ErrorCode;
  /** True when retrying the same call may succeed (e.g. a dropped connection). */
  readonly retryable: boolean;

  constructor(options: { code: ErrorCode; message: string; retryable?: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LLMContextError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
  }

  static isInstance(error: unknown): error is LLMContextError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true;
  }
}

/** Bad input: nothing was written. `field` is a path such as `messages[2].content[0].toolCallId`. */
export class ValidationError extends LLMContextError {
  readonly field: string;
  constructor(options: { field: string; message: string; code?: 'invalid_input' | 'invalid_budget' }) {
    super({ code: options.code ?? 'invalid_input', message: `${options.field}: ${options.message}` });
    this.name = 'ValidationError';
    this.field = options.field;
  }
  static override isInstance(error: unknown): error is ValidationError {
    return LLMContextError.isInstance(error) && (error.code === 'invalid_input' || error.code === 'invalid_budget');
  }
}

/** The budget cannot hold the fixed parts (system prompt, tools, current user turn). */
export class BudgetTooSmallError extends LLMContextError {
  readonly requiredTokens: number;
  readonly availableTokens: number;
  constructor(options: { requiredTokens: number; availableTokens: number; what: string }) {
    super({
      code: 'budget_too_small',
      message: `The token budget (${options.availableTokens} tokens after reserveOutput) cannot hold ${options.what} (${options.requiredTokens} tokens). Raise budget.maxTokens, lower budget.reserveOutput, or shorten it.`,
    });
    this.name = 'BudgetTooSmallError';
    this.requiredTokens = options.requiredTokens;
    this.availableTokens = options.availableTokens;
  }
}

/**
 * The conversation, message or memory is not in this scope. `reason` says which kind of absence:
 * `absent` (never created, deleted, or in another tenant or user — stores do not tell these apart,
 * and deletion leaves no trace), or `expired` (a conversation of this scope whose TTL passed; see
 * {@link ConversationExpiredError}).
 */
export class NotFoundError extends LLMContextError {
  readonly kind: 'conversation' | 'message' | 'memory';
  /** The id asked for. */
  readonly id: string;
  readonly reason: 'absent' | 'expired';
  constructor(options: { kind: 'conversation' | 'message' | 'memory'; id: string; message?: string; reason?: 'absent' | 'expired' }) {
    super({
      code: 'not_found',
      message: options.message ?? `No ${options.kind} with id ${JSON.stringify(truncateId(options.id))} in this scope (never created, deleted, expired and swept, or in another tenant or user).`,
    });
    this.name = 'NotFoundError';
    this.kind = options.kind;
    this.id = options.id;
    this.reason = options.reason ?? 'absent';
  }
}

/**
 * The conversation existed in this scope and its TTL passed (`expiresAt <= now`): its messages,
 * summary and state are gone, and it answers every read as absent. Code `not_found` (an expired
 * conversation is not found), `reason: 'expired'`. Stores remember an expiry until the expired
 * conversation is swept (`sweepExpired`, or the backend's own TTL deletion) or its id is created
 * again; after that the id is reported `absent`.
 *
 * To start it again, create it (`createConversation` with the id and its TTL), or append with
 * `ContextManager.append(…, { ifMissing: 'create', conversation: { ttl } })`.
 */
export class ConversationExpiredError extends NotFoundError {
  /** When it expired (its last `expiresAt`). */
  readonly expiredAt: Date;
  constructor(options: { id: string; expiredAt: Date }) {
    super({
      kind: 'conversation',
      id: options.id,
      reason: 'expired',
      message: `Conversation ${JSON.stringify(truncateId(options.id))} expired at ${options.expiredAt.toISOString()} (its TTL passed): its messages are gone. To start it again under this id, create it again (createConversation with its ttl), or append with ifMissing: 'create' and conversation: { ttl }.`,
    });
    this.name = 'ConversationExpiredError';
    this.expiredAt = options.expiredAt;
  }
  /** True for an expired conversation's error, also one rebuilt from the server's answer or another copy of this package. */
  static override isInstance(error: unknown): error is ConversationExpiredError {
    return LLMContextError.isInstance(error) && error.code === 'not_found' && (error as { reason?: unknown }).reason === 'expired';
  }
}

export class ConversationExistsError extends LLMContextError {
  constructor(options: { id: string }) {
    super({
      code: 'conversation_exists',
      message: `A conversation with id ${JSON.stringify(truncateId(options.id))} already exists. Pass ifExists: "return" to reuse it, or choose another id.`,
    });
    this.name = 'ConversationExistsError';
  }
}

/** Optimistic concurrency failure on `updateState`. Re-read the conversation and retry. */
export class StateConflictError extends LLMContextError {
  readonly expectedVersion: number;
  readonly actualVersion: number;
  constructor(options: { expectedVersion: number; actualVersion: number }) {
    super({
      code: 'state_conflict',
      message: `State version conflict: expected ${options.expectedVersion}, found ${options.actualVersion}. Re-read the conversation and apply your change to the current state.`,
    });
    this.name = 'StateConflictError';
    this.expectedVersion = options.expectedVersion;
    this.actualVersion = options.actualVersion;
  }
}

/**
 * A message id that is already stored in the conversation came again with another role or content
 * (as payment APIs reject a reused idempotency key with another body). Nothing of the batch was
 * written. Give the new message its own id, or resend the stored message unchanged.
 */
export class IdempotencyConflictError extends LLMContextError {
  readonly messageId: string;
  constructor(options: { messageId: string }) {
    super({
      code: 'idempotency_conflict',
      message: `Message id ${JSON.stringify(truncateId(options.messageId))} is already stored in this conversation with another role or content. Nothing was written; give the new message its own id.`,
    });
    this.name = 'IdempotencyConflictError';
    this.messageId = options.messageId;
  }
}

/** The store does not have an optional capability (declared at creation, never discovered mid-call). */
export class CapabilityError extends LLMContextError {
  readonly capability: string;
  constructor(options: { store: string; capability: string; hint: string }) {
    super({ code: 'capability_absent', message: `[llm-context] [${options.store}] ${options.capability} is not available: ${options.hint}` });
    this.name = 'CapabilityError';
    this.capability = options.capability;
  }
}

/** The backing server could not be reached or dropped the connection; nothing was acknowledged. Retryable. */
export class StoreUnavailableError extends LLMContextError {
  readonly store: string;
  readonly operation: string;
  constructor(options: { store: string; operation: string; cause?: unknown }) {
    super({
      code: 'store_unavailable',
      retryable: true,
      message: `[llm-context] [${options.store}] ${options.operation} failed: the server is unreachable or the connection was lost. Nothing was written; the call can be retried.`,
      cause: options.cause,
    });
    this.name = 'StoreUnavailableError';
    this.store = options.store;
    this.operation = options.operation;
  }
}

/**
 * The embedded store's data directory is held by another process. PGlite is a single-process
 * database: two processes writing one directory overwrite each other's pages, so the second opener
 * fails at once instead of losing data. Not retryable while the other process runs.
 */
export class StoreLockedError extends LLMContextError {
  readonly dataDir: string;
  constructor(options: { dataDir: string; cause?: unknown }) {
    super({
      code: 'store_locked',
      message: `[llm-context] [embedded] The data directory ${JSON.stringify(options.dataDir)} is open in another process, and one directory serves one process at a time. Close the other process (or wait for it to finish), use another --data-dir, or share one store between processes with the server (\`llm-context serve\`) or the Postgres store (llm-context/postgres).`,
      cause: options.cause,
    });
    this.name = 'StoreLockedError';
    this.dataDir = options.dataDir;
  }
  static override isInstance(error: unknown): error is StoreLockedError {
    return LLMContextError.isInstance(error) && error.code === 'store_locked';
  }
}

/** Any other backend failure, with the store and operation named (and the driver error as `cause`). */
export class StoreError extends LLMContextError {
  readonly store: string;
  readonly operation: string;
  constructor(options: { store: string; operation: string; detail: string; cause?: unknown; retryable?: boolean }) {
    super({
      code: 'store_error',
      retryable: options.retryable ?? false,
      message: `[llm-context] [${options.store}] ${options.operation} failed: ${options.detail}`,
      cause: options.cause,
    });
    this.name = 'StoreError';
    this.store = options.store;
    this.operation = options.operation;
  }
}

/**
 * The context server refused or could not finish a request (HTTP 401, 403, 404 route, 413, 504),
 * rethrown by the remote store (`llm-context/remote`) with the server's problem detail.
 */
export class ServerRequestError extends LLMContextError {
  /** HTTP status the server answered. */
  readonly status: number;
  constructor(options: { code: 'unauthorized' | 'forbidden' | 'payload_too_large' | 'request_timeout' | 'route_not_found'; status: number; message: string; retryable?: boolean }) {
    super({ code: options.code, message: options.message, retryable: options.retryable ?? false });
    this.name = 'ServerRequestError';
    this.status = options.status;
  }
}

/** Ids are caller data too: echo only a bounded prefix. */
function truncateId(id: string): string {
  return id.length > 64 ? `${id.slice(0, 64)}…` : id;
}
