import { ValidationError } from '../../src/errors.js';
import { findModelInfo } from '../../src/tokens/index.js';

// How the middleware turns the caller's budget (in the provider's tokens) into ours.

/**
 * Our budget in our tokens, for `ContextManager.assemble`. `maxTokens` defaults to the context
 * window of `budget.model` (else `modelId`) from our model table; `reserveOutput` to the call's
 * `maxOutputTokens`. The input part is divided by the calibration factor; the output
 * reserve is left as it is (output tokens are the provider's either way).
 * @throws {ValidationError} (`invalid_budget`) when no `maxTokens` is given and the model is unknown.
 */
export function scaledBudget(options: { budget?: { maxTokens?: number; model?: string; reserveOutput?: number }; maxOutputTokens?: number; modelId: string; factor: number }): { maxTokens: number; reserveOutput?: number; model?: string } {
  const budgetModel = options.budget?.model ?? options.modelId;
  const maxTokens = options.budget?.maxTokens ?? findModelInfo(budgetModel)?.contextWindow;
  if (maxTokens === undefined) {
    throw new ValidationError({
      field: 'budget.maxTokens',
      code: 'invalid_budget',
      message: `is required: model ${JSON.stringify(budgetModel.slice(0, 64))} is not in the model table, so its context window is unknown. Pass contextMiddleware({ budget: { maxTokens } }).`,
    });
  }
  const reserveOutput = options.budget?.reserveOutput ?? options.maxOutputTokens;
  if (reserveOutput === undefined) return { maxTokens: Math.floor(maxTokens / options.factor) };
  return { maxTokens: reserveOutput + Math.floor(Math.max(0, maxTokens - reserveOutput) / options.factor), reserveOutput };
}

/** `usage.inputTokens.total` (spec V3/V4), or a flat `inputTokens` number (V2). */
export function readInputTokens(usage: unknown): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const inputTokens = (usage as { inputTokens?: unknown }).inputTokens;
  if (typeof inputTokens === 'number') return inputTokens;
  const total = (inputTokens as { total?: unknown } | undefined)?.total;
  return typeof total === 'number' ? total : undefined;
}
