import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/program.js';
import { startDynalite, uniqueTableName, type DynaliteServer } from '../dynamodb/dynalite.js';

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), interactive: false };
}

describe('llm-context CLI on DynamoDB (--dynamodb-table, --dynamodb-endpoint)', () => {
  let server: DynaliteServer;
  let dir: string;
  const saved = { region: process.env.AWS_REGION, key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    server = await startDynalite();
    dir = await mkdtemp(join(tmpdir(), 'llm-context-cli-ddb-'));
    // The CLI's client reads region and credentials from the environment, as in production.
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    for (const [name, value] of [['AWS_REGION', saved.region], ['AWS_ACCESS_KEY_ID', saved.key], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('should create the table, import, list, assemble and erase against DynamoDB', async () => {
    const table = uniqueTableName('cli');
    const flags = ['--dynamodb-table', table, '--dynamodb-endpoint', server.endpoint, '--user', 'u1'];
    const created = capture();
    expect(await runCli([...flags, 'migrate'], created)).toBe(0);
    expect(created.out.join('')).toBe(`table ${table} created (on-demand billing, 3 GSIs)`);
    const again = capture();
    expect(await runCli([...flags, 'migrate'], again)).toBe(0);
    expect(again.out.join('')).toBe(`table ${table} already exists`);

    const file = join(dir, 'chat.jsonl');
    await writeFile(file, [{ role: 'user', content: 'hello dynamo' }, { role: 'assistant', content: 'hi there' }].map((line) => JSON.stringify(line)).join('\n'));
    const imported = capture();
    expect(await runCli([...flags, 'import', file], imported)).toBe(0);
    expect(imported.out.join('\n')).toContain('imported 2 new messages');
    const listed = capture();
    expect(await runCli([...flags, 'list'], listed)).toBe(0);
    expect(listed.out.join('\n')).toMatch(/^chat\t2 messages/);
    const assembled = capture();
    expect(await runCli([...flags, 'assemble', 'chat', '--budget', '200', '--json'], assembled)).toBe(0);
    const result = JSON.parse(assembled.out.join('\n')) as { messages: Array<{ content: unknown }> };
    expect(JSON.stringify(result.messages)).toContain('hello dynamo');
    // The embedded store in the default directory was never touched: data lives in the table.
    const otherUser = capture();
    await runCli(['--dynamodb-table', table, '--dynamodb-endpoint', server.endpoint, '--user', 'u2', 'list'], otherUser);
    expect(otherUser.out).toEqual(['no conversations']);
    const erased = capture();
    expect(await runCli([...flags, 'erase'], erased)).toBe(0);
    expect(erased.out.join('')).toContain('erased 1 conversations, 2 messages');
  });

  it('should fail with a typed error naming the fix when the table is missing', async () => {
    const missing = capture();
    expect(await runCli(['--dynamodb-table', 'no-such-table', '--dynamodb-endpoint', server.endpoint, 'list'], missing)).toBe(1);
    expect(missing.err.join('')).toContain('ensureTable');
  });
});
