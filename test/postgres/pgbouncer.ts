import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DATABASE_URL } from './server.js';

/** A PgBouncer in transaction mode on loopback, in front of the test server. */
export interface RunningPgBouncer {
  /** Connection string of the pooler (same user and database as `DATABASE_URL`). */
  readonly url: string;
  /** Stops the process and removes its temp directory. */
  stop(): Promise<void>;
}

/**
 * The `pgbouncer` binary: on PATH, else Debian's /usr/sbin (not on a non-root user's PATH), or null.
 */
export function findPgBouncer(): string | null {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const directory of directories) {
    if (!directory) continue;
    const candidate = join(directory, 'pgbouncer');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Writes pgbouncer.ini and a userlist into a temp directory and starts PgBouncer in the foreground
 * on a free loopback port, `pool_mode = transaction`, `auth_type = any` (the test server trusts
 * loopback; the [databases] entry fixes the server user), in front of `DATABASE_URL`'s server.
 * PgBouncer 1.18 (Debian 12) has no prepared-statement support, which is the point: it behaves as
 * Supabase's and Neon's transaction poolers do for named statements. PgBouncer refuses to run as
 * root, so under root it drops to `nobody` (`-u`), and the files are made world-readable.
 * @throws {Error} when the binary is missing or the port does not open within 10 s.
 */
export async function startPgBouncer(options: { poolSize?: number } = {}): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const server = new URL(DATABASE_URL);
  const user = decodeURIComponent(server.username || 'postgres');
  const database = decodeURIComponent(server.pathname.slice(1) || 'test');
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'llmctx-pgbouncer-'));
  chmodSync(directory, 0o755);
  const ini = join(directory, 'pgbouncer.ini');
  const userlist = join(directory, 'userlist.txt');
  writeFileSync(userlist, `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    ini,
    [
      '[databases]',
      `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database} user=${user}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      `auth_file = ${userlist}`,
      'pool_mode = transaction',
      `default_pool_size = ${options.poolSize ?? 20}`,
      'max_client_conn = 200',
      // node-postgres sends none of these, but other clients do; PgBouncer would refuse them.
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const args = process.getuid?.() === 0 ? ['-u', 'nobody', ini] : [ini];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(directory, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not start on 127.0.0.1:${port}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`, stop };
}
