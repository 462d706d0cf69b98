import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every module reachable from `entry` by static or dynamic import, following relative imports
 * (`./x.js` → `./x.ts`) and collecting bare specifiers (packages) as leaves.
 */
function importGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    // preProcessFile reports import/export-from, `import()` and `require` specifiers without type-checking.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) {
        if (!packages.has(specifier)) packages.set(specifier, file);
        continue;
      }
      const base = resolve(dirname(file), specifier);
      const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base];
      const target = candidates.find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
      if (!target) throw new Error(`unresolved import ${specifier} in ${file}`);
      pending.push(target);
    }
  }
  return { files, packages };
}

describe('main entry import graph', () => {
  const graph = importGraph(join(ROOT, 'src', 'index.ts'));

  it('should follow the whole graph (sanity: it reaches the memory store and the tokenizer loader)', () => {
    const relative = [...graph.files].map((file) => file.slice(ROOT.length + 1));
    expect(relative).toContain('src/stores/memory/index.ts');
    expect(relative).toContain('src/tokens/get-tokenizer.ts');
    expect([...graph.packages.keys()]).toContain('gpt-tokenizer/encoding/o200k_base');
  });

  it('should never reach PGlite, a PostgreSQL driver, Redis or a node: module (cold start, edge runtimes)', () => {
    const offending = [...graph.packages.entries()]
      .filter(([specifier]) => /^(@electric-sql\/pglite|pg$|pg\/|ioredis|node:)/.test(specifier))
      .map(([specifier, file]) => `${specifier} (from ${file.slice(ROOT.length + 1)})`);
    expect(offending).toEqual([]);
  });

  it('should not reach any file of the PostgreSQL, embedded (PGlite) or Redis stores', () => {
    const storeFiles = [...graph.files].map((file) => file.slice(ROOT.length + 1)).filter((file) => /^src\/stores\/(postgres|embedded|redis)\//.test(file));
    expect(storeFiles).toEqual([]);
  });
});
