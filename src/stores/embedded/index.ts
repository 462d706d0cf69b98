/**
 * `llm-context/embedded` (Node.js only): the durable local store with no server — PGlite with a
 * data directory, the CLI's default (`./.llm-context/`).
 */
export { createEmbeddedStore, DEFAULT_DATA_DIR, type EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
export { loadPgvectorExtension } from './pgvector.js';
