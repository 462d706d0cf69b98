import { defineConfig } from 'tsup';

/** One entry per subpath export; package.json `exports` must list exactly these (publint/attw check it). */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'postgres/index': 'src/stores/postgres/index.ts',
    'embedded/index': 'src/stores/embedded/index.ts',
    'tiered/index': 'src/stores/tiered/index.ts',
    'redis/index': 'src/stores/redis/index.ts',
    'server/index': 'src/server/index.ts',
    'remote/index': 'src/stores/remote/index.ts',
    'langchain/index': 'integrations/langchain/index.ts',
    'ai-sdk/index': 'integrations/ai-sdk/index.ts',
    'next/index': 'integrations/next/index.ts',
    'cli/index': 'src/cli/index.ts',
  },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  // The test runner is the user's, never bundled.
  external: ['vitest'],
});
