import { describe, expect, it } from 'vitest';
import { runTokensBench } from './tokens.js';

/** The benchmarks never run in `npm test`; this only checks that one cheap one still works (quick mode). */
describe('benchmark smoke run', () => {
  it('should print the token-counting table with equal counts for every library', async () => {
    const table = await runTokensBench({ quick: true });
    const rows = table.split('\n').filter((line) => /^\| (js-tiktoken|gpt-tokenizer|tiktoken)/.test(line));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/\| equal \|$/);
  }, 60_000);
});
