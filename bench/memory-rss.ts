/**
 * Peak RSS of assembly at 100 vs 100,000 messages: each measurement is a fresh child process
 * (same code, same tokenizer) that assembles the seeded conversation repeatedly; history lives in
 * the server, so any growth with history would be assembly reading more than its window.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './lib/backends.js';
import { seededBackend } from './lib/seeded.js';
import { formatRatio } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));

function measureChild(kind: string, location: string, size: number, runs: number): { afterWarmup: number; peak: number; heapUsed: number } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', child, kind, location, String(size), String(runs)], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  if (result.status !== 0) throw new Error(`rss child failed: ${result.stderr.slice(0, 2000)}`);
  return JSON.parse(result.stdout) as { afterWarmup: number; peak: number; heapUsed: number };
}

export async function runMemoryBench(options: { quick: boolean; backends: readonly BackendName[] }): Promise<string> {
  const sizes = options.quick ? [100, 1000] : [100, 100_000];
  const runs = options.quick ? 50 : 300;
  const rows: string[][] = [];
  for (const name of options.backends.filter((backend) => backend === 'postgres' || backend === 'redis')) {
    const peaks: number[] = [];
    for (const size of sizes) {
      const backend = await seededBackend(name, size);
      const location = name === 'postgres' ? backend.schema! : backend.keyPrefix!;
      const measured = measureChild(name, location, size, runs);
      peaks.push(measured.peak);
      rows.push([name, size.toLocaleString('en-US'), measured.afterWarmup.toFixed(1), measured.peak.toFixed(1), (measured.peak - measured.afterWarmup).toFixed(1), measured.heapUsed.toFixed(1)]);
      progress(`rss ${name} ${size}: peak ${measured.peak.toFixed(1)} MiB`);
    }
    rows.push([name, 'ratio', '', formatRatio(peaks[1]! / peaks[0]!), '', '']);
  }
  return [
    `### Peak RSS of assembly (fresh process per row, ${runs} assemblies of a 4,000-token window; MiB)`,
    '',
    markdownTable(['store', 'messages', 'RSS after warm-up', 'peak RSS during assemblies', 'growth', 'heap used at end'], rows),
  ].join('\n');
}
