import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLocomoEval } from './locomo-eval.js';

// LOCOMO_DATA points elsewhere (e.g. from a git worktree, where ../shared is not beside the checkout).
const data = process.env.LOCOMO_DATA ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/locomo-dev.json');
const available = existsSync(data);

// The dataset lives in shared/ (CC BY-NC 4.0, never copied into the repo). CI has it; fail there if it is missing.
describe.skipIf(!available && !process.env.CI)('npm run eval (smoke: one LoCoMo conversation)', () => {
  it('should beat both baselines at 2k tokens and stay above a loose floor', async () => {
    expect(available, `LoCoMo dev file not found at ${data}`).toBe(true);
    const report = await runLocomoEval({ data, conversations: 1, budgets: [2000] });
    const ours = report.budgets['2000']!;
    expect(report.questions).toBeGreaterThan(50);
    expect(ours.overall).toBeGreaterThanOrEqual(0.7);
    expect(ours.overall).toBeGreaterThan(report.baselines.bm25!['2000']!.overall);
    expect(ours.overall).toBeGreaterThan(report.baselines['recent-turns']!['2000']!.overall);
    expect(Object.keys(ours.byCategory).sort()).toEqual(['1', '2', '3', '4']);
  });

  it('should come within 0.03 of the tuned settings at 2k with the manager\'s own defaults (adaptive shares)', async () => {
    expect(available, `LoCoMo dev file not found at ${data}`).toBe(true);
    const tuned = await runLocomoEval({ data, conversations: 1, budgets: [2000] });
    const defaults = await runLocomoEval({ data, conversations: 1, budgets: [2000], settings: { preset: 'default' } });
    expect(defaults.settings.preset).toBe('default');
    expect(defaults.budgets['2000']!.overall).toBeGreaterThanOrEqual(tuned.budgets['2000']!.overall - 0.03);
    expect(defaults.budgets['2000']!.overall).toBeGreaterThan(defaults.baselines.bm25!['2000']!.overall);
  });
});
