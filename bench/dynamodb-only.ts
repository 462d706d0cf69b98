/**
 * `npx tsx bench/dynamodb-only.ts [assembly] [append] [--quick]`: the assembly and append tables
 * (both when none is named) for DynamoDB alone (dynalite in process), for iterating on the store
 * without the other backends' servers.
 */
import os from 'node:os';
import { runAppendBench } from './append.js';
import { runAssemblyBench } from './assembly.js';
import { machineLine } from './lib/machine.js';
import { closeSeeded } from './lib/seeded.js';

const quick = process.argv.includes('--quick');
const named = (['assembly', 'append'] as const).filter((name) => process.argv.includes(name));
const run = named.length > 0 ? named : ['assembly', 'append'];
const load = () => os.loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`${machineLine()} · load average ${load()}`);
try {
  if (run.includes('assembly')) console.log(await runAssemblyBench({ quick, backends: ['dynamodb'] }));
  if (run.includes('append')) console.log(await runAppendBench({ quick, backends: ['dynamodb'] }));
} finally {
  await closeSeeded();
}
console.log(`load average at end: ${load()}`);
