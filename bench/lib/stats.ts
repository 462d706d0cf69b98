/** Timing helpers for the benchmarks: samples in ms, nearest-rank percentiles. */

export interface Summary {
  readonly median: number;
  readonly p95: number;
  readonly samples: number;
}

/** Median and p95 by nearest rank (no interpolation), in the samples' unit. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))]!;
  return { median: at(0.5), p95: at(0.95), samples: sorted.length };
}

/** Runs `work` `count` times in sequence and returns each run's wall time in ms. */
export async function timeRuns(count: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Measures several contenders in the same run, interleaved round-robin after a warm-up, so drift
 * (GC, server caches, CPU frequency) hits each alike.
 */
export async function compare(options: {
  iterations: number;
  warmup?: number;
  contenders: Record<string, () => Promise<unknown>>;
}): Promise<Record<string, Summary>> {
  const names = Object.keys(options.contenders);
  for (const name of names) await timeRuns(options.warmup ?? 10, options.contenders[name]!);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let index = 0; index < options.iterations; index += 1) {
    for (const name of names) samples[name]!.push(...(await timeRuns(1, options.contenders[name]!)));
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name]!)]));
}

/** ms with precision that suits its size. */
export function formatMs(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

export function formatRatio(value: number): string {
  return value >= 100 ? `${Math.round(value).toLocaleString('en-US')}×` : `${value.toFixed(2)}×`;
}

export const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

/** Runs `work` over `items` with at most `workers` in flight. */
export async function inParallel<T>(items: readonly T[], workers: number, work: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size));
}
