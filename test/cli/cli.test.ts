import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/program.js';

const run = promisify(execFile);
const LOCOMO = join(import.meta.dirname, '../../../shared/data/locomo-dev.json');

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), interactive: false };
}

describe('llm-context CLI', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llm-context-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should import JSONL and print the assembled prompt as JSON whose total is the counted total', async () => {
    const file = join(dir, 'chat.jsonl');
    await writeFile(file, [
      { role: 'system', content: 'Be nice.' },
      { role: 'user', content: 'hello', name: 'ann', createdAt: '2026-01-01T10:00:00Z' },
      { role: 'assistant', content: 'hi ann' },
      { role: 'user', content: 'what time is it?' },
    ].map((line) => JSON.stringify(line)).join('\n'));
    const io = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'import', file], io)).toBe(0);
    expect(io.out.join('\n')).toContain('imported 4 new messages');
    const again = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'import', file], again)).toBe(0);
    expect(again.out.join('\n')).toContain('imported 0 new messages');

    const json = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'assemble', 'chat', '--budget', '500', '--json'], json)).toBe(0);
    const result = JSON.parse(json.out.join('\n'));
    expect(result.messages.map((message: { content: string }) => message.content)).toEqual(['Be nice.', 'hello', 'hi ann', 'what time is it?']);
    const sum = Object.values(result.report.sections as Record<string, { tokens: number }>).reduce((total, section) => total + section.tokens, 0);
    expect(result.report.totalTokens).toBe(sum);
    expect(result.report.totalTokens).toBeLessThanOrEqual(500);
  });

  it('should import an OpenAI-style messages array with tool calls', async () => {
    const file = join(dir, 'openai.json');
    await writeFile(file, JSON.stringify({
      messages: [
        { role: 'developer', content: 'You are a weather bot.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'assistant', content: 'It is 21°C.' },
      ],
    }));
    const io = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'import', file, '--conversation', 'weather'], io)).toBe(0);
    const exported = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'export', 'weather'], exported)).toBe(0);
    const messages = JSON.parse(exported.out.join('\n')).messages;
    expect(messages[0].role).toBe('system');
    expect(messages[2].content[0]).toEqual({ type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Paris' } });
    expect(messages[3].content[0]).toMatchObject({ type: 'tool-result', toolCallId: 'call_1', toolName: 'get_weather' });
  });

  it('should list, erase by user, and fail with a typed error on a missing conversation', async () => {
    const file = join(dir, 'a.jsonl');
    await writeFile(file, JSON.stringify({ role: 'user', content: 'hi' }));
    const db = join(dir, 'db');
    expect(await runCli(['--data-dir', db, '--user', 'u1', 'import', file], capture())).toBe(0);
    const listed = capture();
    expect(await runCli(['--data-dir', db, '--user', 'u1', 'list'], listed)).toBe(0);
    expect(listed.out.join('\n')).toMatch(/^a\t1 messages/);
    const otherUser = capture();
    await runCli(['--data-dir', db, '--user', 'u2', 'list'], otherUser);
    expect(otherUser.out).toEqual(['no conversations']);
    const erased = capture();
    expect(await runCli(['--data-dir', db, '--user', 'u1', 'erase'], erased)).toBe(0);
    expect(erased.out.join('')).toContain('erased 1 conversations, 1 messages');
    const missing = capture();
    expect(await runCli(['--data-dir', db, 'assemble', 'nope', '--budget', '100'], missing)).toBe(1);
    expect(missing.err.join('')).toContain('[not_found]');
    const usage = capture();
    expect(await runCli(['--data-dir', db, 'assemble', 'a', '--budget', '-3'], usage)).toBe(2);
  });

  it('should share data between two separate processes (import, then assemble)', async () => {
    const file = join(dir, 'p.jsonl');
    await writeFile(file, [{ role: 'user', content: 'first process wrote this' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and this' }].map((line) => JSON.stringify(line)).join('\n'));
    const cli = ['tsx', join(import.meta.dirname, '../../src/cli/index.ts'), '--data-dir', join(dir, 'db')];
    const env = { ...process.env, NODE_NO_WARNINGS: '1' };
    await run('npx', [...cli, 'import', file], { env });
    const { stdout } = await run('npx', [...cli, 'assemble', 'p', '--budget', '300', '--json'], { env });
    const result = JSON.parse(stdout);
    expect(result.messages.map((message: { content: string }) => message.content)).toEqual(['first process wrote this', 'ok', 'and this']);
  }, 120_000);

  it.skipIf(!existsSync(LOCOMO))('should import the LoCoMo dev file, one conversation per sample', async () => {
    const io = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'import', LOCOMO], io)).toBe(0);
    expect(io.out.join('')).toContain('into 3 conversation(s): conv-26, conv-30, conv-41');
    const json = capture();
    expect(await runCli(['--data-dir', join(dir, 'db'), 'assemble', 'conv-26', '--budget', '2000', '--json'], json)).toBe(0);
    const result = JSON.parse(json.out.join('\n'));
    expect(result.report.totalTokens).toBeLessThanOrEqual(2000);
    expect(result.messages.at(-1).name).toBeDefined();
  }, 120_000);
});
