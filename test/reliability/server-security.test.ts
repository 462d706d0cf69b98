import { describe, expect, it } from 'vitest';
import { createMemoryStore, type Scope, type Store } from '../../src/index.js';
import { seededRandom } from '../support/seeded-random.js';
import { createApiKeys, createContextServer, KEYS_TENANT, type KeyRole } from '../../src/server/index.js';

/**
 * Randomized multi-tenant fuzz over the HTTP API (the server's fetch handler, in process): three
 * tenants, users, every key role, forged/expired/revoked/other-secret keys, path and id tricks,
 * scope-header tricks, and fuzzed bodies. Every stored text carries a marker naming its owner
 * (`SECRET-<tenant>-<user>-…`), so any answer showing another scope's marker is a cross-scope
 * read; seeded data is never the target of its owner's writes, so any change to it is a
 * cross-scope write. Seed with `SERVER_FUZZ_SEED` to replay a failure.
 */
const SEED = Number(process.env.SERVER_FUZZ_SEED ?? 20261207);
const REQUESTS = 6000;
const TIME_LIMIT_MS = 90_000;
const SECRET = 'server-security-fuzz-secret-'.padEnd(48, 's');
const TENANTS = ['t1', 't2', 't3'];
const USERS = [undefined, 'u1', 'u2'] as const;
const MARKER = /SECRET-(t\d)-(none|u\d)-/g;


interface KeyInfo {
  readonly key: string;
  readonly tenantId: string;
  readonly userId?: string;
  readonly role: KeyRole;
  /** false: forged, expired, revoked, other secret or garbage — must get 401. */
  readonly valid: boolean;
}

const userTag = (userId: string | undefined) => userId ?? 'none';
const scopeOf = (tenantId: string, userId?: string): Scope => (userId ? { tenantId, userId } : { tenantId });

export interface FuzzReport {
  readonly requests: number;
  readonly statuses: Record<number, number>;
  readonly crossScopeReads: string[];
  readonly crossScopeWrites: string[];
  readonly badAnswers: string[];
}

async function runServerFuzz(options: { store: Store; requests: number; seed: number }): Promise<FuzzReport> {
  const { store } = options;
  const random = seededRandom(options.seed);
  const server = createContextServer({ store, secret: SECRET, keyCacheMs: 0, limits: { maxBodyBytes: 64 * 1024, maxBatchMessages: 20 } });

  // Seeded data: every scope gets conversations (ids shared across scopes on purpose) and memories.
  const seededIds = ['shared', 'c-1', 'c-2'];
  for (const tenantId of TENANTS) {
    for (const userId of USERS) {
      const scope = scopeOf(tenantId, userId);
      for (const id of seededIds) {
        if (id === 'shared' || userId === undefined || id === `c-${userId.slice(1)}`) {
          await store.createConversation(scope, { id: userId && id !== 'shared' ? id : id, title: `SECRET-${tenantId}-${userTag(userId)}-title`, metadata: { note: `SECRET-${tenantId}-${userTag(userId)}-meta` } }).catch(() => undefined);
        }
      }
    }
  }
  // Ids are unique per tenant: `shared` belongs to the first scope that created it; give each scope its own too.
  const owned = new Map<string, Scope>(); // `${tenant}/${id}` -> owner
  for (const tenantId of TENANTS) {
    for (const userId of USERS) {
      const scope = scopeOf(tenantId, userId);
      const own = `own-${userTag(userId)}`;
      await store.createConversation(scope, { id: own, title: `SECRET-${tenantId}-${userTag(userId)}-own` });
      const manager = (await import('../../src/index.js')).ContextManager;
      await new manager({ store }).append(own, [
        { role: 'user', content: `SECRET-${tenantId}-${userTag(userId)}-msg one about the weather` },
        { role: 'assistant', content: `SECRET-${tenantId}-${userTag(userId)}-msg two about the weather` },
      ], { scope });
      await store.memories!.put(scope, { id: `mem-${tenantId}-${userTag(userId)}`, text: `SECRET-${tenantId}-${userTag(userId)}-memory weather`, tags: [], pinned: true, metadata: {}, tokenCounts: { o200k_base: 5 }, contentHash: 'a'.repeat(64) });
    }
    for (const id of ['shared', 'c-1', 'c-2']) {
      for (const userId of USERS) {
        const found = await store.getConversation(scopeOf(tenantId, userId), id);
        if (found) owned.set(`${tenantId}/${id}`, scopeOf(tenantId, userId));
      }
    }
    for (const userId of USERS) owned.set(`${tenantId}/own-${userTag(userId)}`, scopeOf(tenantId, userId));
  }
  const snapshot = async () => {
    const result = new Map<string, string>();
    for (const [where, scope] of owned) {
      const id = where.split('/')[1]!;
      result.set(where, JSON.stringify(await store.exportConversation(scope, id)));
    }
    for (const tenantId of TENANTS) for (const userId of USERS) result.set(`memory ${tenantId}/${userTag(userId)}`, JSON.stringify(await store.memories!.get(scopeOf(tenantId, userId), `mem-${tenantId}-${userTag(userId)}`)));
    return result;
  };
  const before = await snapshot();

  // Keys: every role, tenant-wide and user-bound, and invalid ones.
  const keys: KeyInfo[] = [];
  for (const tenantId of TENANTS) {
    for (const role of ['read', 'write', 'admin'] as const) {
      for (const userId of USERS) keys.push({ ...(await server.keys.create({ tenantId, role, ...(userId ? { userId } : {}) })), tenantId, ...(userId ? { userId } : {}), role, valid: true } as KeyInfo);
    }
  }
  // Signed tokens minted by tenant admin keys act as one user, like user-bound keys.
  for (const tenantId of TENANTS) {
    const admin = (await server.keys.list({ tenantId })).find((record) => record.role === 'admin' && record.userId === undefined)!;
    for (const [userId, role] of [['u1', 'read'], ['u2', 'write']] as const) {
      keys.push({ key: (await server.keys.mintToken(admin, { userId, role, ttlSeconds: 3600 })).token, tenantId, userId, role, valid: true });
    }
  }
  const good = keys.filter((key) => key.valid);
  const badKeys: KeyInfo[] = [];
  const expiredKeys = createApiKeys({ store, secret: SECRET, clock: { now: () => Date.now() - 3_600_000 } });
  for (const tenantId of TENANTS) {
    badKeys.push({ key: (await expiredKeys.create({ tenantId, role: 'admin', expiresInSeconds: 60 })).key, tenantId, role: 'admin', valid: false });
    const revoked = await server.keys.create({ tenantId, role: 'admin' });
    await server.keys.revoke(revoked.record.id);
    badKeys.push({ key: revoked.key, tenantId, role: 'admin', valid: false });
    badKeys.push({ key: (await createApiKeys({ store, secret: 'another-secret-'.padEnd(40, 'o') }).create({ tenantId, role: 'admin' })).key, tenantId, role: 'admin', valid: false });
  }
  const forge = (key: string) => {
    const index = 4 + random.int(key.length - 4);
    const replacement = key[index] === 'a' ? 'b' : 'a';
    return key.slice(0, index) + replacement + key.slice(index + 1);
  };
  const keyRecordIds = (await server.keys.list()).map((record) => record.id);

  const ids = [...seededIds, 'own-none', 'own-u1', 'own-u2', 'absent', '..', '%2E%2E', '..%2Fown-u1', 'own-u1%00', 'OWN-U1', ' own-u1', 'own-u1%2F..', encodeURIComponent('own-u1/../own-u2'), '%252e%252e', 'x'.repeat(600), '%F0%9F%92%A5', KEYS_TENANT, ...keyRecordIds.slice(0, 5)];
  const junkBodies: Array<() => string | Uint8Array> = [
    () => '{"messages":' + '['.repeat(300) + ']'.repeat(300) + '}',
    () => JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] }),
    () => new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    () => JSON.stringify({ messages: 'not-an-array' }),
    () => JSON.stringify({ messages: [{ role: 'wizard', content: 1 }] }),
    () => JSON.stringify({ messages: Array.from({ length: 25 }, () => ({ role: 'user', content: 'too many' })) }),
    () => JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'tool-result' }] }] }),
    () => JSON.stringify({ messages: [{ role: 'user', content: 'ok', metadata: { deep: JSON.parse('['.repeat(80) + ']'.repeat(80)) } }] }),
    () => '{"messages":[{"role":"user","content":"x","metadata":{"__proto__":{"admin":true}}}]}',
    () => JSON.stringify({ messages: [{ role: 'user', content: 'x', createdAt: 'yesterday' }] }),
    () => 'null',
    () => '[]',
    () => '{"messages":[{"role":"user","content":"unterminated',
    () => String.fromCharCode(...Array.from({ length: 200 }, () => random.int(256))),
  ];

  const report = { requests: 0, statuses: {} as Record<number, number>, crossScopeReads: [] as string[], crossScopeWrites: [] as string[], badAnswers: [] as string[] };
  let junkCount = 0;
  let writeCount = 0;
  const started = Date.now();

  const oneRequest = async () => {
    const roll = random.next();
    let key: KeyInfo;
    // (forge() below also tampers with tokens: any changed character breaks their MAC.)
    let keyText: string | undefined;
    if (roll < 0.1) {
      key = random.pick(badKeys);
      keyText = key.key;
    } else if (roll < 0.15) {
      key = { ...random.pick(good), valid: false };
      keyText = random.next() < 0.5 ? forge(key.key) : random.pick(['', 'lcx_', 'Bearer', `${key.key} ${key.key}`, key.key.toUpperCase()]);
    } else {
      key = random.pick(good);
      keyText = key.key;
    }
    const headers: Record<string, string> = keyText ? { authorization: `Bearer ${keyText}` } : {};
    // Scope-header tricks: act for another user, another tenant.
    let effectiveUser = key.userId;
    let headerRefused = false;
    const headerRoll = random.next();
    if (headerRoll < 0.25) {
      const user = random.pick(['u1', 'u2', 'u3']);
      headers['x-llm-context-user'] = user;
      if (key.userId === undefined) effectiveUser = user;
      else if (key.userId !== user) headerRefused = true;
    } else if (headerRoll < 0.32) {
      const tenant = random.pick(TENANTS);
      headers['x-llm-context-tenant'] = tenant;
      if (tenant !== key.tenantId) headerRefused = true;
    }
    const effective = `${key.tenantId}-${userTag(effectiveUser)}`;
    const id = random.pick(ids);
    const target = owned.get(`${key.tenantId}/${decodeURIComponentSafe(id)}`);
    const targetIsOwn = target !== undefined && target.tenantId === key.tenantId && target.userId === effectiveUser;

    type Op = { method: string; path: string; body?: string | Uint8Array; write: boolean; junk?: boolean; label: string };
    const ops: Array<() => Op> = [
      () => ({ method: 'GET', path: `/v1/conversations/${id}`, write: false, label: 'get' }),
      () => ({ method: 'GET', path: `/v1/conversations?limit=${random.pick(['5', '1000', '0', '-1', 'abc'])}`, write: false, label: 'list' }),
      () => ({ method: 'GET', path: `/v1/conversations/${id}/messages?limit=50`, write: false, label: 'messages' }),
      () => ({ method: 'GET', path: `/v1/conversations/${id}/export`, write: false, label: 'export' }),
      () => ({ method: 'GET', path: `/v1/conversations/${id}/summary`, write: false, label: 'summary' }),
      () => ({ method: 'POST', path: `/v1/conversations/${id}/context`, body: JSON.stringify({ budget: { maxTokens: random.pick([50, 500, 4000]) }, query: 'weather' }), write: false, label: 'context' }),
      () => ({ method: 'POST', path: `/v1/conversations/${id}/tail`, body: JSON.stringify({ maxTokens: 1000, encoding: 'o200k_base' }), write: false, label: 'tail' }),
      () => ({ method: 'POST', path: `/v1/conversations/${id}/read-context`, body: JSON.stringify({ maxTokens: 1000, encoding: 'o200k_base', pinnedMemories: 5 }), write: false, label: 'read-context' }),
      () => ({ method: 'GET', path: `/v1/search?q=${random.pick(['weather', 'SECRET', 'msg'])}`, write: false, label: 'search' }),
      () => ({ method: 'GET', path: `/v1/memories?limit=50`, write: false, label: 'memories' }),
      () => ({ method: 'GET', path: `/v1/memories/${random.pick(['mem-t1-none', 'mem-t1-u1', 'mem-t2-u2', 'mem-t3-none', id])}`, write: false, label: 'memory' }),
      () => ({ method: 'POST', path: '/v1/memories/search', body: JSON.stringify({ query: 'weather' }), write: false, label: 'memory-search' }),
      () => ({ method: 'GET', path: '/v1/capabilities', write: false, label: 'capabilities' }),
      // Writes: never at the key's own seeded data (so any change to seeded data is a cross-scope write).
      () => ({ method: 'POST', path: `/v1/conversations/${targetIsOwn ? `scratch-${writeCount++}` : id}/messages`, body: JSON.stringify({ messages: [{ role: 'user', content: `SECRET-${effective}-write ${writeCount}` }] }), write: true, label: 'append' }),
      () => ({ method: 'PATCH', path: `/v1/conversations/${targetIsOwn ? 'absent' : id}`, body: JSON.stringify({ title: `SECRET-${effective}-patched` }), write: true, label: 'patch' }),
      () => ({ method: 'PUT', path: `/v1/conversations/${targetIsOwn ? 'absent' : id}/state`, body: JSON.stringify({ state: { by: effective } }), write: true, label: 'state' }),
      () => ({ method: 'DELETE', path: `/v1/conversations/${targetIsOwn ? 'absent' : id}`, write: true, label: 'delete' }),
      () => ({ method: 'DELETE', path: `/v1/conversations/${targetIsOwn ? 'absent' : id}/messages/${random.pick(['m', 'idem_x_0'])}`, write: true, label: 'delete-message' }),
      () => ({ method: 'POST', path: `/v1/conversations/${id}/fork`, body: JSON.stringify({ atSeq: 2, conversation: { id: `fork-${writeCount++}`, title: `SECRET-${effective}-fork` } }), write: true, label: 'fork' }),
      () => ({ method: 'PUT', path: `/v1/conversations/${targetIsOwn ? 'absent' : id}/summary`, body: JSON.stringify({ summary: { text: `SECRET-${effective}-sum`, coversThroughSeq: 1, tokenCount: 1, encoding: 'o200k_base', updatedAt: new Date().toISOString() }, expectedCoversThroughSeq: null }), write: true, label: 'put-summary' }),
      () => {
        const memory = random.pick(['mem-t1-none', 'mem-t1-u1', 'mem-t2-u2', 'mem-t3-u1']);
        const own = memory === `mem-${key.tenantId}-${userTag(effectiveUser)}`;
        return { method: random.pick(['PATCH', 'DELETE']), path: `/v1/memories/${own ? 'absent' : memory}`, body: JSON.stringify({ text: `SECRET-${effective}-mem` }), write: true, label: 'memory-write' };
      },
      () => {
        // Erase: only users the key cannot legitimately erase, or users with no seeded data.
        const user = key.userId !== undefined ? random.pick(['u1', 'u2'].filter((candidate) => candidate !== key.userId)) : 'ghost';
        return { method: 'DELETE', path: `/v1/users/${user}`, write: true, label: 'erase' };
      },
      () => ({ method: 'POST', path: `/v1/conversations/junk-${junkCount++}/messages`, body: random.pick(junkBodies)(), write: true, junk: true, label: 'junk' }),
      () => ({ method: 'POST', path: '/v1/conversations', body: random.pick(junkBodies)(), write: true, junk: true, label: 'junk-create' }),
    ];
    const op = random.pick(ops)();
    // A PATCH/DELETE of memories ignores the body for DELETE.
    const request = new Request(`http://fuzz${op.path}`, {
      method: op.method,
      headers: { ...headers, ...(op.body !== undefined && op.method !== 'DELETE' ? { 'content-type': 'application/json' } : {}) },
      ...(op.body !== undefined && op.method !== 'DELETE' ? { body: op.body as BodyInit } : {}),
    });
    let response: Response;
    try {
      response = await server.fetch(request);
    } catch (error) {
      report.badAnswers.push(`${op.label} ${op.path}: threw ${String(error)}`);
      return;
    }
    const text = await response.text();
    report.requests += 1;
    report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
    const where = `${op.method} ${op.path.slice(0, 80)} key=${key.tenantId}/${userTag(key.userId)}/${key.role}${key.valid ? '' : '(invalid)'} → ${response.status}`;
    if (response.status >= 500) report.badAnswers.push(`${where}: server error ${text.slice(0, 200)}`);
    if (response.status >= 400 && !(response.headers.get('content-type') ?? '').startsWith('application/problem+json')) report.badAnswers.push(`${where}: error without problem+json`);
    if (!key.valid && response.status !== 401) report.badAnswers.push(`${where}: invalid key not refused with 401`);
    if (key.valid && headerRefused && response.status !== 403 && response.status !== 401) report.badAnswers.push(`${where}: scope header trick not refused with 403`);
    if (op.write && key.role === 'read' && response.status < 300) report.badAnswers.push(`${where}: read key wrote`);
    if (op.junk && (response.status < 400 || response.status >= 500)) report.badAnswers.push(`${where}: fuzzed body not refused with 4xx`);
    if (/hmac|lcx_[0-9a-f]{24}_/.test(text)) report.crossScopeReads.push(`${where}: key material in the answer`);
    for (const match of text.matchAll(MARKER)) {
      // The one thing a user reads outside its own scope: its tenant's shared (user-less) memory.
      const sharedMemory = match[2] === 'none' && match[1] === key.tenantId && text.slice(match.index).startsWith(`${match[0]}memory`);
      if ((`${match[1]}-${match[2]}` !== effective && !sharedMemory) || !key.valid || headerRefused) {
        report.crossScopeReads.push(`${where}: answer shows ${match[0]} (effective scope ${effective})`);
        break;
      }
    }
  };

  while (report.requests < options.requests && Date.now() - started < TIME_LIMIT_MS) {
    await Promise.all(Array.from({ length: 10 }, oneRequest));
  }

  // Cross-scope writes: seeded data must be unchanged, and no fuzzed body left anything behind.
  const after = await snapshot();
  for (const [where, value] of before) if (after.get(where) !== value) report.crossScopeWrites.push(`${where} changed`);
  for (const tenantId of TENANTS) {
    for (const userId of [...USERS, 'u3', 'ghost']) {
      const scope = scopeOf(tenantId, userId);
      const page = await store.listConversations(scope, { limit: 1000 });
      for (const conversation of page.items) {
        if (conversation.id.startsWith('junk-')) report.crossScopeWrites.push(`fuzzed body created ${tenantId}/${userTag(userId)}/${conversation.id}`);
        const messages = await store.listMessages(scope, conversation.id, { order: 'asc', limit: 1000 });
        for (const message of messages) {
          for (const match of JSON.stringify(message.content).matchAll(MARKER)) {
            if (`${match[1]}-${match[2]}` !== `${tenantId}-${userTag(userId)}`) report.crossScopeWrites.push(`${tenantId}/${userTag(userId)}/${conversation.id} holds ${match[0]}`);
          }
        }
      }
    }
  }
  const health = await server.fetch(new Request('http://fuzz/healthz'));
  if (health.status !== 200) report.badAnswers.push('the server stopped serving');
  const stillWorks = await server.fetch(new Request('http://fuzz/v1/conversations/own-none', { headers: { authorization: `Bearer ${good[0]!.key}` } }));
  if (stillWorks.status !== 200) report.badAnswers.push(`a valid request after the fuzz answered ${stillWorks.status}`);
  return report;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

describe('server security fuzz', () => {
  it(`should find 0 cross-scope reads or writes over ${REQUESTS.toLocaleString('en-US')} random requests, refuse every bad key and fuzzed body with 4xx problem+json, and keep serving`, async () => {
    const report = await runServerFuzz({ store: createMemoryStore(), requests: REQUESTS, seed: SEED });
    console.log(`server security fuzz (seed ${SEED}): ${report.requests} requests, statuses ${JSON.stringify(report.statuses)}`);
    expect(report.requests).toBeGreaterThanOrEqual(5000);
    expect(report.crossScopeReads).toEqual([]);
    expect(report.crossScopeWrites).toEqual([]);
    expect(report.badAnswers).toEqual([]);
    // The fuzz reached every kind of answer it checks.
    for (const status of [200, 400, 401, 403, 404, 413]) expect(report.statuses[status] ?? 0, `status ${status}`).toBeGreaterThan(0);
  }, 180_000);

  it('should catch a server whose store ignores the user (self-check)', async () => {
    const inner = createMemoryStore();
    const leaky: Store = { ...inner, getConversation: async (scope, id) => (await inner.getConversation(scope, id)) ?? (await inner.getConversation({ tenantId: scope.tenantId, userId: 'u1' }, id)) };
    const report = await runServerFuzz({ store: leaky, requests: 1500, seed: SEED + 1 });
    expect(report.crossScopeReads.length).toBeGreaterThan(0);
  }, 180_000);
});
