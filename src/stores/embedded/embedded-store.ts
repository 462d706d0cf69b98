import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../postgres/index.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { loadPgvectorExtension } from './pgvector.js';
import { unrefEngineTimers } from './unref-engine-timers.js';

/** Options of {@link createEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /**
   * Directory holding the database files (created if missing), or `memory://` for a throwaway
   * in-memory database (tests). @default "./.llm-context"
   */
  readonly dataDir?: string;
  /** Clock in ms since epoch (tests inject one for TTL). @default Date */
  readonly clock?: { now(): number };
  /** Embedding dimensions that get an HNSW index. @default [384, 768, 1024, 1536] */
  readonly vectorIndexDimensions?: readonly number[];
}

/** The embedded store: a {@link PostgresStore} over its own PGlite database, closed by `close()`. */
export interface EmbeddedStore extends PostgresStore {
  /** Closes the PGlite database (flushes it to `dataDir`) and releases the data directory's lock. */
  close(): Promise<void>;
  readonly dataDir: string;
}

export const DEFAULT_DATA_DIR = './.llm-context';

/**
 * The durable default with no server: PostgreSQL in-process (PGlite, WASM) with its data in a
 * directory, the same SQL as the server store, migrated on open (a local single-process database
 * has no deploy step). Vector search is on when a pgvector build for PGlite is installed
 * (`@electric-sql/pglite-pgvector`); otherwise `capabilities.vectorSearch` says so.
 *
 * One process at a time may open a data directory (PGlite is a single-process database): opening
 * takes a lock (`<dataDir>.lock`, via proper-lockfile) that `close()` or the process's exit releases,
 * and a second process opening the same directory meanwhile fails at once with
 * {@link StoreLockedError} instead of overwriting the first one's data. Separate processes in turn
 * (e.g. `llm-context import` then `llm-context assemble`) see each other's data; processes that must
 * run at the same time share the server (`llm-context serve`) or the Postgres store instead.
 * A process that never calls `close()` still exits when its work is done (no timer keeps it alive),
 * but `close()` is what flushes and unlocks the directory.
 *
 * @example
 * ```ts
 * const store = await createEmbeddedStore({ dataDir: './.llm-context' });
 * const manager = new ContextManager({ store });
 * // …
 * await store.close();
 * ```
 * @throws {StoreLockedError} when another process has the data directory open.
 * @throws {StoreError} when the data directory cannot be opened.
 */
export async function createEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const inMemory = dataDir === 'memory://' || dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true });
    lock = await lockDataDir({ dataDir });
  }
  let db: PGlite;
  try {
    const vector = await loadPgvectorExtension();
    db = await PGlite.create(dataDir, vector ? { extensions: { vector } } : {});
  } catch (error) {
    await lock?.release();
    throw error;
  }
  unrefEngineTimers(db);
  try {
    const store = await createPostgresStore({
      client: db,
      name: 'embedded',
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.vectorIndexDimensions ? { vectorIndexDimensions: options.vectorIndexDimensions } : {}),
    });
    await store.migrate();
    return Object.assign(store, {
      dataDir,
      close: async () => {
        try {
          if (!db.closed) await db.close();
        } finally {
          await lock?.release();
        }
      },
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    await lock?.release();
    throw error;
  }
}
