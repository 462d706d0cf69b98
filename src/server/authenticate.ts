import type { MiddlewareHandler } from 'hono';
import { validateId } from '../spec/validate.js';
import type { Scope } from '../types.js';
import type { ApiKeyRecord, ApiKeys } from './api-keys.js';
import { problem, ProblemError } from './problem.js';
import type { ServerEnv } from './route-kit.js';

/** Scope headers are percent-encoded (`encodeURIComponent`), since ids may hold any Unicode and header values are Latin-1. */
function decodeHeader(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ProblemError(problem('invalid_input', `${name} must be percent-encoded (encodeURIComponent).`, { field: name }));
  }
}

/** Header a tenant-wide key (one without a user) sets to act for one user of its tenant. */
export const USER_HEADER = 'x-llm-context-user';
/** Optional header naming the tenant the caller expects; a mismatch with the key answers 403 instead of touching the key's tenant. */
export const TENANT_HEADER = 'x-llm-context-tenant';

const MAX_CACHED_KEYS = 10_000;

/**
 * Resolves `Authorization: Bearer <key>` to the key's record and scope, or answers 401.
 * The scope comes from the key only: its tenant, and its user — or, for a tenant-wide key, the
 * user named by `X-LLM-Context-User` (absent: the tenant's user-less data). A user key naming
 * another user, or a tenant header naming another tenant, answers 403.
 *
 * @param options.cacheMs how long a verified key is remembered (revocation takes effect within it). 0 disables.
 */
export function authenticate(options: { keys: () => ApiKeys; cacheMs: number; now?: () => number }): MiddlewareHandler<ServerEnv> {
  const now = options.now ?? (() => Date.now());
  const cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  const verify = async (key: string): Promise<ApiKeyRecord | null> => {
    const cached = options.cacheMs > 0 ? cache.get(key) : undefined;
    const at = now();
    if (cached && cached.until > at && (!cached.record.expiresAt || cached.record.expiresAt.getTime() > at)) return cached.record;
    const record = await options.keys().verify(key);
    if (record && options.cacheMs > 0) {
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      cache.set(key, { record, until: at + options.cacheMs });
    }
    return record;
  };

  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ProblemError(problem('unauthorized', 'Send an API key as "Authorization: Bearer <key>" (create one with `llm-context keys create --tenant <id>`).'));
    const record = await verify(match[1]!);
    if (!record) throw new ProblemError(problem('unauthorized', 'The API key is unknown, expired or revoked.'));
    const tenantHeader = decodeHeader(TENANT_HEADER, c.req.header(TENANT_HEADER));
    if (tenantHeader !== undefined && tenantHeader !== record.tenantId) {
      throw new ProblemError(problem('forbidden', `This API key belongs to another tenant than "${tenantHeader.slice(0, 64)}"; use that tenant's key.`));
    }
    const userHeader = decodeHeader(USER_HEADER, c.req.header(USER_HEADER));
    let scope: Scope;
    if (record.userId !== undefined) {
      if (userHeader !== undefined && userHeader !== record.userId) throw new ProblemError(problem('forbidden', 'This API key is bound to one user and cannot act for another.'));
      scope = { tenantId: record.tenantId, userId: record.userId };
    } else if (userHeader !== undefined) {
      scope = { tenantId: record.tenantId, userId: validateId(USER_HEADER, userHeader) };
    } else {
      scope = { tenantId: record.tenantId };
    }
    c.set('auth', { key: record, scope });
    return next();
  };
}
