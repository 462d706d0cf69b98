import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
/** Node-only entry points; everything else must run in Node, Bun, Deno and edge route handlers. */
const NODE_ONLY = ['src/cli', 'src/stores/embedded'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the core', () => {
  it('should import no node: module and no driver outside the Node-only entry points', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'src'))) {
      const path = relative(root, file);
      if (NODE_ONLY.some((prefix) => path.startsWith(prefix)) || path.startsWith('src/testing')) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:') || ['pg', 'ioredis', '@electric-sql/pglite', 'fs', 'path', 'crypto'].includes(specifier)) offenders.push(`${path}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
