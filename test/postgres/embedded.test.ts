import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';
import { defaultScope } from '../../src/types.js';
import { newMessages } from '../../src/testing/index.js';

const run = promisify(execFile);
const scope = { tenantId: 'default' };
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const script = join(process.cwd(), 'test', 'postgres', 'embedded-process.ts');

describe('embedded store (PGlite with a data directory)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('should work in memory with memory:// and be migrated on open', async () => {
    const store = await createEmbeddedStore({ dataDir: 'memory://' });
    try {
      expect(store.name).toBe('embedded');
      expect(await store.schemaVersions()).toEqual(expect.arrayContaining([1, 2]));
      await store.createConversation(scope, { id: 'c1' });
      const { messages } = await store.appendMessages(scope, 'c1', await newMessages([{ role: 'user', content: 'hi' }]));
      expect(messages[0]?.seq).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('should run the README example: open a data directory, append, close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmctx-embedded-'));
    dirs.push(dataDir);
    const store = await createEmbeddedStore({ dataDir });
    const manager = new ContextManager({ store });
    try {
      await manager.append('chat-1', [{ role: 'user', content: 'Hello!' }], { scope: defaultScope() });
    } finally {
      await store.close(); // flushes the database and unlocks the data directory
    }
    const reopened = await createEmbeddedStore({ dataDir });
    try {
      expect((await reopened.listMessages(defaultScope(), 'chat-1', { order: 'asc', limit: 10 })).map((message) => message.content)).toEqual(['Hello!']);
    } finally {
      await reopened.close();
    }
  }, 400_000);

  it('should keep data across separate processes (write in one, read in the next)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmctx-embedded-'));
    dirs.push(dataDir);
    const write = await run(tsx, [script, 'write', dataDir], { timeout: 180_000 });
    expect(write.stdout.trim()).toBe('wrote 3');
    const read = await run(tsx, [script, 'read', dataDir], { timeout: 180_000 });
    expect(JSON.parse(read.stdout.trim())).toEqual({ title: 'persisted', seqs: [1, 2, 3], tail: ['three'] });
  }, 400_000);

  it('should fail a second process opening the same data directory at once with store_locked, and let it in after close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmctx-embedded-'));
    dirs.push(dataDir);
    const holder = spawn(tsx, [script, 'hold', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('open') ? resolve() : undefined));
        holder.on('exit', () => reject(new Error('the holding process exited before opening the store')));
      });
      const second = await run(tsx, [script, 'open', dataDir], { timeout: 180_000 });
      const result = JSON.parse(second.stdout.trim());
      expect(result.code).toBe('store_locked');
      expect(result.message).toContain('llm-context serve');
    } finally {
      holder.stdin.end();
    }
    expect(await exited).toBe(0);
    const after = await run(tsx, [script, 'open', dataDir], { timeout: 180_000 });
    expect(JSON.parse(after.stdout.trim())).toEqual({ opened: true });
  }, 600_000);

  it('should leave no timer keeping Node alive after the last call when close() is never called', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmctx-embedded-'));
    dirs.push(dataDir);
    const child = await run(tsx, [script, 'leave-open', dataDir], { timeout: 180_000 });
    expect(JSON.parse(child.stdout.trim())).toEqual({ timers: 0 });
  }, 400_000);
});
