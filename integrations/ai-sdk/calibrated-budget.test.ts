import { describe, expect, it } from 'vitest';
import { resolveBudget } from '../../src/index.js';
import { middlewareBudget, readInputTokens } from './calibrated-budget.js';

describe('middlewareBudget', () => {
  const planned = (options: Parameters<typeof middlewareBudget>[0]) => {
    const { maxTokens, reserveOutput } = resolveBudget(middlewareBudget(options));
    return { maxTokens, reserveOutput };
  };

  it('should pass the factor to the planner, which divides the input part of the budget by it and keeps the output reserve', () => {
    expect(middlewareBudget({ budget: { maxTokens: 1200, reserveOutput: 200 }, modelId: 'x', factor: 2 })).toEqual({ maxTokens: 1200, reserveOutput: 200, calibrationFactor: 2 });
    expect(planned({ budget: { maxTokens: 1200, reserveOutput: 200 }, modelId: 'x', factor: 2 })).toEqual({ maxTokens: 700, reserveOutput: 200 });
    expect(planned({ budget: { maxTokens: 1000 }, maxOutputTokens: 100, modelId: 'x', factor: 1.5 })).toEqual({ maxTokens: 700, reserveOutput: 100 });
    expect(planned({ budget: { maxTokens: 1000 }, modelId: 'x', factor: 0.5 })).toEqual({ maxTokens: 2000, reserveOutput: 0 });
  });

  it('should take the context window of a known model and refuse an unknown one with the fix', () => {
    expect(planned({ modelId: 'gpt-4o-2024-08-06', factor: 1 })).toEqual({ maxTokens: 128_000, reserveOutput: 0 });
    expect(() => middlewareBudget({ modelId: 'mock-model-id', factor: 1 })).toThrow(/budget: \{ maxTokens \}/);
  });
});

describe('readInputTokens', () => {
  it('should read spec V3/V4 usage, flat V2 usage, and nothing else', () => {
    expect(readInputTokens({ inputTokens: { total: 42, noCache: 42 } })).toBe(42);
    expect(readInputTokens({ inputTokens: 7 })).toBe(7);
    expect(readInputTokens({ inputTokens: { total: undefined } })).toBeUndefined();
    expect(readInputTokens(undefined)).toBeUndefined();
  });
});
