import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === '.next') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** Every line of every TypeScript block in README must be code that runs in a tested example. */
describe('README', () => {
  const tested = [...files(join(root, 'examples')), ...files(join(root, 'test'))].map((path) => readFileSync(path, 'utf8'));
  const testedLines = new Set(tested.flatMap((text) => text.split('\n').map((line) => line.trim())));
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);

  it('should have a code example for the core, the store contract and each integration', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((block, index) => [index, block] as const))('should take code block %i verbatim from a tested example', (_index, block) => {
    const missing = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('//') && !line.startsWith('import '))
      .filter((line) => !testedLines.has(line));
    expect(missing).toEqual([]);
  });

  it('should name the test command CI runs and a demo script that exists', () => {
    expect(readme).toContain('npm test');
    expect(packageJson.scripts.test).toBe('vitest run');
    expect(packageJson.scripts.demo).toBeDefined();
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/\nnpm test\n/);
  });
});
