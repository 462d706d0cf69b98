import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/**
 * `npx llm-context serve` in a fresh clone after `npm install`: the package lists itself as a
 * devDependency (`file:.`), so npm links its own bin into node_modules/.bin and npx finds it
 * locally. `--no` makes npx fail rather than fetch a package of that name from the registry.
 */
describe('npx llm-context in the repository', () => {
  it('should print the package version and serve the embedded store on loopback with no other setup', async () => {
    const version = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version as string;
    const dataDir = await mkdtemp(join(tmpdir(), 'llm-context-npx-'));
    const child = spawn('npx', ['--no', '--', 'llm-context', '--data-dir', join(dataDir, 'data'), 'serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${output}`)), 60_000);
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
      });
      const health = (await (await fetch(`${url}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ ok: true, store: 'embedded' });
      expect((await fetch(`${url}/v1/conversations`)).status).toBe(401);
      const printed = await new Promise<string>((resolve) => {
        const versionChild = spawn('npx', ['--no', '--', 'llm-context', '--version'], { cwd: root });
        let text = '';
        versionChild.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        versionChild.once('exit', () => resolve(text.trim()));
      });
      expect(printed).toBe(version);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve).once('error', resolve));
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
