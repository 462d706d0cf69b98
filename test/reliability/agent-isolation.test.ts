import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore, type Store } from '../../src/index.js';
import { createTestClock } from '../../src/testing/index.js';
import { runAgentIsolationFuzz } from './agent-isolation-model.js';
import { FULL, kindAvailable, openStore, STORE_KINDS, type StoreKind } from './stores.js';

/**
 * Operations per store for the agent-facing isolation fuzz (memory tools through the AI SDK and
 * LangChain adapters, and the LangGraph store). Seed with `ISOLATION_SEED` to replay a failure.
 */
const OPERATIONS: Record<StoreKind, number> = FULL
  ? { memory: 10_000, pglite: 5_000, postgres: 5_000, redis: 5_000, tiered: 5_000, dynamodb: 3_000 }
  : { memory: 3_000, pglite: 600, postgres: 800, redis: 800, tiered: 600, dynamodb: 400 };
const KINDS = STORE_KINDS;
const SEED = Number(process.env.ISOLATION_SEED ?? 20261206);

const totals: Record<string, number> = {};
afterAll(() => {
  console.log(`agent isolation fuzz: ${JSON.stringify(totals)} operations (seed ${SEED}), 0 cross-scope reads or writes`);
});

for (const kind of KINDS) {
  describe.skipIf(!kindAvailable(kind))(`agent-facing isolation fuzz on ${kind}`, () => {
    it(`should keep memory tools and the LangGraph store inside the caller's scope over ${OPERATIONS[kind].toLocaleString('en-US')} adversarial operations`, async () => {
      const handle = await openStore(kind, 'agiso');
      try {
        const report = await runAgentIsolationFuzz({ store: handle.store, clock: handle.clock, operations: OPERATIONS[kind], seed: SEED + STORE_KINDS.indexOf(kind) });
        totals[kind] = report.operations;
        expect(report.fullChecks).toBeGreaterThanOrEqual(Math.floor(OPERATIONS[kind] / 50));
        expect(Object.keys(report.counts).sort()).toEqual(
          ['append', 'forget', 'langgraph.get', 'langgraph.listNamespaces', 'langgraph.put', 'langgraph.search', 'recall_memories', 'remember', 'search_history'].sort(),
        );
      } finally {
        await handle.cleanup();
      }
    }, FULL ? 1_800_000 : 240_000);
  });
}

describe('agent-facing isolation fuzz self-check', () => {
  it("should catch a store whose memory search returns the other users' memories of the tenant", async () => {
    const clock = createTestClock();
    const inner = createMemoryStore({ clock });
    const memories = inner.memories!;
    const leaky: Store = {
      ...inner,
      memories: {
        ...memories,
        search: async (scope, options) => (await Promise.all(['u0', 'u1'].map((userId) => memories.search({ tenantId: scope.tenantId, userId }, options)))).flat(),
      },
    };
    await expect(runAgentIsolationFuzz({ store: leaky, clock, operations: 1500, seed: 1 })).rejects.toThrow(/returned/);
  });

  it('should catch a store whose memory list ignores the user (a LangGraph get across users)', async () => {
    const clock = createTestClock();
    const inner = createMemoryStore({ clock });
    const memories = inner.memories!;
    const leaky: Store = {
      ...inner,
      memories: {
        ...memories,
        list: async (scope, options) => {
          const pages = await Promise.all(['u0', 'u1'].map((userId) => memories.list({ tenantId: scope.tenantId, userId }, options)));
          return { items: pages.flatMap((page) => page.items) };
        },
      },
    };
    await expect(runAgentIsolationFuzz({ store: leaky, clock, operations: 1500, seed: 2 })).rejects.toThrow(/^step \d+ seed 2 scope /);
  });
});
