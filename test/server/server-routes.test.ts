import { describe, expect, it } from 'vitest';
import { ContextManager, createMemoryStore, type Store } from '../../src/index.js';
import { createTestClock } from '../../src/testing/index.js';
import { createApiKeys, createContextServer, KEYS_TENANT, type KeyRole } from '../../src/server/index.js';

const SECRET = 'test-secret-'.padEnd(48, 'x');

async function setup(options: { store?: Store; limits?: Parameters<typeof createContextServer>[0]['limits'] } = {}) {
  const store = options.store ?? createMemoryStore();
  const server = createContextServer({ store, secret: SECRET, keyCacheMs: 0, ...(options.limits ? { limits: options.limits } : {}) });
  const key = async (tenantId: string, role: KeyRole = 'write', userId?: string) => (await server.keys.create({ tenantId, role, ...(userId ? { userId } : {}) })).key;
  const call = async (key: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await server.app.request(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, body: text ? JSON.parse(text) : null };
  };
  return { store, server, key, call };
}

describe('context server routes', () => {
  it('should answer /healthz without a key and 401 problem+json on every other route without a valid key', async () => {
    const { call } = await setup();
    expect((await call(undefined, 'GET', '/healthz')).status).toBe(200);
    for (const [method, path] of [['GET', '/v1/conversations'], ['GET', '/v1/openapi.json'], ['POST', '/v1/conversations/c1/context'], ['DELETE', '/v1/users/u1']] as const) {
      const answer = await call(undefined, method, path);
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.type).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 401, code: 'unauthorized' });
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('should answer 404 reason "expired" to plain messages for an expired conversation instead of recreating it, and create one that never existed', async () => {
    const clock = createTestClock();
    const { call, key } = await setup({ store: createMemoryStore({ clock }) });
    const write = await key('acme');
    await call(write, 'POST', '/v1/conversations', { id: 'c1', ttlSeconds: 60 });
    clock.advance(60_000);
    const late = await call(write, 'POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'late' }] });
    expect(late.status).toBe(404);
    expect(late.body).toMatchObject({ code: 'not_found', reason: 'expired', kind: 'conversation', id: 'c1', expiredAt: new Date(clock.now()).toISOString() });
    expect(late.body.detail).toContain('expired');
    expect((await call(write, 'POST', '/v1/conversations/never/messages', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(201);
    await call(write, 'POST', '/v1/conversations', { id: 'c1', ttlSeconds: 60 });
    expect((await call(write, 'POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'again' }] })).status).toBe(201);
  });

  it('should serve an OpenAPI 3.1 document generated from the route schemas', async () => {
    const { call, key } = await setup();
    const { status, body } = await call(await key('acme', 'read'), 'GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/conversations', '/v1/conversations/{id}/messages', '/v1/conversations/{id}/context', '/v1/search', '/v1/memories', '/v1/users/{userId}']));
    expect(body.paths['/v1/conversations/{id}/context'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ContextRequest');
    expect(body.components.schemas.Conversation.properties.createdAt.format).toBe('date-time');
  });

  it('should create, list with cursor pages and tag filter, patch, fork and delete conversations', async () => {
    const { call, key } = await setup();
    const write = await key('acme');
    expect((await call(write, 'POST', '/v1/conversations', { id: 'c1', title: 'one', tags: ['x'], ttlSeconds: 3600 })).body).toMatchObject({ id: 'c1', tags: ['x'], ttl: { seconds: 3600, mode: 'sliding' } });
    expect((await call(write, 'POST', '/v1/conversations', { id: 'c1' })).status).toBe(409);
    expect((await call(write, 'POST', '/v1/conversations', { id: 'c1', ifExists: 'return' })).status).toBe(200);
    await call(write, 'POST', '/v1/conversations', { id: 'c2', tags: ['y'] });
    const first = await call(write, 'GET', '/v1/conversations?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await call(write, 'GET', `/v1/conversations?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual(['c1', 'c2']);
    expect((await call(write, 'GET', '/v1/conversations?tag=y')).body.items.map((item: { id: string }) => item.id)).toEqual(['c2']);
    expect((await call(write, 'PATCH', '/v1/conversations/c1', { title: null, ttlSeconds: null })).body).not.toHaveProperty('title');
    await call(write, 'POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] });
    const fork = await call(write, 'POST', '/v1/conversations/c1/fork', { atSeq: 1, conversation: { id: 'c1-fork' } });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ id: 'c1-fork', parentId: 'c1', forkedFromSeq: 1, messageCount: 1 });
    expect((await call(write, 'GET', '/v1/conversations?parentId=c1')).body.items.map((item: { id: string }) => item.id)).toEqual(['c1-fork']);
    expect((await call(write, 'DELETE', '/v1/conversations/c1')).status).toBe(200);
    expect((await call(write, 'DELETE', '/v1/conversations/c1')).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('should apply state with If-Match and answer 412 state_conflict on a stale version', async () => {
    const { call, key } = await setup();
    const write = await key('acme');
    await call(write, 'POST', '/v1/conversations', { id: 'c1' });
    const updated = await call(write, 'PUT', '/v1/conversations/c1/state', { state: { step: 1 } }, { 'if-match': '"0"' });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"1"');
    const stale = await call(write, 'PUT', '/v1/conversations/c1/state', { state: { step: 2 } }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'state_conflict', expectedVersion: 0, actualVersion: 1 });
  });

  it('should append once per Idempotency-Key and page messages by seq', async () => {
    const { call, key } = await setup();
    const write = await key('acme');
    const batch = { messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi there' }] };
    const first = await call(write, 'POST', '/v1/conversations/c1/messages', batch, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(201);
    expect(first.body.inserted).toBe(2);
    const again = await call(write, 'POST', '/v1/conversations/c1/messages', batch, { 'idempotency-key': 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.body.inserted).toBe(0);
    expect(again.body.messages.map((message: { id: string }) => message.id)).toEqual(first.body.messages.map((message: { id: string }) => message.id));
    const other = await call(write, 'POST', '/v1/conversations/c1/messages', batch, { 'idempotency-key': 'retry-2' });
    expect(other.body.inserted).toBe(2);
    const page = await call(write, 'GET', '/v1/conversations/c1/messages?order=desc&limit=1');
    expect(page.body.items.map((message: { seq: number }) => message.seq)).toEqual([4]);
    expect((await call(write, 'GET', '/v1/conversations/c1/messages?afterSeq=1&limit=2')).body.items.map((message: { seq: number }) => message.seq)).toEqual([2, 3]);
  });

  it('should return { messages, report } exactly as ContextManager.assemble does', async () => {
    const { call, key, store } = await setup();
    const write = await key('acme');
    await call(write, 'POST', '/v1/conversations/c1/messages', { messages: Array.from({ length: 30 }, (_, index) => ({ role: index % 2 ? 'assistant' : 'user', content: `turn ${index} about the weather in Paris` })) });
    const request = { budget: { maxTokens: 200 }, system: 'You are terse.', query: 'weather' };
    const remote = await call(write, 'POST', '/v1/conversations/c1/context', request);
    expect(remote.status).toBe(200);
    const local = await new ContextManager({ store }).assemble('c1', { scope: { tenantId: 'acme' }, ...request });
    expect(remote.body).toEqual(JSON.parse(JSON.stringify(local)));
    expect(remote.body.report.totalTokens).toBeLessThanOrEqual(200);
    const tooSmall = await call(write, 'POST', '/v1/conversations/c1/context', { budget: { maxTokens: 3 }, system: 'You are a very long system prompt that cannot fit.' });
    expect(tooSmall.body).toMatchObject({ status: 422, code: 'budget_too_small' });
  });

  it('should search, keep memories (CRUD and search) and export within the key scope', async () => {
    const { call, key } = await setup();
    const write = await key('acme');
    await call(write, 'POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'my cat is called Miso' }] });
    expect((await call(write, 'GET', '/v1/search?q=cat')).body.hits[0].message.content).toBe('my cat is called Miso');
    const memory = await call(write, 'POST', '/v1/memories', { key: 'pet', text: 'Has a cat named Miso', pinned: true });
    expect(memory.body).toMatchObject({ key: 'pet', pinned: true });
    expect(memory.body.tokenCounts.o200k_base).toBeGreaterThan(0);
    expect((await call(write, 'GET', `/v1/memories/${memory.body.id}`)).body.text).toBe('Has a cat named Miso');
    expect((await call(write, 'PATCH', `/v1/memories/${memory.body.id}`, { text: 'Has a cat named Miso (tabby)' })).body.text).toBe('Has a cat named Miso (tabby)');
    expect((await call(write, 'GET', '/v1/memories?pinned=true')).body.items).toHaveLength(1);
    expect((await call(write, 'POST', '/v1/memories/search', { query: 'tabby' })).body.hits).toHaveLength(1);
    expect((await call(write, 'DELETE', `/v1/memories/${memory.body.id}`)).status).toBe(200);
    const exported = await call(write, 'GET', '/v1/conversations/c1/export');
    expect(exported.body).toMatchObject({ format: 'llm-context.conversation/v1', conversation: { id: 'c1' } });
    expect(exported.body.messages).toHaveLength(1);
  });
});

describe('API key scope', () => {
  it('should answer 404 for anything of another tenant or user, and never list it', async () => {
    const { call, key } = await setup();
    const a = await key('tenant-a');
    const b = await key('tenant-b', 'admin');
    await call(a, 'POST', '/v1/conversations/secret/messages', { messages: [{ role: 'user', content: 'tenant a secret' }] });
    for (const [method, path, body] of [
      ['GET', '/v1/conversations/secret', undefined],
      ['GET', '/v1/conversations/secret/export', undefined],
      ['PATCH', '/v1/conversations/secret', { title: 'x' }],
      ['DELETE', '/v1/conversations/secret', undefined],
      ['POST', '/v1/conversations/secret/context', { budget: { maxTokens: 100 } }],
      ['POST', '/v1/conversations/secret/fork', { atSeq: 1 }],
    ] as const) {
      const answer = await call(b, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    const messages = await call(b, 'GET', '/v1/conversations/secret/messages');
    expect(JSON.stringify(messages.body)).not.toContain('tenant a secret');
    // An append under B's key writes B's own conversation, never A's.
    await call(b, 'POST', '/v1/conversations/secret/messages', { messages: [{ role: 'user', content: 'b' }] });
    expect((await call(a, 'GET', '/v1/conversations/secret/messages')).body.items.map((message: { content: string }) => message.content)).toEqual(['tenant a secret']);
    expect((await call(b, 'GET', '/v1/search?q=secret')).body.hits).toEqual([]);
    // The reserved key tenant is unreachable: no key can be created for it.
    await expect(createApiKeys({ store: createMemoryStore(), secret: SECRET }).create({ tenantId: KEYS_TENANT })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('should bind a user key to its user and let a tenant key act for a user with X-LLM-Context-User', async () => {
    const { call, key } = await setup();
    const alice = await key('acme', 'write', 'alice');
    const bob = await key('acme', 'write', 'bob');
    const tenant = await key('acme', 'admin');
    await call(alice, 'POST', '/v1/conversations', { id: 'c1' });
    expect((await call(bob, 'GET', '/v1/conversations/c1')).status).toBe(404);
    expect((await call(tenant, 'GET', '/v1/conversations/c1')).status).toBe(404);
    expect((await call(tenant, 'GET', '/v1/conversations/c1', undefined, { 'x-llm-context-user': 'alice' })).status).toBe(200);
    expect((await call(bob, 'GET', '/v1/conversations/c1', undefined, { 'x-llm-context-user': 'alice' })).body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await call(alice, 'GET', '/v1/conversations/c1', undefined, { 'x-llm-context-tenant': 'other' })).body).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await call(await key('acme', 'admin', 'bob'), 'DELETE', '/v1/users/alice')).status).toBe(404);
    expect((await call(tenant, 'DELETE', '/v1/users/alice')).body).toMatchObject({ conversations: 1 });
  });

  it('should answer 403 to a read key writing and to a write key erasing', async () => {
    const { call, key } = await setup();
    const read = await key('acme', 'read');
    for (const [method, path, body] of [
      ['POST', '/v1/conversations', { id: 'c1' }],
      ['POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'x' }] }],
      ['PUT', '/v1/conversations/c1/state', { state: {} }],
      ['DELETE', '/v1/conversations/c1', undefined],
      ['POST', '/v1/memories', { text: 'x' }],
    ] as const) {
      expect((await call(read, method, path, body)).body, `${method} ${path}`).toMatchObject({ status: 403, code: 'forbidden' });
    }
    expect((await call(await key('acme', 'write'), 'DELETE', '/v1/users/u1')).status).toBe(403);
    expect((await call(read, 'GET', '/v1/conversations')).status).toBe(200);
  });

  it('should answer 401 to expired, revoked, forged and other-secret keys', async () => {
    const { call, server, store } = await setup();
    const past = createApiKeys({ store, secret: SECRET, clock: { now: () => Date.now() - 60_000 } });
    const expired = (await past.create({ tenantId: 'acme', expiresInSeconds: 1 })).key;
    const revoked = await server.keys.create({ tenantId: 'acme' });
    expect((await call(revoked.key, 'GET', '/v1/conversations')).status).toBe(200);
    expect(await server.keys.revoke(revoked.record.id)).toBe(true);
    const valid = (await server.keys.create({ tenantId: 'acme' })).key;
    const forged = `${valid.slice(0, -4)}${valid.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const otherSecret = (await createApiKeys({ store, secret: 'another-secret-'.padEnd(40, 'y') }).create({ tenantId: 'acme' })).key;
    for (const bad of [expired, revoked.key, forged, otherSecret, 'lcx_short', '']) {
      expect((await call(bad || undefined, 'GET', '/v1/conversations')).body, bad).toMatchObject({ status: 401, code: 'unauthorized' });
    }
    expect((await server.keys.list()).find((record) => record.id === revoked.record.id)?.revoked).toBe(true);
  });
});

describe('limits and bad bodies', () => {
  it('should answer 413 over the body limit, 400 over the batch limit, and 504 past the request time', async () => {
    const memory = createMemoryStore();
    let delayMs = 0;
    const slow: Store = { ...memory, getConversation: async (...args) => (await new Promise((resolve) => setTimeout(resolve, delayMs)), memory.getConversation(...args)) };
    const { call, key } = await setup({ store: slow, limits: { maxBodyBytes: 10_000, maxBatchMessages: 5, requestTimeoutMs: 200 } });
    const write = await key('acme');
    const huge = await call(write, 'POST', '/v1/conversations/c1/messages', { messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    expect(huge.body).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(huge.body.detail).toContain('10000 bytes');
    const many = await call(write, 'POST', '/v1/conversations/c1/messages', { messages: Array.from({ length: 6 }, () => ({ role: 'user', content: 'x' })) });
    expect(many.body).toMatchObject({ status: 400, code: 'invalid_input', field: 'messages' });
    expect(many.body.detail).toContain('at most 5');
    delayMs = 1000;
    const late = await call(write, 'GET', '/v1/conversations/c1');
    expect(late.body).toMatchObject({ status: 504, code: 'request_timeout' });
  });

  it('should answer 400 problem+json to bad UTF-8, deep JSON, malformed JSON, wrong types and a missing content type', async () => {
    const { call, key, store } = await setup();
    const write = await key('acme');
    const bodies: Array<[unknown, Record<string, string>?]> = [
      [new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
      ['['.repeat(5000) + ']'.repeat(5000)],
      ['{"id": '],
      [{ id: 42 }],
      [{ tags: 'not-an-array' }],
      ['{"metadata":{"nested":{"__proto__":{"polluted":true}}}}'],
      ['{"id":"c1"}', { 'content-type': 'text/plain' }],
    ];
    for (const [body, headers] of bodies) {
      const answer = await call(write, 'POST', '/v1/conversations', body, headers);
      expect(answer.status, String(body).slice(0, 40)).toBe(400);
      expect(answer.type).toBe('application/problem+json');
    }
    expect((await store.listConversations({ tenantId: 'acme' })).items).toEqual([]);
  });
});

describe('signed tokens for browser clients', () => {
  it('should mint a user-scoped token with an admin key that expires, cannot exceed its role, and dies with its key', async () => {
    const { call, key, server } = await setup();
    const admin = await server.keys.create({ tenantId: 'acme', role: 'admin' });
    const minted = await call(admin.key, 'POST', '/v1/tokens', { userId: 'alice', role: 'read', ttlSeconds: 60 });
    expect(minted.status).toBe(201);
    const token = minted.body.token as string;
    expect(token).toMatch(/^lct_/);
    await call(await key('acme', 'write', 'alice'), 'POST', '/v1/conversations', { id: 'mine' });
    await call(await key('acme', 'write', 'bob'), 'POST', '/v1/conversations', { id: 'bobs' });
    expect((await call(token, 'GET', '/v1/conversations/mine')).status).toBe(200);
    expect((await call(token, 'GET', '/v1/conversations/bobs')).status).toBe(404);
    expect((await call(token, 'GET', '/v1/conversations/mine', undefined, { 'x-llm-context-user': 'bob' })).status).toBe(403);
    expect((await call(token, 'POST', '/v1/conversations', { id: 'x' })).status).toBe(403);
    expect((await call(await key('acme', 'write'), 'POST', '/v1/tokens', { userId: 'alice' })).status).toBe(403);
    expect((await call(await key('acme', 'admin', 'bob'), 'POST', '/v1/tokens', { userId: 'alice' })).status).toBe(400);
    const tampered = token.replace(/^lct_(.)/, (_, first: string) => `lct_${first === 'e' ? 'f' : 'e'}`);
    expect((await call(tampered, 'GET', '/v1/conversations/mine')).status).toBe(401);
    const expired = await server.keys.mintToken(admin.record, { userId: 'alice', ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(expired.token, 'GET', '/v1/conversations/mine')).status).toBe(401);
    await server.keys.revoke(admin.record.id);
    expect((await call(token, 'GET', '/v1/conversations/mine')).status).toBe(401);
  });
});
