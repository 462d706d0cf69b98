import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/program.js';
import { createApiKeys } from '../../src/server/index.js';
import { serverSecret } from '../../src/cli/open-store.js';
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), interactive: false };
}

describe('llm-context keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llm-context-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should create a key printed alone on the last line, list it without the key, and revoke it', async () => {
    const created = capture();
    expect(await runCli(['--data-dir', dir, 'keys', 'create', '--tenant', 'acme', '--user', 'alice', '--role', 'read', '--expires', '30d'], created)).toBe(0);
    const key = created.out.at(-1)!;
    expect(key).toMatch(/^lcx_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const id = key.slice(4, 28);
    expect(created.out[0]).toContain(`created key ${id}: tenant acme, user alice, role read, expires`);

    const listed = capture();
    expect(await runCli(['--data-dir', dir, 'keys', 'list'], listed)).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toMatch(new RegExp(`^${id}\\tacme\\talice\\tread\\tactive\\t`));
    expect(listed.out.join('\n')).not.toContain(key.slice(29));

    // The key verifies against the same store and secret the server uses, and no longer after revoke.
    const verify = async () => {
      const store = await createEmbeddedStore({ dataDir: dir });
      try {
        return await createApiKeys({ store, secret: await serverSecret(dir) }).verify(key);
      } finally {
        await store.close();
      }
    };
    expect(await verify()).toMatchObject({ tenantId: 'acme', userId: 'alice', role: 'read' });
    expect(await runCli(['--data-dir', dir, 'keys', 'revoke', id], capture())).toBe(0);
    expect(await verify()).toBeNull();
    const after = capture();
    await runCli(['--data-dir', dir, 'keys', 'list', '--tenant', 'acme'], after);
    expect(after.out[0]).toContain('\trevoked\t');
  }, 120_000);

  it('should refuse a missing tenant, the reserved tenant, a bad role or duration, and an unknown id', async () => {
    for (const argv of [
      ['keys', 'create'],
      ['keys', 'create', '--tenant', '__llm_context_keys'],
      ['keys', 'create', '--tenant', 'acme', '--role', 'root'],
      ['keys', 'create', '--tenant', 'acme', '--expires', 'soon'],
      ['keys', 'revoke', 'nope'],
      ['keys', 'create', '--tenant', 'acme', '--memory'],
    ]) {
      const io = capture();
      expect(await runCli(['--data-dir', dir, ...argv], io), argv.join(' ')).not.toBe(0);
      expect(io.err.join('\n'), argv.join(' ')).toMatch(/error/);
    }
  }, 120_000);
});
