import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { Store } from '../spec/store.js';
import { createMemoryStore } from '../stores/memory/index.js';

/** Store flags shared by `serve` and `keys`. */
export interface StoreFlags {
  /** Embedded (PGlite) data directory; also where the server secret is kept. */
  readonly dataDir: string;
  /** PostgreSQL connection URL: use PostgreSQL instead of the embedded store. */
  readonly postgres?: string;
  /** Redis URL: use Redis instead of the embedded store. */
  readonly redis?: string;
  /** A throwaway in-process store (demos and tests); nothing survives the process. */
  readonly memory?: boolean;
}

export interface OpenedStore {
  readonly store: Store;
  /** What it is, for the startup line, e.g. `embedded ./.llm-context`. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the store the flags name. One of `--postgres`, `--redis`, `--memory`, or the embedded
 * store in `--data-dir` (default). A DynamoDB store plugs in here as one more branch
 * (`--dynamodb <table>`), opened like Redis: the SDK client is imported lazily.
 * @param options.clock the store clock (the test-only clock of `serve`). @default Date.now
 */
export async function openStore(flags: StoreFlags, options: { clock?: { now(): number } } = {}): Promise<OpenedStore> {
  const chosen = [flags.postgres, flags.redis, flags.memory].filter(Boolean).length;
  if (chosen > 1) throw new Error('choose one store: --postgres, --redis or --memory (default: the embedded store in --data-dir)');
  const clock = options.clock ? { clock: options.clock } : {};
  if (flags.memory) return { store: createMemoryStore(clock), description: 'in-memory (nothing is kept after exit)', close: async () => undefined };
  if (flags.postgres) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: flags.postgres });
    const { createPostgresStore } = await import('../stores/postgres/index.js');
    const store = await createPostgresStore({ client: pool, ...clock });
    await store.migrate();
    return { store, description: `postgres ${redactUrl(flags.postgres)}`, close: () => pool.end() };
  }
  if (flags.redis) {
    const { Redis } = await import('ioredis');
    const client = new Redis(flags.redis, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const { createRedisStore } = await import('../stores/redis/index.js');
    return { store: createRedisStore({ client, ...clock }), description: `redis ${redactUrl(flags.redis)}`, close: async () => void (await client.quit()) };
  }
  const { createEmbeddedStore } = await import('../stores/embedded/index.js');
  const store = await createEmbeddedStore({ dataDir: flags.dataDir, ...clock });
  return { store, description: `embedded ${flags.dataDir}`, close: () => store.close() };
}

/**
 * The embedded database is one process's: `serve` holds a lock on the data directory, and
 * `keys` refuses to open it while the lock is held (two PGlite processes on one directory corrupt it).
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  return lockfile.lock(dataDir, { realpath: false, stale: 30_000, update: 10_000, lockfilePath: join(dataDir, 'serve.lock') });
}

export async function assertDataDirFree(dataDir: string): Promise<void> {
  const locked = await lockfile.check(dataDir, { realpath: false, stale: 30_000, lockfilePath: join(dataDir, 'serve.lock') }).catch(() => false);
  if (locked) throw new Error(`${dataDir} is in use by a running \`llm-context serve\`; stop it, manage keys, then start it again (or use --postgres/--redis, which several processes can share).`);
}

const SECRET_FILE = 'server-secret';

/**
 * The server secret: `LLM_CONTEXT_SERVER_SECRET`, else `<dataDir>/server-secret` (created on first
 * use with 32 random bytes, file mode 0600).
 */
export async function serverSecret(dataDir: string): Promise<string> {
  const fromEnv = process.env.LLM_CONTEXT_SERVER_SECRET;
  if (fromEnv) return fromEnv;
  const file = join(dataDir, SECRET_FILE);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw error;
  }
  await chmod(file, 0o600);
  return secret;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(url)';
  }
}
