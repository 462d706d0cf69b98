import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/langchain-history', () => {
  it('should run offline, store three turns and print a budgeted context', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/langchain-history/history.ts'], { cwd: root, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'user: Hi, I am Ada and I live in Lyon.',
      'assistant: Nice to meet you, Ada!',
      'user: Where do I live?',
      'assistant: You live in Lyon.',
      'user: Thanks, bye!',
      'assistant: Bonne journée, Ada!',
    ]);
    expect(lines).toContain('stored: 6 messages (user, assistant, user, assistant, user, assistant)');
    // The budget keeps the system message and only the newest turns.
    const context = lines.find((line) => line.startsWith('context under 60 tokens: '))!.slice('context under 60 tokens: '.length).split(', ');
    expect(context[0]).toBe('system');
    expect(context.length).toBeGreaterThan(1);
    expect(context.length).toBeLessThan(7);
    expect(context.at(-1)).toBe('ai');
  });
});
