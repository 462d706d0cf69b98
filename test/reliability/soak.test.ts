import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { FULL, kindAvailable, openStore, seededRandom } from './stores.js';

/**
 * Soak (from a steady state of 20 conversations × 200 messages): mixed append (50 %), assemble (35 %) and search (15 %) from 4 concurrent workers on
 * loopback, for `SOAK_SECONDS` (default 15 s per store in CI and dev, 600 s with
 * `RELIABILITY_FULL=1`). Prints throughput per interval and RSS at start and end; fails on any
 * error, a lost message, a collapse of throughput, heap retained after GC growing by 32 MiB or more,
 * external memory by 64 MiB, or RSS by 600 MiB (RSS keeps allocator slack).
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? (FULL ? 600 : 15));
const INTERVAL_MS = SECONDS >= 120 ? 30_000 : 3_000;
const WORKERS = 4;
const scope = { tenantId: 'soak', userId: 'u1' };
const WORDS = ['invoice', 'refund', 'delivery', 'password', 'courier', 'voucher', 'renewal', 'warehouse'];
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
// A forced GC before each memory reading, so heap growth means retained objects, not garbage.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

for (const kind of ['postgres', 'redis'] as const) {
  describe.skipIf(!kindAvailable(kind))(`soak on ${kind}`, () => {
    it(`should sustain mixed traffic for ${SECONDS} s without errors, loss or memory growth`, async () => {
      const handle = await openStore(kind, 'soak');
      const manager = new ContextManager({ store: handle.store });
      const random = seededRandom(42);
      const appended = new Map<string, number>();
      const counts = { append: 0, assemble: 0, search: 0 };
      const intervals: number[] = [];
      let intervalOps = 0;
      let counter = 0;
      const errors: unknown[] = [];
      // Start from steady state: every conversation already fills the stores' bounded search and
      // tail windows (Redis search scans the newest 200 messages of up to 20 conversations), so a
      // falling rate means degradation, not the warm-up from empty.
      for (let conversation = 0; conversation < 20; conversation += 1) {
        for (let batch = 0; batch < 4; batch += 1) {
          const messages = Array.from({ length: 50 }, (_, index) => ({ id: `seed-${conversation}-${batch}-${index}`, role: (index % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant', content: `${random.pick(WORDS)} seeded turn ${index} about ${random.pick(WORDS)}` }));
          await manager.append(`soak-${conversation}`, messages, { scope });
          appended.set(`soak-${conversation}`, (appended.get(`soak-${conversation}`) ?? 0) + messages.length);
        }
      }
      gc();
      const rssStart = process.memoryUsage().rss;
      const heapStart = process.memoryUsage().heapUsed;
      const committedStart = process.memoryUsage().heapTotal;
      const externalStart = process.memoryUsage().external;
      const started = Date.now();
      const ticker = setInterval(() => {
        intervals.push(intervalOps / (INTERVAL_MS / 1000));
        intervalOps = 0;
      }, INTERVAL_MS);
      try {
        await Promise.all(
          Array.from({ length: WORKERS }, async () => {
            while (Date.now() - started < SECONDS * 1000 && errors.length === 0) {
              const conversationId = `soak-${random.int(20)}`;
              const roll = random.next();
              try {
                if (roll < 0.5 || !appended.has(conversationId)) {
                  const size = 1 + random.int(3);
                  const batch = Array.from({ length: size }, () => ({ id: `s${counter++}`, role: 'user' as const, content: `${random.pick(WORDS)} question ${counter} about ${random.pick(WORDS)} and ${random.pick(WORDS)}` }));
                  await manager.append(conversationId, batch, { scope });
                  appended.set(conversationId, (appended.get(conversationId) ?? 0) + size);
                  counts.append += 1;
                } else if (roll < 0.85) {
                  const { report } = await manager.assemble(conversationId, { scope, budget: { maxTokens: 2000 } });
                  expect(report.totalTokens).toBeLessThanOrEqual(2000);
                  counts.assemble += 1;
                } else {
                  if (handle.store.searchMessages) await handle.store.searchMessages(scope, { query: random.pick(WORDS), limit: 10 });
                  counts.search += 1;
                }
                intervalOps += 1;
              } catch (error) {
                errors.push(error);
              }
            }
          }),
        );
      } finally {
        clearInterval(ticker);
      }
      gc();
      const rssEnd = process.memoryUsage().rss;
      const heapEnd = process.memoryUsage().heapUsed;
      const committedEnd = process.memoryUsage().heapTotal;
      const externalEnd = process.memoryUsage().external;
      try {
        expect(errors.map(String)).toEqual([]);
        for (const [conversationId, count] of appended) {
          expect((await handle.store.getConversation(scope, conversationId))?.messageCount, conversationId).toBe(count);
        }
        const total = counts.append + counts.assemble + counts.search;
        console.log(
          `soak ${kind}: ${SECONDS} s, ${total} ops (${JSON.stringify(counts)}), ${Math.round(total / SECONDS)} ops/s; per ${INTERVAL_MS / 1000} s interval: ${intervals.map((rate) => Math.round(rate)).join(', ')} ops/s; RSS ${mib(rssStart)} → ${mib(rssEnd)} MiB, heap after GC ${mib(heapStart)} → ${mib(heapEnd)} MiB (V8 heap committed ${mib(committedStart)} → ${mib(committedEnd)} MiB), external ${mib(externalStart)} → ${mib(externalEnd)} MiB`,
        );
        expect(total).toBeGreaterThan(SECONDS * 10);
        if (intervals.length >= 3) {
          const third = Math.max(1, Math.floor(intervals.length / 3));
          const average = (rates: number[]) => rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
          expect(average(intervals.slice(-third)), 'throughput collapsed over the run').toBeGreaterThan(0.3 * average(intervals.slice(0, third)));
        }
        // RSS includes allocator slack that V8 returns lazily; the retained heap after GC is the leak signal.
        expect(mib(heapEnd - heapStart), 'heap retained after GC grew during the soak').toBeLessThan(32);
        expect(mib(externalEnd - externalStart), 'external (Buffer) memory grew during the soak').toBeLessThan(64);
        // RSS is reported, with a loose bound: on Redis it rises ~300 MiB in the first seconds with a flat heap (allocator slack).
        expect(mib(rssEnd - rssStart), 'RSS grew during the soak').toBeLessThan(600);
      } finally {
        await handle.cleanup();
      }
    }, (SECONDS + 120) * 1000);
  });
}
