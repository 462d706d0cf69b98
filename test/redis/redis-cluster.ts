import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis } from 'ioredis';

/** A real 3-master Redis Cluster on loopback, started by the test and stopped by pid. */
export interface LocalCluster {
  readonly ports: readonly number[];
  readonly pids: readonly number[];
  connect(): Cluster;
  stop(): Promise<void>;
}

export function hasRedisBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every((binary) => spawnSync('which', [binary]).status === 0);
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function startLocalCluster(ports: readonly number[] = [7001, 7002, 7003]): Promise<LocalCluster> {
  const directory = mkdtempSync(join(tmpdir(), 'llmctx-cluster-'));
  const pids: number[] = [];
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(directory, `nodes-${port}.conf`), '--dir', directory, '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', join(directory, `${port}.pid`), '--logfile', join(directory, `${port}.log`)],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => child.on('exit', resolve));
  }
  for (const port of ports) {
    await waitForPing(port, 10_000);
    pids.push(Number(readFileSync(join(directory, `${port}.pid`), 'utf8').trim()));
  }
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
  // Wait until every node reports cluster_state:ok.
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    for (;;) {
      const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
      if (info.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`cluster on port ${port} did not become ready`);
      await sleep(100);
    }
  }
  return {
    ports,
    pids,
    connect: () => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: { maxRetriesPerRequest: 1 } }),
    async stop() {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      for (const pid of pids) {
        for (let attempt = 0; attempt < 100; attempt += 1) {
          try {
            process.kill(pid, 0);
            await sleep(50);
          } catch {
            break;
          }
        }
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
