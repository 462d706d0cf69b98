import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatchCoalescer } from '../../src/stores/dynamodb/batch-coalescer.js';
import type { Item } from '../../src/stores/dynamodb/codec.js';

type Key = { pk: string; sk: string };
const id = (key: { pk?: unknown; sk?: unknown }) => `${String(key.pk)}|${String(key.sk)}`;

/** A coalescer over a fake BatchGetItem whose answers the test controls; records every request. */
function fakeReads(options: { maxItems?: number; maxInFlight?: number; holdMs?: number; delayMs?: (request: number) => number; unprocessed?: (keys: Key[], request: number) => Key[]; fail?: (keys: Key[]) => boolean } = {}) {
  const requests: Key[][] = [];
  let open = 0;
  let mostOpen = 0;
  const coalescer = createBatchCoalescer<Key>({
    maxItems: options.maxItems ?? 4,
    maxInFlight: options.maxInFlight ?? 1,
    holdMs: options.holdMs ?? 1000,
    retries: 3,
    label: 'BatchGetItem',
    keyOf: id,
    itemKeyOf: id,
    backoff: () => Promise.resolve(),
    async send(keys) {
      requests.push(keys);
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs?.(requests.length - 1) ?? 1));
      open -= 1;
      if (options.fail?.(keys)) throw new Error('ValidationException');
      const left = options.unprocessed?.(keys, requests.length - 1) ?? [];
      const leftIds = new Set(left.map(id));
      return { items: keys.filter((key) => !leftIds.has(id(key))).map((key): Item => ({ ...key, value: id(key) })), unprocessed: left };
    },
  });
  return { coalescer, requests, mostOpen: () => mostOpen };
}

describe('batch coalescer (group commit of BatchGetItem / BatchWriteItem)', () => {
  it('should send a lone caller at once and let callers arriving while the slot is busy share one request', async () => {
    const { coalescer, requests } = fakeReads({ maxItems: 10, maxInFlight: 1 });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((pk) => coalescer.submit([{ pk, sk: '1' }])));
    expect(requests.map((keys) => keys.length)).toEqual([1, 3]);
    expect(results.map((items) => items.map((item) => item.value))).toEqual([['a|1'], ['b|1'], ['c|1'], ['d|1']]);
  });

  it('should hold partial requests while one is out but send full ones in parallel, up to maxInFlight', async () => {
    const { coalescer, requests, mostOpen } = fakeReads({ maxItems: 2, maxInFlight: 3 });
    const small = await Promise.all(['a', 'b', 'c'].map((pk) => coalescer.submit([{ pk, sk: '1' }])));
    expect(requests.map((keys) => keys.length)).toEqual([1, 2]);
    expect(small.flat()).toHaveLength(3);
    requests.length = 0;
    await coalescer.submit(Array.from({ length: 8 }, (_, index) => ({ pk: 'bulk', sk: String(index) })));
    expect(requests.map((keys) => keys.length)).toEqual([2, 2, 2, 2]);
    expect(mostOpen()).toBe(3);
  });

  it('should hold a partial request behind a slow one no longer than holdMs', async () => {
    const { coalescer, requests } = fakeReads({ maxItems: 10, maxInFlight: 4, holdMs: 20, delayMs: (request) => (request === 0 ? 1000 : 1) });
    const slow = coalescer.submit([{ pk: 'slow', sk: '1' }]);
    const started = Date.now();
    await coalescer.submit([{ pk: 'quick', sk: '1' }]);
    expect(Date.now() - started).toBeLessThan(700);
    expect(requests.map((keys) => keys[0]!.pk)).toEqual(['slow', 'quick']);
    await slow;
  });

  it('should send every call at once, alone, with maxInFlight Infinity (sharing off)', async () => {
    const { coalescer, requests } = fakeReads({ maxItems: 10, maxInFlight: Number.POSITIVE_INFINITY });
    await Promise.all(['a', 'b', 'c'].map((pk) => coalescer.submit([{ pk, sk: '1' }])));
    expect(requests.map((keys) => keys.length)).toEqual([1, 1, 1]);
  });

  it('should never put one key twice in a request, nor exceed maxItems, nor maxInFlight', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 4 }),
        async (callers, maxInFlight, dropEvery) => {
          // Every request leaves its first key unprocessed when `dropEvery` says so (throttling), at most twice per key.
          const dropped = new Map<string, number>();
          const { coalescer, requests, mostOpen } = fakeReads({
            maxItems: 3,
            maxInFlight,
            unprocessed: (keys, request) => {
              const first = keys[0]!;
              if (dropEvery === 0 || request % dropEvery !== 0 || (dropped.get(id(first)) ?? 0) >= 2) return [];
              dropped.set(id(first), (dropped.get(id(first)) ?? 0) + 1);
              return [first];
            },
          });
          const results = await Promise.all(callers.map((keys) => coalescer.submit(keys.map((key) => ({ pk: 'p', sk: String(key) })))));
          results.forEach((items, index) => expect(items.map((item) => item.sk).sort()).toEqual(callers[index]!.map(String).sort()));
          for (const keys of requests) {
            expect(keys.length).toBeLessThanOrEqual(3);
            expect(new Set(keys.map(id)).size).toBe(keys.length);
          }
          expect(mostOpen()).toBeLessThanOrEqual(maxInFlight);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('should retry each caller of a failed shared request alone, so only the culprit fails', async () => {
    const { coalescer, requests } = fakeReads({ maxItems: 10, maxInFlight: 1, fail: (keys) => keys.some((key) => key.pk === 'bad') });
    const outcomes = await Promise.allSettled([coalescer.submit([{ pk: 'first', sk: '1' }]), coalescer.submit([{ pk: 'good', sk: '1' }]), coalescer.submit([{ pk: 'bad', sk: '1' }])]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(requests.map((keys) => keys.map((key) => key.pk))).toEqual([['first'], ['good', 'bad'], ['good'], ['bad']]);
  });

  it('should reject the caller whose items stay unprocessed after the retries, and only that caller', async () => {
    const { coalescer } = fakeReads({ maxItems: 10, maxInFlight: 1, unprocessed: (keys) => keys.filter((key) => key.pk === 'hot') });
    const outcomes = await Promise.allSettled([coalescer.submit([{ pk: 'cold', sk: '1' }]), coalescer.submit([{ pk: 'hot', sk: '1' }, { pk: 'cold', sk: '2' }])]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect(outcomes[1]!.status).toBe('rejected');
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/unprocessed after 3 retries/);
  });
});
