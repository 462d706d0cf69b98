import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createTestClock } from '../../src/testing/index.js';
import { CALIBRATION_TENANT_ID, calibrationConversationId, TokenCalibration } from './token-calibration.js';

const scope = { tenantId: 'acme', userId: 'u1' };

describe('TokenCalibration', () => {
  it('should return 1 for a model it has never seen', async () => {
    const calibration = new TokenCalibration({ store: createMemoryStore() });
    expect(await calibration.factor({ scope, modelKey: 'anthropic:claude-x' })).toBe(1);
  });

  it('should converge on the ratio of provider tokens to our tokens', async () => {
    const calibration = new TokenCalibration({ store: createMemoryStore() });
    let factor = 1;
    for (let call = 0; call < 20; call++) {
      const ourTokens = 1000 + call * 37;
      factor = (await calibration.observe({ scope, modelKey: 'anthropic:claude-x', providerTokens: Math.round(ourTokens * 1.25), ourTokens }))!.factor;
    }
    expect(factor).toBeCloseTo(1.25, 2);
    expect(await calibration.factor({ scope, modelKey: 'anthropic:claude-x' })).toBeCloseTo(1.25, 2);
  });

  it('should keep every factor within its bounds whatever the samples', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e6 })), { minLength: 1, maxLength: 15 }), async (samples) => {
        const calibration = new TokenCalibration({ store: createMemoryStore(), min: 0.5, max: 2 });
        for (const [providerTokens, ourTokens] of samples) {
          const next = await calibration.observe({ scope, modelKey: 'm', providerTokens, ourTokens });
          expect(next!.factor).toBeGreaterThanOrEqual(0.5);
          expect(next!.factor).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('should keep its data outside the user tenant: nothing in the tenant\'s or the user\'s listings', async () => {
    const store = createMemoryStore();
    const calibration = new TokenCalibration({ store });
    await calibration.observe({ scope, modelKey: 'anthropic:claude-x', providerTokens: 1200, ourTokens: 1000 });
    expect((await store.listConversations({ tenantId: 'acme' }, { limit: 10 })).items).toEqual([]);
    expect((await store.listConversations(scope, { limit: 10 })).items).toEqual([]);
    expect((await store.listConversations({ tenantId: CALIBRATION_TENANT_ID }, { limit: 10 })).items.map((conversation) => conversation.id)).toEqual(['tenant:acme']);
    expect(await calibration.factor({ scope, modelKey: 'anthropic:claude-x' })).toBeCloseTo(1.2, 5);
  });

  it('should give a tenant id too long to embed a hashed conversation id within the id limit', async () => {
    const id = await calibrationConversationId('t'.repeat(256));
    expect(id).toMatch(/^tenant-sha256:[0-9a-f]{64}$/);
  });

  it('should persist per tenant in a reserved conversation, visible to a second instance after refresh', async () => {
    const store = createMemoryStore();
    const clock = createTestClock();
    const writer = new TokenCalibration({ store, clock });
    const reader = new TokenCalibration({ store, clock, refreshMs: 1000 });
    expect(await reader.factor({ scope, modelKey: 'google:gemini-x' })).toBe(1);
    await writer.observe({ scope, modelKey: 'google:gemini-x', providerTokens: 800, ourTokens: 1000 });
    expect(await reader.factor({ scope, modelKey: 'google:gemini-x' })).toBe(1); // cached
    clock.advance(1001);
    expect(await reader.factor({ scope, modelKey: 'google:gemini-x' })).toBeCloseTo(0.8, 5);
    expect(await reader.factor({ scope: { tenantId: 'other' }, modelKey: 'google:gemini-x' })).toBe(1);
    const conversation = await store.getConversation({ tenantId: CALIBRATION_TENANT_ID }, await calibrationConversationId('acme'));
    expect(conversation?.tags).toEqual(['llm-context:internal']);
    expect(conversation?.state).toMatchObject({ models: { 'google:gemini-x': { factor: 0.8, deviation: 0, samples: 1 } } });
  });

  it('should merge concurrent observations without losing one (optimistic concurrency)', async () => {
    const store = createMemoryStore();
    const instances = Array.from({ length: 5 }, () => new TokenCalibration({ store }));
    await Promise.all(instances.map((instance) => instance.observe({ scope, modelKey: 'm', providerTokens: 1200, ourTokens: 1000 })));
    const conversation = await store.getConversation({ tenantId: CALIBRATION_TENANT_ID }, await calibrationConversationId('acme'));
    expect(conversation?.state).toMatchObject({ models: { m: { samples: 5 } } });
  });

  it('should recreate its conversation when it was deleted meanwhile', async () => {
    const store = createMemoryStore();
    const calibration = new TokenCalibration({ store });
    await calibration.observe({ scope, modelKey: 'm', providerTokens: 1500, ourTokens: 1000 });
    await store.deleteConversation({ tenantId: CALIBRATION_TENANT_ID }, await calibrationConversationId('acme'));
    const next = await calibration.observe({ scope, modelKey: 'm', providerTokens: 1100, ourTokens: 1000 });
    expect(next).toMatchObject({ factor: 1.1, samples: 1 });
  });

  it('should ignore samples without positive counts', async () => {
    const calibration = new TokenCalibration({ store: createMemoryStore() });
    expect(await calibration.observe({ scope, modelKey: 'm', providerTokens: 0, ourTokens: 10 })).toBeUndefined();
    expect(await calibration.observe({ scope, modelKey: 'm', providerTokens: Number.NaN, ourTokens: 10 })).toBeUndefined();
  });
});
