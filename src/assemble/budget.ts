import { ValidationError } from '../errors.js';
import { findModelInfo, getModelInfo } from '../tokens/models.js';

/** The token budget of one call. */
export interface BudgetOptions {
  /** The model's context window in tokens; defaults to the window of `model` from the model table. */
  readonly maxTokens?: number;
  /** A model id (e.g. `gpt-4o`, `claude-sonnet-4-5`) to take the context window from. */
  readonly model?: string;
  /** Tokens kept free for the model's reply. Default 0 when `maxTokens` is given, else 4,096. */
  readonly reserveOutput?: number;
}

export interface ResolvedBudget {
  readonly maxTokens: number;
  readonly reserveOutput: number;
  /** `maxTokens - reserveOutput`: what the prompt may use. */
  readonly available: number;
  readonly model?: string;
  /** False when the model's tokenizer is approximated by our encoding. */
  readonly exactTokenizer: boolean;
}

const DEFAULT_MODEL_RESERVE = 4096;

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError({ field, code: 'invalid_budget', message: 'must be a positive integer (tokens)' });
  }
  return value;
}

/**
 * Resolves `{ maxTokens | model, reserveOutput }` into the tokens the prompt may use.
 * @throws {ValidationError} (code `invalid_budget`) for a missing, non-integer, non-positive or NaN
 *   budget, an unknown model without `maxTokens`, or a reserve that leaves nothing for the prompt.
 */
export function resolveBudget(budget: BudgetOptions | undefined): ResolvedBudget {
  if (typeof budget !== 'object' || budget === null) {
    throw new ValidationError({ field: 'budget', code: 'invalid_budget', message: 'is required: { maxTokens } or { model }' });
  }
  if (budget.model !== undefined && typeof budget.model !== 'string') {
    throw new ValidationError({ field: 'budget.model', code: 'invalid_budget', message: 'must be a model id string' });
  }
  let maxTokens: number;
  if (budget.maxTokens !== undefined) maxTokens = positiveInteger('budget.maxTokens', budget.maxTokens);
  else if (budget.model !== undefined) maxTokens = getModelInfo(budget.model).contextWindow;
  else throw new ValidationError({ field: 'budget', code: 'invalid_budget', message: 'needs maxTokens (tokens) or model' });
  const reserveOutput = budget.reserveOutput === undefined
    ? (budget.maxTokens === undefined ? DEFAULT_MODEL_RESERVE : 0)
    : budget.reserveOutput === 0 ? 0 : positiveInteger('budget.reserveOutput', budget.reserveOutput);
  if (reserveOutput >= maxTokens) {
    throw new ValidationError({ field: 'budget.reserveOutput', code: 'invalid_budget', message: 'must be smaller than maxTokens' });
  }
  const info = budget.model === undefined ? undefined : findModelInfo(budget.model);
  return {
    maxTokens,
    reserveOutput,
    available: maxTokens - reserveOutput,
    ...(budget.model !== undefined ? { model: budget.model } : {}),
    exactTokenizer: info?.exactTokenizer ?? true,
  };
}
