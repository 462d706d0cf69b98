import { describe, expect, it } from 'vitest';
import { readInputTokens, scaledBudget } from './calibrated-budget.js';

describe('scaledBudget', () => {
  it('should divide the input part of the budget by the factor and keep the output reserve', () => {
    expect(scaledBudget({ budget: { maxTokens: 1200, reserveOutput: 200 }, modelId: 'x', factor: 2 })).toEqual({ maxTokens: 700, reserveOutput: 200 });
    expect(scaledBudget({ budget: { maxTokens: 1000 }, maxOutputTokens: 100, modelId: 'x', factor: 1.5 })).toEqual({ maxTokens: 700, reserveOutput: 100 });
    expect(scaledBudget({ budget: { maxTokens: 1000 }, modelId: 'x', factor: 0.5 })).toEqual({ maxTokens: 2000 });
  });

  it('should take the context window of a known model and refuse an unknown one with the fix', () => {
    expect(scaledBudget({ modelId: 'gpt-4o-2024-08-06', factor: 1 })).toEqual({ maxTokens: 128_000 });
    expect(() => scaledBudget({ modelId: 'mock-model-id', factor: 1 })).toThrow(/budget: \{ maxTokens \}/);
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
