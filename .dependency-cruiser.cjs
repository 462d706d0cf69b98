/**
 * The import rules of ARCHITECTURE.md, checked in CI (`npm run lint:imports`).
 * Layers, lowest first: types/errors → tokens → spec → messages → search/summarize/memories and
 * stores → assemble → context-manager → server/cli/importers → integrations (adapters).
 * A layer imports only layers below it; adapters import only public entry points; the core
 * imports no `node:` module.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TESTS = '(\\.test\\.ts$|^test/|^src/testing/|^bench/|^examples/)';
const above = (...names) => `^src/(${names.join('|')})(/|\\.ts$)`;

module.exports = {
  forbidden: [
    {
      name: 'core-is-runtime-neutral',
      comment: 'The core runs on Node, Bun, Deno and edge runtimes: no node: module outside the Node-only entries (cli, embedded store).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(cli|stores/embedded)/', TESTS] },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-use-public-entries',
      comment: 'Adapters (integrations/*) import the library only through its public entry points, like a user would.',
      severity: 'error',
      from: { path: '^integrations/', pathNot: TESTS },
      to: { path: '^src/', pathNot: '^src/(index|testing/index|stores/[^/]+/index|server/index)\\.ts$' },
    },
    {
      name: 'core-never-imports-adapters',
      severity: 'error',
      from: { path: '^src/', pathNot: TESTS },
      to: { path: '^integrations/' },
    },
    {
      name: 'types-and-errors-are-the-floor',
      severity: 'error',
      from: { path: '^src/(types|errors)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(types|errors)\\.ts$' },
    },
    {
      name: 'tokens-below-spec',
      severity: 'error',
      from: { path: '^src/tokens/', pathNot: TESTS },
      to: { path: above('spec', 'messages', 'stores', 'search', 'summarize', 'memories', 'assemble', 'context-manager', 'server', 'cli', 'importers') },
    },
    {
      name: 'spec-below-stores',
      comment: 'The store specification and shared validators depend on nothing but types, errors and tokens.',
      severity: 'error',
      from: { path: '^src/spec/', pathNot: TESTS },
      to: { path: above('messages', 'stores', 'search', 'summarize', 'memories', 'assemble', 'context-manager', 'server', 'cli', 'importers') },
    },
    {
      name: 'stores-below-assembly',
      comment: 'Backends store and read; they know nothing of assembly, summaries, the manager, the server or the CLI.',
      severity: 'error',
      from: { path: '^src/stores/', pathNot: TESTS },
      to: { path: above('assemble', 'context-manager', 'summarize', 'memories', 'server', 'cli', 'importers') },
    },
    {
      name: 'backends-are-independent',
      comment: 'A backend imports only the shared store layer, not another backend (the embedded store wraps Postgres on PGlite by design).',
      severity: 'error',
      from: { path: '^src/stores/([^/]+)/', pathNot: ['^src/stores/embedded/', TESTS] },
      to: { path: '^src/stores/', pathNot: '^src/stores/($1|define-store)/' },
    },
    {
      name: 'sections-below-assembly',
      comment: 'Summaries, memories, search and messages are building blocks; assembly composes them, never the reverse.',
      severity: 'error',
      from: { path: '^src/(search|summarize|memories|messages)/', pathNot: TESTS },
      to: { path: above('assemble', 'context-manager', 'stores', 'server', 'cli', 'importers') },
    },
    {
      name: 'assembly-below-manager',
      severity: 'error',
      from: { path: '^src/assemble/', pathNot: TESTS },
      to: { path: above('context-manager', 'manager', 'stores', 'server', 'cli', 'importers') },
    },
    {
      name: 'manager-below-server-and-cli',
      severity: 'error',
      from: { path: '^src/(context-manager\\.ts|manager/)', pathNot: TESTS },
      to: { path: above('server', 'cli', 'importers') },
    },
    {
      name: 'server-below-cli',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TESTS },
      to: { path: above('cli') },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules|^dist|^examples/next-chat)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
