import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { generateSupportChat } from './support-chat.js';

/**
 * `npm run demo`: writes the bundled support chat as JSONL, imports it into a fresh embedded
 * store with the CLI, and prints the assembled context for a 2,000-token budget — the same two
 * commands a user would run (`llm-context import`, `llm-context assemble`).
 * Pass `--data-dir DIR` to keep the store; by default a temporary directory is used and removed.
 */
const args = process.argv.slice(2);
const dataDirIndex = args.indexOf('--data-dir');
const keep = dataDirIndex >= 0;
const dataDir = keep ? args[dataDirIndex + 1]! : await mkdtemp(join(tmpdir(), 'llm-context-demo-'));
const file = join(dataDir, '..', `support-chat-${process.pid}.jsonl`);
const messages = generateSupportChat();
await writeFile(file, messages.map((message) => JSON.stringify(message)).join('\n'));
try {
  console.log(`$ llm-context import support-chat.jsonl   (${messages.length} messages)`);
  let code = await runCli(['--data-dir', dataDir, 'import', file, '--conversation', 'support-chat']);
  if (code === 0) {
    console.log('\n$ llm-context assemble support-chat --budget 2000\n');
    code = await runCli(['--data-dir', dataDir, 'assemble', 'support-chat', '--budget', '2000', '--system', 'You are Acme support. Be brief and accurate.']);
  }
  process.exitCode = code;
} finally {
  await rm(file, { force: true });
  if (!keep) await rm(dataDir, { recursive: true, force: true });
}
