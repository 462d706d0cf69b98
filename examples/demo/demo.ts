import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '../../src/cli/program.js';
import { generateSupportChat } from './support-chat.js';

/**
 * The demo: writes the bundled support chat as JSONL, imports it into a fresh embedded store with
 * the CLI (which extracts memories with the built-in pattern extractor as it imports), and prints
 * the assembled context for a 2,000-token budget — the same two commands a user would run
 * (`llm-context import`, `llm-context assemble`). Every section row says what it holds.
 * @param options.dataDir keep the store here; by default a temporary directory is used and removed.
 * @param options.json print `assemble --json` instead of the readable report.
 * @returns the CLI exit code (0 ok).
 */
export async function runDemo(options: { io?: CliIo; dataDir?: string; json?: boolean } = {}): Promise<number> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'llm-context-demo-')));
  const file = join(dataDir, '..', `support-chat-${process.pid}-${Date.now()}.jsonl`);
  const say = options.io?.stdout ?? ((text: string) => console.log(text));
  const messages = generateSupportChat();
  await writeFile(file, messages.map((message) => JSON.stringify(message)).join('\n'));
  try {
    say(`$ llm-context import support-chat.jsonl   (${messages.length} messages)`);
    let code = await runCli(['--data-dir', dataDir, 'import', file, '--conversation', 'support-chat'], ...(options.io ? [options.io] : []));
    if (code === 0) {
      say('\n$ llm-context assemble support-chat --budget 2000\n');
      const json = options.json ? ['--json'] : [];
      code = await runCli(['--data-dir', dataDir, 'assemble', 'support-chat', '--budget', '2000', '--system', 'You are Acme support. Be brief and accurate.', ...json], ...(options.io ? [options.io] : []));
    }
    return code;
  } finally {
    await rm(file, { force: true });
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}
