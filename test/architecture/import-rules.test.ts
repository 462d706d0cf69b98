import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const config = require(join(root, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(baseDir: string, paths: string[]): Promise<string[]> {
  const result = await cruise(paths, {
    ...config.options,
    tsConfig: undefined,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  } as never);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`).sort();
}

describe('the import rules of ARCHITECTURE.md', () => {
  it('should flag a backend importing assembly or a node: module, and an adapter importing an internal module', async () => {
    const found = await violations(join(import.meta.dirname, 'fixture'), ['src', 'integrations']);
    expect(found).toEqual([
      'adapters-use-public-entries: integrations/chat/adapter.ts → src/assemble/plan.ts',
      'core-is-runtime-neutral: src/stores/memory/store.ts → fs',
      'stores-below-assembly: src/stores/memory/store.ts → src/assemble/plan.ts',
    ]);
  });

  it('should hold on the repository itself', async () => {
    expect(await violations(root, ['src', 'integrations'])).toEqual([]);
  }, 120_000);
});
