/**
 * `npm run bench` — every benchmark, printed as markdown (progress on stderr).
 * `npm run bench -- <name> [<name> …]` runs some: assembly, append, search, memory, tokens, server, cold-start, memory-search.
 * `--quick` uses small sizes (a smoke run of a minute or two).
 * Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) for those rows; unreachable servers are
 * skipped and named in the output.
 */
import { runAppendBench } from './append.js';
import { runAssemblyBench } from './assembly.js';
import { runColdStartBench } from './cold-start.js';
import { availableBackends } from './lib/backends.js';
import { machineLine } from './lib/machine.js';
import { closeSeeded } from './lib/seeded.js';
import { progress } from './lib/table.js';
import { runMemoryBench } from './memory-rss.js';
import { runMemorySearchBench } from './memory-search.js';
import { runRedisMemorySearchBench } from './redis/memory-search.js';
import { runSearchBench } from './search.js';
import { runServerBench } from './server.js';
import { runTokensBench } from './tokens.js';

export const BENCHMARKS = ['tokens', 'assembly', 'search', 'memory', 'append', 'server', 'cold-start', 'memory-search'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export async function runBenchmarks(options: { names: readonly BenchmarkName[]; quick: boolean; log?: (text: string) => void }): Promise<string> {
  const log = options.log ?? ((text: string) => console.log(text));
  const { names: backends, skipped } = await availableBackends();
  const sections: string[] = [];
  const emit = (text: string) => {
    sections.push(text);
    log(`${text}\n`);
  };
  emit(`## Benchmarks${options.quick ? ' (quick mode: reduced sizes)' : ''}\n\n${machineLine()}\n\nCommand: \`${commandLine(options)}\`. Stores: ${backends.join(', ')}${skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''}.`);
  const started = performance.now();
  const failures: string[] = [];
  try {
    for (const name of options.names) {
      progress(`running ${name}`);
      const common = { quick: options.quick, backends };
      try {
        if (name === 'tokens') emit(await runTokensBench(common));
        else if (name === 'assembly') emit(await runAssemblyBench(common));
        else if (name === 'search') emit(await runSearchBench(common));
        else if (name === 'memory') emit(await runMemoryBench(common));
        else if (name === 'server') emit(await runServerBench(common));
        else if (name === 'cold-start') emit(await runColdStartBench(common));
        else if (name === 'memory-search') {
          emit(await runMemorySearchBench(common));
          emit(await runRedisMemorySearchBench(common));
        }
        else emit(await runAppendBench(common));
      } catch (error) {
        // One broken benchmark must not lose the others' tables; the run still exits non-zero.
        failures.push(name);
        emit(`### ${name}: failed\n\n\`\`\`\n${String((error as Error).stack ?? error).slice(0, 1500)}\n\`\`\``);
      }
    }
  } finally {
    await closeSeeded();
  }
  emit(`Total benchmark time: ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  if (failures.length > 0) process.exitCode = 1;
  return sections.join('\n\n');
}

function commandLine(options: { names: readonly BenchmarkName[]; quick: boolean }): string {
  const extra = [...(options.names.length < BENCHMARKS.length ? options.names : []), ...(options.quick ? ['--quick'] : [])];
  return `npm run bench${extra.length > 0 ? ` -- ${extra.join(' ')}` : ''}`;
}

function parseArguments(argv: readonly string[]): { names: BenchmarkName[]; quick: boolean } {
  const quick = argv.includes('--quick');
  const names = argv.filter((argument) => !argument.startsWith('--'));
  for (const name of names) {
    if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}"; choose from ${BENCHMARKS.join(', ')}`);
  }
  return { names: names.length > 0 ? (names as BenchmarkName[]) : [...BENCHMARKS], quick };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await runBenchmarks(parseArguments(process.argv.slice(2)));
  process.exit(process.exitCode ?? 0);
}
