import type { Extension } from '@electric-sql/pglite';

/**
 * The pgvector extension for PGlite. PGlite ≤ 0.4 shipped it as `@electric-sql/pglite/vector`;
 * from 0.5 it is the separate package `@electric-sql/pglite-pgvector`. Both are tried, so the
 * embedded store gets vector search whenever either is installed, and reports it absent otherwise.
 * `LLM_CONTEXT_PGLITE_PGVECTOR` may name another module (path or package) exporting `vector`,
 * e.g. a locally built extension.
 */
export type PGliteExtension = Extension;

const CANDIDATES = ['@electric-sql/pglite-pgvector', '@electric-sql/pglite/vector'];

/** Returns the extension object to pass as `PGlite.create({ extensions: { vector } })`, or undefined when not installed. */
export async function loadPgvectorExtension(): Promise<PGliteExtension | undefined> {
  const extra = process.env.LLM_CONTEXT_PGLITE_PGVECTOR;
  for (const specifier of extra ? [extra, ...CANDIDATES] : CANDIDATES) {
    try {
      // Left to the runtime by bundlers (Vite, webpack/Next.js): a bundled expression import resolves nothing.
      const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as { vector?: PGliteExtension };
      if (module.vector) return module.vector;
    } catch {
      // not installed: try the next location
    }
  }
  return undefined;
}
