import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/langchain-agent', () => {
  it('should run offline, answer three turns from the tool and trim old turns without orphan tool results', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/langchain-agent/agent.ts'], { cwd: root, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.filter((line) => line.startsWith('assistant: '))).toEqual([
      'assistant: It is 18°C and dry in Paris.',
      'assistant: It is 18°C and dry in Lyon.',
      'assistant: It is 18°C and dry in Nice.',
    ]);
    const callLines = lines.filter((line) => line.startsWith('model call '));
    const calls = callLines.map((line) => line.split(': ')[1]!.split(' '));
    expect(calls).toHaveLength(6);
    for (const line of callLines) {
      const [used, budget] = /\((\d+)\/(\d+) tokens\)/.exec(line)!.slice(1).map(Number);
      expect(used).toBeLessThanOrEqual(budget!);
    }
    for (const types of calls) {
      expect(types[0]).toBe('system');
      // A tool result always follows the AI message that called it.
      types.forEach((type, index) => {
        if (type === 'tool') expect(types[index - 1]).toBe('ai');
      });
    }
    // Without a checkpointer the agent state holds one turn; the store supplies the earlier ones, within the budget.
    expect(calls[2]!.length).toBeGreaterThan(2);
    expect(calls[5]!.length).toBeLessThan(1 + 4 * 3 + 2);
    expect(lines).toContain('stored: 12 messages');
  });
});
