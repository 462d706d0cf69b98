import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Top-level JSON values printed back to back (curl -s adds no newline). */
function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(text.slice(start, index + 1)));
    }
  }
  return values;
}

describe('README: context server snippet', () => {
  it('should create a key, serve the embedded store in a fresh directory, append with curl and assemble with curl, as written', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const block = /<!-- server-snippet[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const port = await freePort();
    // The only changes: the package's own bin instead of npx (no registry), and a free port.
    const script = block!.replaceAll('npx llm-context', `node ${join(root, 'bin/llm-context.js')}`).replaceAll('8787', String(port));
    const cwd = await mkdtemp(join(tmpdir(), 'llm-context-readme-'));
    try {
      const { stdout } = await run('bash', ['-c', `set -e\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n${script}`], { cwd, timeout: 120_000 });
      const [health, appended, context] = jsonValues(stdout) as [Record<string, unknown>, { inserted: number; messages: Array<{ content: string }> }, { messages: Array<{ role: string; content: string }>; report: { totalTokens: number; budget: { maxTokens: number } } }];
      expect(health).toMatchObject({ ok: true, store: 'embedded' });
      expect(appended.inserted).toBe(1);
      expect(appended.messages[0]!.content).toBe('What is the capital of France?');
      expect(context.messages).toEqual([
        { role: 'system', content: 'Answer briefly.' },
        expect.objectContaining({ role: 'user', content: 'What is the capital of France?' }),
      ]);
      expect(context.report.budget.maxTokens).toBe(2000);
      expect(context.report.totalTokens).toBeGreaterThan(0);
      // The secret was created on first use, readable by its owner only.
      const { stdout: mode } = await run('stat', ['-c', '%a', join(cwd, '.llm-context', 'server-secret')]);
      expect(mode.trim()).toBe('600');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 180_000);
});
