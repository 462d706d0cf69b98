import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/index.js';
import { createRemoteStore } from '../../src/stores/remote/index.js';
import { describeMemoriesContract, describeStoreContract, type TestClock } from '../../src/testing/index.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

/**
 * The remote store against a live `llm-context serve --memory` child process on loopback. The
 * contract wants a fresh store per test and drives time with its clock, so the server runs with
 * the test-only hooks (LLM_CONTEXT_TEST_TOKEN): `POST /_test/reset` swaps in an empty store and
 * mints keys, and each request carries the contract clock's time in `x-llm-context-test-now`.
 */
const token = randomBytes(24).toString('hex');
const TENANTS = ['tenant-a', 'tenant-b'];
let server: ServeProcess;

beforeAll(async () => {
  server = await startServe({ args: ['--memory'], env: { LLM_CONTEXT_TEST_TOKEN: token } });
});
afterAll(async () => {
  await server?.stop();
});

async function remoteStore(clock: TestClock) {
  const response = await fetch(`${server.url}/_test/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-llm-context-test-token': token },
    body: JSON.stringify({ keys: TENANTS.map((tenantId) => ({ tenantId, role: 'admin' })) }),
  });
  expect(response.status).toBe(200);
  const { keys } = (await response.json()) as { keys: string[] };
  const keyOf = new Map(TENANTS.map((tenant, index) => [tenant, keys[index]!]));
  return createRemoteStore({
    url: server.url,
    // One tenant-wide admin key per tenant (sweepExpired has no scope: tenant-a's key); an unknown tenant gets a key the server refuses.
    apiKey: (scope: Scope | undefined) => keyOf.get(scope?.tenantId ?? 'tenant-a') ?? 'lcx_unknown',
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('x-llm-context-test-token', token);
      headers.set('x-llm-context-test-now', String(clock.now()));
      return fetch(input, { ...init, headers });
    },
  });
}

describeStoreContract({ name: 'remote (llm-context serve --memory)', createStore: async ({ clock }) => remoteStore(clock), scale: 0.5 });
describeMemoriesContract({ name: 'remote (llm-context serve --memory)', createStore: async ({ clock }) => remoteStore(clock) });

describe('remote store without the test hooks', () => {
  it('should be refused with 401 unauthorized for a forged key and ignore a test clock header without the token', async () => {
    const store = createRemoteStore({ url: server.url, apiKey: `lcx_${'0'.repeat(24)}_${'A'.repeat(43)}` });
    await expect(store.getConversation({ tenantId: 'tenant-a' }, 'c1')).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
