import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/index.js';
import { constantTimeEqual, createApiKeys, KEYS_TENANT, parseDuration } from './api-keys.js';
import { jsonDepth } from './request-body.js';

describe('API keys', () => {
  it('should store only an HMAC of the key, never the key, under the reserved tenant', async () => {
    const store = createMemoryStore();
    const keys = createApiKeys({ store, secret: 's'.repeat(32) });
    const { key, record } = await keys.create({ tenantId: 'acme', userId: 'alice', role: 'read', label: 'ci' });
    const stored = await store.getConversation({ tenantId: KEYS_TENANT }, record.id);
    expect(JSON.stringify(stored)).not.toContain(key.slice(29));
    expect(stored?.metadata).toMatchObject({ tenantId: 'acme', userId: 'alice', role: 'read', revoked: false, label: 'ci' });
    expect(stored?.metadata.hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(await keys.verify(key)).toMatchObject({ id: record.id, tenantId: 'acme', userId: 'alice', role: 'read' });
    expect(await createApiKeys({ store, secret: 't'.repeat(32) }).verify(key)).toBeNull();
  });

  it('should refuse a short secret and bad key options', async () => {
    expect(() => createApiKeys({ store: createMemoryStore(), secret: 'short' })).toThrow(/at least 32/);
    const keys = createApiKeys({ store: createMemoryStore(), secret: 's'.repeat(32) });
    await expect(keys.create({ tenantId: '' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(keys.create({ tenantId: 'a', role: 'root' as never })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(keys.create({ tenantId: 'a', expiresInSeconds: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('should parse durations in seconds and compare strings without an early exit', () => {
    expect([parseDuration('30d'), parseDuration('12h'), parseDuration('90m'), parseDuration('45s'), parseDuration('3600')]).toEqual([2_592_000, 43_200, 5400, 45, 3600]);
    expect(() => parseDuration('soon')).toThrow(/duration/);
    expect(() => parseDuration('0d')).toThrow(/positive/);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('should measure JSON nesting outside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"a":"[[[[{{{{"}')).toBe(1);
    expect(jsonDepth('{"a":"\\"[[["}')).toBe(1);
  });
});
