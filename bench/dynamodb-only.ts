/**
 * `npx tsx bench/dynamodb-only.ts [--quick]`: the assembly and append tables for DynamoDB alone
 * (dynalite in process), for iterating on the store without the other backends' servers.
 */
import { runAppendBench } from './append.js';
import { runAssemblyBench } from './assembly.js';
import { machineLine } from './lib/machine.js';
import { closeSeeded } from './lib/seeded.js';

const quick = process.argv.includes('--quick');
console.log(machineLine());
try {
  console.log(await runAssemblyBench({ quick, backends: ['dynamodb'] }));
  console.log(await runAppendBench({ quick, backends: ['dynamodb'] }));
} finally {
  await closeSeeded();
}
