/**
 * `llm-context/remote`: a {@link Store} that speaks the context server's HTTP API with `fetch` only
 * (no `node:` import), so a `ContextManager` in a serverless or edge function keeps no database
 * pool and holds no database credentials — only an API key.
 */
import type { Store, StoreCapabilities } from '../../spec/store.js';
import { defineStore } from '../define-store/define-store.js';
import { createHttpClient, type HttpClientOptions } from './http-client.js';
import { createRemoteDriver } from './remote-driver.js';

export interface RemoteStoreOptions extends HttpClientOptions {
  /**
   * What the server's store can do. Default: every capability (a call the server's store cannot
   * serve answers `capability_absent`). {@link connectRemoteStore} reads them from the server.
   */
  readonly capabilities?: StoreCapabilities;
  /** Per-message size limit checked before sending, in bytes. @default 1 MiB (as every store) */
  readonly maxMessageBytes?: number;
}

const ALL: StoreCapabilities = {
  lexicalSearch: { available: true },
  vectorSearch: { available: true },
  memories: { available: true },
  ttlSweep: { available: true },
};

/**
 * A store over `llm-context serve` (or any host of `createContextServer`). Inputs are validated
 * here before any request (the shared store layer), and again by the server. Idempotent requests
 * (reads, upserts, appends — which always carry an `Idempotency-Key`) are retried on network
 * errors and 502/503/504 with exponential backoff; other writes are never resent.
 *
 * @example
 * ```ts
 * const store = createRemoteStore({ url: process.env.LLM_CONTEXT_URL!, apiKey: process.env.LLM_CONTEXT_API_KEY! });
 * const manager = new ContextManager({ store });
 * ```
 * @param options.apiKey a key, or `(scope) => key` for callers serving several tenants.
 */
export function createRemoteStore(options: RemoteStoreOptions): Store {
  const capabilities = options.capabilities ?? ALL;
  return defineStore(createRemoteDriver(createHttpClient(options), capabilities), options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {});
}

/**
 * Like {@link createRemoteStore}, with the capabilities read from the server first
 * (`GET /v1/capabilities`), so absent ones are declared at creation.
 * @throws {LLMContextError} when the server is unreachable or the key is refused.
 */
export async function connectRemoteStore(options: Omit<RemoteStoreOptions, 'capabilities'>): Promise<Store> {
  const http = createHttpClient(options);
  const { capabilities } = await http.request<{ capabilities: StoreCapabilities }>('GET', '/v1/capabilities', { idempotent: true, operation: 'connect' });
  return createRemoteStore({ ...options, capabilities });
}

export type { HttpClientOptions } from './http-client.js';
