import { findModelInfo, type BudgetOptions, ValidationError } from '../../src/index.js';

// How the middleware turns the caller's budget (in the provider's tokens) into the budget it assembles with.

/**
 * The budget the middleware assembles with: `maxTokens` defaults to the context window of
 * `budget.model` (else `modelId`) from our model table; `reserveOutput` to the call's
 * `maxOutputTokens`. The calibration factor goes with it to the budget planner (`planBudget`),
 * which divides the input part of the budget by it.
 * @throws {ValidationError} (`invalid_budget`) when no `maxTokens` is given and the model is unknown.
 */
export function middlewareBudget(options: { budget?: BudgetOptions; maxOutputTokens?: number; modelId: string; factor: number }): BudgetOptions {
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
  return { maxTokens, ...(reserveOutput === undefined ? {} : { reserveOutput }), calibrationFactor: options.factor };
}

/** `usage.inputTokens.total` (spec V3/V4), or a flat `inputTokens` number (V2). */
export function readInputTokens(usage: unknown): number | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const inputTokens = (usage as { inputTokens?: unknown }).inputTokens;
  if (typeof inputTokens === 'number') return inputTokens;
  const total = (inputTokens as { total?: unknown } | undefined)?.total;
  return typeof total === 'number' ? total : undefined;
}
