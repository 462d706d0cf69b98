import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../postgres/index.js';
import { loadPgvectorExtension } from './pgvector.js';

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
  /** Closes the PGlite database (flushes it to `dataDir`). */
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
 * One process at a time may open a data directory (PGlite is single-connection); separate
 * processes in turn (e.g. `llm-context import` then `llm-context assemble`) see each other's data.
 *
 * @example
 * ```ts
 * const store = await createEmbeddedStore({ dataDir: './.llm-context' });
 * const manager = new ContextManager({ store });
 * // …
 * await store.close();
 * ```
 * @throws {StoreError} when the data directory cannot be opened.
 */
export async function createEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const inMemory = dataDir === 'memory://' || dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const vector = await loadPgvectorExtension();
  const db = await PGlite.create(dataDir, vector ? { extensions: { vector } } : {});
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
        if (!db.closed) await db.close();
      },
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
