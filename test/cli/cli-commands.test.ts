import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/program.js';

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), interactive: false };
}

const jsonl = (lines: readonly object[]) => lines.map((line) => JSON.stringify(line)).join('\n');

describe('llm-context CLI commands', { timeout: 300_000 }, () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llm-context-cli-'));
    db = join(dir, 'db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should exit 2 with a message naming --user when erase has no --user', async () => {
    const io = capture();
    expect(await runCli(['--data-dir', db, 'erase'], io)).toBe(2);
    expect(io.err.join('\n')).toMatch(/erase needs --user <id>/);
  });

  it('should print the package version with --version', async () => {
    const io = capture();
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out).toEqual([version]);
  });

  it('should extract memories from imported user turns and place them in the assembly, unless --no-memories', async () => {
    await writeFile(join(dir, 'me.jsonl'), jsonl([
      { role: 'user', content: 'Hi, my name is Ana Lima and I live in Porto.' },
      { role: 'assistant', content: 'Nice to meet you, Ana.' },
      { role: 'user', content: 'Where do I live?' },
    ]));
    const io = capture();
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'me.jsonl'), '--conversation', 'me'], io)).toBe(0);
    expect(io.out.join('\n')).toContain('; 2 memories in scope');
    const json = capture();
    expect(await runCli(['--data-dir', db, 'assemble', 'me', '--budget', '500', '--json'], json)).toBe(0);
    const { messages, report } = JSON.parse(json.out.join('\n')) as { messages: Array<{ content: string }>; report: { sections: { memories: { items: number } } } };
    expect(report.sections.memories.items).toBe(2);
    expect(messages[0]!.content).toContain('The user lives in Porto.');

    const off = capture();
    expect(await runCli(['--data-dir', join(dir, 'db2'), '--no-memories', 'import', join(dir, 'me.jsonl'), '--conversation', 'me'], off)).toBe(0);
    expect(off.out.join('\n')).toContain('; 0 memories in scope');
  });

  it('should search stored messages, best match first, across conversations or in one', async () => {
    await writeFile(join(dir, 'trip.jsonl'), jsonl([
      { role: 'user', content: 'We took the ferry to the island on Sunday.' },
      { role: 'assistant', content: 'How was the weather?' },
    ]));
    await writeFile(join(dir, 'work.jsonl'), jsonl([{ role: 'user', content: 'The ferry schedule changed for commuters.' }]));
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'trip.jsonl')], capture())).toBe(0);
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'work.jsonl')], capture())).toBe(0);

    const all = capture();
    expect(await runCli(['--data-dir', db, 'search', 'ferry', '--json'], all)).toBe(0);
    const rows = JSON.parse(all.out.join('\n')) as Array<{ conversationId: string; seq: number; text: string }>;
    expect(rows.map((row) => row.conversationId).sort()).toEqual(['trip', 'work']);
    expect(rows.every((row) => row.text.includes('ferry'))).toBe(true);

    const one = capture();
    expect(await runCli(['--data-dir', db, 'search', 'ferry', '--conversation', 'trip'], one)).toBe(0);
    expect(one.out).toHaveLength(1);
    expect(one.out[0]).toMatch(/^trip#1\tuser\t[\d.]+\tWe took the ferry/);

    const none = capture();
    expect(await runCli(['--data-dir', db, 'search', 'zeppelin'], none)).toBe(0);
    expect(none.out).toEqual(['no matches']);
  });

  it('should import an export file under its own conversation id, with its seqs', async () => {
    await writeFile(join(dir, 'chat.jsonl'), jsonl([{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi' }]));
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'chat.jsonl'), '--conversation', 'kept-id'], capture())).toBe(0);
    const exportFile = join(dir, 'backup.json');
    expect(await runCli(['--data-dir', db, 'export', 'kept-id', '--out', exportFile], capture())).toBe(0);

    const other = join(dir, 'other-db');
    const imported = capture();
    expect(await runCli(['--data-dir', other, 'import', exportFile], imported)).toBe(0);
    const listed = capture();
    expect(await runCli(['--data-dir', other, 'list'], listed)).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toMatch(/^kept-id\t2 messages/);
    const exported = capture();
    expect(await runCli(['--data-dir', other, 'export', 'kept-id'], exported)).toBe(0);
    const again = JSON.parse(exported.out.join('\n'));
    expect(again.messages.map((message: { seq: number; content: string }) => [message.seq, message.content])).toEqual([[1, 'hello'], [2, 'hi']]);

    const twice = capture();
    expect(await runCli(['--data-dir', other, 'import', exportFile], twice)).toBe(2);
    expect(twice.err.join('\n')).toContain('already exists: nothing imported');
  });

  it('should not drop the messages of a second, different file of the same name as duplicates', async () => {
    await mkdir(join(dir, 'monday'));
    await mkdir(join(dir, 'tuesday'));
    await writeFile(join(dir, 'monday', 'chat.jsonl'), jsonl([{ role: 'user', content: 'monday question' }, { role: 'assistant', content: 'monday answer' }]));
    await writeFile(join(dir, 'tuesday', 'chat.jsonl'), jsonl([{ role: 'user', content: 'tuesday question' }, { role: 'assistant', content: 'tuesday answer' }]));
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'monday', 'chat.jsonl')], capture())).toBe(0);
    const second = capture();
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'tuesday', 'chat.jsonl')], second)).toBe(0);
    expect(second.out.join('\n')).toContain('imported 2 new messages');
    const exported = capture();
    expect(await runCli(['--data-dir', db, 'export', 'chat'], exported)).toBe(0);
    const contents = JSON.parse(exported.out.join('\n')).messages.map((message: { content: string }) => message.content);
    expect(contents).toEqual(['monday question', 'monday answer', 'tuesday question', 'tuesday answer']);
    // The same file again is still a no-op.
    const repeat = capture();
    expect(await runCli(['--data-dir', db, 'import', join(dir, 'tuesday', 'chat.jsonl')], repeat)).toBe(0);
    expect(repeat.out.join('\n')).toContain('imported 0 new messages');
  });
});
