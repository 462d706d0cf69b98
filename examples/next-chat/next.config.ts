import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Type-checked on its own (`tsc -p examples/next-chat/tsconfig.json`, run by the e2e test), so a
  // build does not re-check the whole library under this app's settings.
  typescript: { ignoreBuildErrors: true },
  // PGlite loads its WASM and data files at run time; bundling it would break those paths.
  serverExternalPackages: ['@electric-sql/pglite'],
  experimental: {
    // The example imports the library's TypeScript sources (outside this directory), which use
    // NodeNext-style `./file.js` specifiers for `./file.ts`.
    externalDir: true,
    extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
  },
};

export default nextConfig;
