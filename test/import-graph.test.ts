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
function importGraph(entry: string, options: { staticOnly?: boolean } = {}): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    // preProcessFile reports import/export-from, `import()` and `require` specifiers without type-checking.
    const specifiers = options.staticOnly ? staticSpecifiers(file) : ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);
    for (const specifier of specifiers) {
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

/** The specifiers of `file`'s import and export-from declarations (loaded with the module), without `import()` (loaded on first use). */
function staticSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) => {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) return [(statement.moduleSpecifier as ts.StringLiteral).text];
    if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) return [(statement.moduleSpecifier as ts.StringLiteral).text];
    return [];
  });
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

  it('should not load zod or a rank file when imported (only on first use: content parts, the first count)', () => {
    // zod is ~100 modules (≈ 0.1 s of a cold start) and the o200k_base ranks 2.4 MB: see bench/cold-start.ts.
    const loaded = [...importGraph(join(ROOT, 'src', 'index.ts'), { staticOnly: true }).packages.keys()];
    expect(loaded.filter((specifier) => /^(zod|gpt-tokenizer|js-tiktoken)(\/|$)/.test(specifier))).toEqual([]);
    expect([...graph.packages.keys()]).toContain('zod');
  });
});
