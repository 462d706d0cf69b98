import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetTooSmallError, ValidationError } from '../errors.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import { countToolTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE } from '../tokens/message-tokens.js';
import { capSections, planBudget, resolveBudget, resolveShares } from './plan-budget.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });

describe('resolveBudget', () => {
  it('should take maxTokens as given with no reserve, and a model window with a 4,096 reserve', () => {
    expect(resolveBudget({ maxTokens: 1000 })).toEqual({ maxTokens: 1000, reserveOutput: 0, available: 1000, exactTokenizer: true });
    expect(resolveBudget({ model: 'gpt-4o' })).toMatchObject({ maxTokens: 128_000, reserveOutput: 4096, available: 128_000 - 4096, model: 'gpt-4o', exactTokenizer: true });
  });

  it('should divide the prompt part of the budget by the calibration factor and keep the reserve', () => {
    expect(resolveBudget({ maxTokens: 1200, reserveOutput: 200, calibrationFactor: 2 })).toMatchObject({ maxTokens: 700, reserveOutput: 200, available: 500 });
    expect(resolveBudget({ maxTokens: 1000, calibrationFactor: 0.5 })).toMatchObject({ maxTokens: 2000, available: 2000 });
    expect(resolveBudget({ maxTokens: 1000, calibrationFactor: 1 })).toEqual(resolveBudget({ maxTokens: 1000 }));
  });

  it('should reject bad budgets and factors with invalid_budget', () => {
    for (const budget of [undefined, {}, { maxTokens: 0 }, { maxTokens: 1.5 }, { maxTokens: Number.NaN }, { maxTokens: 10, reserveOutput: 10 }, { maxTokens: 10, calibrationFactor: 0 }, { maxTokens: 10, calibrationFactor: Number.POSITIVE_INFINITY }, { maxTokens: 2, reserveOutput: 1, calibrationFactor: 2 }]) {
      expect(() => resolveBudget(budget as never), JSON.stringify(budget)).toThrow(expect.objectContaining({ code: 'invalid_budget' }));
    }
  });

  it('should never let the prompt part grow past maxTokens/factor (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 1_000_000 }), fc.integer({ min: 0, max: 99 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (maxTokens, reserveOutput, factor) => {
        const resolved = resolveBudget({ maxTokens, reserveOutput, calibrationFactor: factor });
        expect(resolved.reserveOutput).toBe(reserveOutput);
        expect(resolved.available).toBeLessThanOrEqual((maxTokens - reserveOutput) / factor);
        expect(resolved.available).toBeGreaterThan((maxTokens - reserveOutput) / factor - 1);
      }),
    );
  });
});

describe('resolveShares', () => {
  it('should fill defaults and refuse shares out of range or summing past 1', () => {
    expect(resolveShares(undefined)).toEqual({ memories: 0.15, summary: 0.2, recall: 0.25 });
    expect(resolveShares({ recall: 0.9, memories: 0, summary: 0 })).toEqual({ memories: 0, summary: 0, recall: 0.9 });
    expect(() => resolveShares({ recall: 1.5 })).toThrow(ValidationError);
    expect(() => resolveShares({ recall: 0.5, summary: 0.5, memories: 0.1 })).toThrow(/must not exceed 1/);
  });
});

describe('planBudget', () => {
  const tools = [{ name: 'lookup', description: 'Look an order up', parameters: { type: 'object', properties: { id: { type: 'string' } } } }];

  it('should subtract reply priming, tools and the framed system prompt from what the prompt may use', () => {
    const plan = planBudget({ budget: { maxTokens: 1000, reserveOutput: 100 }, tokenizer, system: 'You are terse.', tools });
    const systemFraming = TOKENS_PER_MESSAGE + tokenizer.count('system');
    expect(plan.systemFraming).toBe(systemFraming);
    expect(plan.toolsTokens).toBe(countToolTokens(tokenizer, tools));
    expect(plan.fixedTokens).toBe(REPLY_PRIMING_TOKENS + plan.toolsTokens + systemFraming + tokenizer.count('You are terse.'));
    expect(plan.windowMax).toBe(900 - plan.fixedTokens);
    expect(plan.systemText).toBe('You are terse.');
  });

  it('should treat an empty system prompt as none', () => {
    const plan = planBudget({ budget: { maxTokens: 1000 }, tokenizer, system: '' });
    expect(plan.systemText).toBeUndefined();
    expect(plan.fixedTokens).toBe(REPLY_PRIMING_TOKENS);
  });

  it('should throw BudgetTooSmallError when the fixed costs fill the budget, and typed errors for bad options', () => {
    expect(() => planBudget({ budget: { maxTokens: 10 }, tokenizer, system: 'word '.repeat(20) })).toThrow(BudgetTooSmallError);
    expect(() => planBudget({ budget: { maxTokens: 1000 }, tokenizer, system: 5 as never })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => planBudget({ budget: { maxTokens: 1000 }, tokenizer, tools: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(() => planBudget({ budget: { maxTokens: -1 }, tokenizer, system: 5 as never })).toThrow(expect.objectContaining({ code: 'invalid_budget' }));
  });
});

describe('capSections', () => {
  it('should split what the current turn leaves by the shares, reserving the system framing when there is no system prompt', () => {
    const plan = planBudget({ budget: { maxTokens: 1000 }, tokenizer, shares: { memories: 0.1, summary: 0.2, recall: 0.3 } });
    const caps = capSections(plan, { currentTokens: 50, hasCurrent: true });
    expect(caps.rest).toBe(plan.windowMax - 50 - plan.systemFraming);
    expect(caps).toMatchObject({ memories: Math.floor(caps.rest * 0.1), summary: Math.floor(caps.rest * 0.2), recall: Math.floor(caps.rest * 0.3) });
    const withSystem = planBudget({ budget: { maxTokens: 1000 }, tokenizer, system: 'Hi' });
    expect(capSections(withSystem, { currentTokens: 50, hasCurrent: true }).rest).toBe(withSystem.windowMax - 50);
  });

  it('should throw BudgetTooSmallError when the current turn does not fit', () => {
    const plan = planBudget({ budget: { maxTokens: 100 }, tokenizer });
    expect(() => capSections(plan, { currentTokens: 200, hasCurrent: true })).toThrow(BudgetTooSmallError);
  });
});
