import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextManager, createMemoryStore } from '../../src/index.js';
import { createRemoteStore } from '../../src/stores/remote/index.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

let server: ServeProcess;
const token = randomBytes(24).toString('hex');

beforeAll(async () => {
  server = await startServe({ args: ['--memory'], env: { LLM_CONTEXT_TEST_TOKEN: token } });
  const response = await fetch(`${server.url}/_test/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-llm-context-test-token': token },
    body: JSON.stringify({ keys: [{ tenantId: 'acme', role: 'write' }] }),
  });
  const { keys } = (await response.json()) as { keys: string[] };
  process.env.LLM_CONTEXT_URL = server.url;
  process.env.LLM_CONTEXT_API_KEY = keys[0]!;
});
afterAll(async () => {
  await server?.stop();
});

describe('ContextManager over the remote store (README example)', () => {
  it('should append and assemble through llm-context serve exactly as in process', async () => {
    const store = createRemoteStore({ url: process.env.LLM_CONTEXT_URL!, apiKey: process.env.LLM_CONTEXT_API_KEY! });
    const manager = new ContextManager({ store });
    await manager.append('chat-1', [{ role: 'user', content: 'Hi from the edge' }], { scope: { tenantId: 'acme' } });
    const { messages, report } = await manager.assemble('chat-1', { scope: { tenantId: 'acme' }, budget: { maxTokens: 2000 } });
    expect(messages).toEqual([expect.objectContaining({ role: 'user', content: 'Hi from the edge' })]);

    // The same turns in process give the same assembly.
    const local = new ContextManager({ store: createMemoryStore() });
    await local.append('chat-1', [{ role: 'user', content: 'Hi from the edge' }], { scope: { tenantId: 'acme' } });
    const expected = await local.assemble('chat-1', { scope: { tenantId: 'acme' }, budget: { maxTokens: 2000 } });
    expect(report.totalTokens).toBe(expected.report.totalTokens);
    expect(report.sections).toEqual(expected.report.sections);
  });

  it('should retry an idempotent read after a network error and not resend a delete', async () => {
    let failures = 1;
    let deletes = 0;
    const flaky = createRemoteStore({
      url: process.env.LLM_CONTEXT_URL!,
      apiKey: process.env.LLM_CONTEXT_API_KEY!,
      retryDelayMs: 1,
      fetch: async (input, init) => {
        if (init?.method === 'DELETE') {
          deletes += 1;
          throw new TypeError('fetch failed');
        }
        if (failures > 0) {
          failures -= 1;
          throw new TypeError('fetch failed');
        }
        return fetch(input, init);
      },
    });
    expect((await flaky.getConversation({ tenantId: 'acme' }, 'chat-1'))?.messageCount).toBe(1);
    await expect(flaky.deleteConversation({ tenantId: 'acme' }, 'chat-1')).rejects.toMatchObject({ code: 'store_error', retryable: false });
    expect(deletes).toBe(1);
  });
});
