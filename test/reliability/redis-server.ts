import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when `redis-server` and `redis-cli` are on PATH (CI installs them). */
export function hasRedisBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every((binary) => spawnSync('which', [binary]).status === 0);
}

/**
 * A private redis-server on a loopback port with an fsync-always append-only file in a temp
 * directory: killable with SIGKILL (only what was fsynced survives) and restartable on the same data.
 */
export function privateRedis(port: number) {
  const directory = mkdtempSync(join(tmpdir(), `llmctx-redis-${port}-`));
  let pid = 0;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start(): Promise<void> {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'yes', '--pidfile', join(directory, 'redis.pid'), '--logfile', join(directory, 'redis.log')], { stdio: 'ignore' });
      await new Promise((resolve) => child.on('exit', resolve));
      for (let attempt = 0; ; attempt += 1) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') break;
        if (attempt > 200) throw new Error(`redis-server on port ${port} did not start`);
        await sleep(50);
      }
      pid = Number(readFileSync(join(directory, 'redis.pid'), 'utf8').trim());
    },
    /** SIGKILL, then wait until the process is gone. */
    async kill(): Promise<void> {
      if (pid === 0) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
      for (let attempt = 0; attempt < 200; attempt += 1) {
        try {
          process.kill(pid, 0);
          await sleep(20);
        } catch {
          break;
        }
      }
      pid = 0;
    },
    async destroy(): Promise<void> {
      await this.kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
