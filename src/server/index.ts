/**
 * `llm-context/server`: the context server as a standard fetch handler (Node, Bun, Deno, Workers,
 * Next.js routes), API keys kept in the store, and the problem+json error format. No `node:` import.
 */
export { createContextServer, type ContextServer, type ContextServerOptions, type ServerLimits, type ServerTestingOptions } from './create-context-server.js';
export { createApiKeys, parseDuration, KEYS_TENANT, MIN_SECRET_LENGTH, type ApiKeys, type ApiKeyRecord, type CreateApiKeyOptions, type KeyRole } from './api-keys.js';
export { USER_HEADER, TENANT_HEADER } from './authenticate.js';
export { STATUS_BY_CODE, type Problem } from './problem.js';
