import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';
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

  it('should keep data across separate processes (write in one, read in the next)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmctx-embedded-'));
    dirs.push(dataDir);
    const write = await run(tsx, [script, 'write', dataDir], { timeout: 60_000 });
    expect(write.stdout.trim()).toBe('wrote 3');
    const read = await run(tsx, [script, 'read', dataDir], { timeout: 60_000 });
    expect(JSON.parse(read.stdout.trim())).toEqual({ title: 'persisted', seqs: [1, 2, 3], tail: ['three'] });
  }, 120_000);
});
