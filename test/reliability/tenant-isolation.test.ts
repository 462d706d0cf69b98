import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/spec/store.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { createTestClock } from '../../src/testing/index.js';
import { runIsolationFuzz } from './isolation-model.js';
import { FULL, kindAvailable, openStore, STORE_KINDS, type StoreHandle, type StoreKind } from './stores.js';

/**
 * Operations per store. CI total: 11,000 (≥ 10,000 across all stores); `RELIABILITY_FULL=1`:
 * 10,000 on every store. Seed with `ISOLATION_SEED` to replay a failure.
 */
const OPERATIONS: Record<StoreKind, number> = FULL
  ? { memory: 10_000, pglite: 10_000, postgres: 10_000, redis: 10_000, tiered: 10_000, dynamodb: 10_000 }
  : { memory: 4_000, pglite: 1_500, postgres: 2_000, redis: 2_000, tiered: 1_500, dynamodb: 10_000 };
const SEED = Number(process.env.ISOLATION_SEED ?? 20261122);

const totals: Record<string, number> = {};
afterAll(() => {
  console.log(`tenant isolation fuzz: ${JSON.stringify(totals)} operations (seed ${SEED}), 0 leaks`);
});

for (const kind of STORE_KINDS) {
  describe.skipIf(!kindAvailable(kind))(`tenant isolation fuzz on ${kind}`, () => {
    it(`should never return or change another tenant's or user's data over ${OPERATIONS[kind].toLocaleString('en-US')} random operations`, async () => {
      const handle: StoreHandle = await openStore(kind, 'iso');
      try {
        const report = await runIsolationFuzz({ store: handle.store, clock: handle.clock, operations: OPERATIONS[kind], seed: SEED + STORE_KINDS.indexOf(kind) });
        totals[kind] = report.operations;
        expect(report.fullChecks).toBeGreaterThanOrEqual(Math.floor(OPERATIONS[kind] / 100));
        expect(Object.keys(report.counts).length).toBeGreaterThanOrEqual(10);
      } finally {
        await handle.cleanup();
      }
    }, FULL ? 1_800_000 : kind === 'dynamodb' ? 900_000 : 240_000);
  });
}

describe('tenant isolation fuzz self-check', () => {
  it('should catch a store that leaks another user\'s conversation through search', async () => {
    const clock = createTestClock();
    const inner = createMemoryStore({ clock });
    // A deliberately leaky store: search ignores the user (tenant-wide results).
    const leaky: Store = { ...inner, searchMessages: (scope, options) => inner.searchMessages!({ tenantId: scope.tenantId }, options).then(async (hits) => [...hits, ...(await Promise.all(['u0', 'u1', 'u2'].map((userId) => inner.searchMessages!({ tenantId: scope.tenantId, userId }, options)))).flat()]) };
    await expect(runIsolationFuzz({ store: leaky, clock, operations: 2000, seed: 1 })).rejects.toThrow(/search returned/);
  });
});
