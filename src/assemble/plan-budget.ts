import { BudgetTooSmallError, ValidationError } from '../errors.js';
import { countToolTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, type ToolDefinition } from '../tokens/message-tokens.js';
import { findModelInfo, getModelInfo } from '../tokens/models.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import { classifyTurn, RECALL_TAKES_UNUSED, TURN_SHARES, type TurnKind } from './turn-shares.js';

// Stage 1 of assembly: what the prompt may spend, and on what.

/**
 * The token budget of one call — the one budget type of the library: `ContextManager.assemble`,
 * the AI SDK middleware, the LangChain adapters and the Next.js route all take it.
 */
export interface BudgetOptions {
  /** The model's context window in tokens; defaults to the window of `model` from the model table. */
  readonly maxTokens?: number;
  /** A model id (e.g. `gpt-4o`, `claude-sonnet-4-5`) to take the context window from. */
  readonly model?: string;
  /** Tokens kept free for the model's reply. Default 0 when `maxTokens` is given, else 4,096. */
  readonly reserveOutput?: number;
  /**
   * Provider tokens per token of our count (e.g. 1.2 when the provider counts 20% more), as the AI
   * SDK middleware's calibration learns it. The prompt part of the budget (`maxTokens −
   * reserveOutput`) is divided by it, so the budget is met in the provider's tokens. @default 1
   */
  readonly calibrationFactor?: number;
}

export interface ResolvedBudget {
  /** The context window in our tokens (after the calibration factor). */
  readonly maxTokens: number;
  readonly reserveOutput: number;
  /** `maxTokens - reserveOutput`: what the prompt may use. */
  readonly available: number;
  readonly model?: string;
  /** False when the model's tokenizer is approximated by our encoding. */
  readonly exactTokenizer: boolean;
}

/** Share of the budget (after fixed costs and the current turn) a section may use, 0–1. */
export interface SectionShares {
  /** Pinned and relevant memories. Default 0.15. */
  readonly memories?: number;
  /** The rolling summary. Default 0.2. */
  readonly summary?: number;
  /** Recalled excerpts of older history. Default 0.25. */
  readonly recall?: number;
}

/**
 * The shares when none are given and the turn is a plain statement. With no shares given, the
 * split adapts to the turn (see `classifyTurn` and `TURN_SHARES`): a question about earlier turns
 * gives recall 0.8 (and recall neighbours 1/2), a follow-up gives the recent window the most. Shares given (to the manager or
 * the call, even one of the three) are used as given, the missing ones taken from here.
 */
export const DEFAULT_SHARES: Required<SectionShares> = { ...TURN_SHARES.statement };

/** The budget of one assembly before the history is read. */
export interface BudgetPlan {
  readonly budget: ResolvedBudget;
  /** The shares given, filled from {@link DEFAULT_SHARES}; {@link capSections} adapts them to the turn when none were given. */
  readonly shares: Required<SectionShares>;
  /** Whether the caller gave shares (then they are used as given, never adapted). */
  readonly sharesGiven: boolean;
  /** The system prompt when non-empty. */
  readonly systemText?: string;
  readonly toolsTokens: number;
  /** Framing of the leading system message (`TOKENS_PER_MESSAGE` + the role). */
  readonly systemFraming: number;
  /** Reply priming + tool definitions + the system prompt with its framing. */
  readonly fixedTokens: number;
  /** What the history (current turn, window, optional sections) may use: the size of the tail read. */
  readonly windowMax: number;
}

/** The caps of the optional sections once the current turn is known. */
export interface SectionCaps {
  /** Tokens for the window and the optional sections (the system block framing reserved up front). */
  readonly rest: number;
  readonly memories: number;
  readonly summary: number;
  readonly recall: number;
  /** The shares the caps came from, and why: `given`, or the kind of turn they were adapted to. */
  readonly shares?: Required<SectionShares> & { readonly basis: 'given' | TurnKind };
  /**
   * The most recall may take, in tokens: `recall` plus the memories and summary caps, of which it
   * gets what those two leave unused once gathered (see {@link RECALL_TAKES_UNUSED}). Absent: recall
   * keeps its own cap and what the sections leave goes to the window.
   */
  readonly recallReach?: number;
}

const DEFAULT_MODEL_RESERVE = 4096;

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError({ field, code: 'invalid_budget', message: 'must be a positive integer (tokens)' });
  }
  return value;
}

/**
 * Resolves `{ maxTokens | model, reserveOutput, calibrationFactor }` into the tokens the prompt may
 * use: the prompt part `maxTokens − reserveOutput` is divided by the calibration factor (rounded
 * down), the output reserve is kept as it is (output tokens are the provider's either way).
 * @throws {ValidationError} (code `invalid_budget`) for a missing, non-integer, non-positive or NaN
 *   budget, an unknown model without `maxTokens`, a calibration factor that is not a positive
 *   number, or a reserve that leaves nothing for the prompt.
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
  const factor = budget.calibrationFactor ?? 1;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
    throw new ValidationError({ field: 'budget.calibrationFactor', code: 'invalid_budget', message: 'must be a positive number (provider tokens per our token)' });
  }
  if (factor !== 1) {
    maxTokens = reserveOutput + Math.floor((maxTokens - reserveOutput) / factor);
    if (maxTokens <= reserveOutput) {
      throw new ValidationError({ field: 'budget.maxTokens', code: 'invalid_budget', message: 'leaves no tokens for the prompt after the calibration factor' });
    }
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

/** @throws {ValidationError} when a share is not a number from 0 to 1, or the three add up to more than 1. */
export function resolveShares(shares: SectionShares | undefined): Required<SectionShares> {
  const resolved = { ...DEFAULT_SHARES, ...shares };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ValidationError({ field: `shares.${name}`, message: 'must be a number from 0 to 1' });
  }
  if (resolved.memories + resolved.summary + resolved.recall > 1) {
    throw new ValidationError({ field: 'shares', message: 'memories + summary + recall must not exceed 1' });
  }
  return resolved;
}

/**
 * Plans one assembly's budget before anything is read: resolves the budget (with its calibration
 * factor), checks the shares, and subtracts the fixed costs — reply priming (3 tokens), the tool
 * definitions and the system prompt with its message framing (OpenAI's chat format counting, see
 * `src/tokens/message-tokens.ts`).
 * @throws {ValidationError} (code `invalid_budget`) for a bad budget; `invalid_input` for a
 *   non-string system prompt, non-array tools or bad shares.
 * @throws {BudgetTooSmallError} when the system prompt and tool definitions alone fill the budget.
 */
export function planBudget(options: {
  budget: BudgetOptions | undefined;
  tokenizer: Tokenizer;
  system?: string | undefined;
  tools?: readonly ToolDefinition[] | undefined;
  shares?: SectionShares | undefined;
}): BudgetPlan {
  const budget = resolveBudget(options.budget);
  const { system, tools, tokenizer } = options;
  if (system !== undefined && typeof system !== 'string') throw new ValidationError({ field: 'system', message: 'must be a string' });
  if (tools !== undefined && !Array.isArray(tools)) throw new ValidationError({ field: 'tools', message: 'must be an array of tool definitions' });
  const shares = resolveShares(options.shares);
  const systemText = system && system.length > 0 ? system : undefined;
  const toolsTokens = tools ? countToolTokens(tokenizer, tools) : 0;
  const systemFraming = TOKENS_PER_MESSAGE + tokenizer.count('system');
  const fixedTokens = REPLY_PRIMING_TOKENS + toolsTokens + (systemText ? systemFraming + tokenizer.count(systemText) : 0);
  const windowMax = budget.available - fixedTokens;
  if (windowMax <= 0) {
    throw new BudgetTooSmallError({ requiredTokens: fixedTokens, availableTokens: budget.available, what: 'the system prompt and tool definitions' });
  }
  const sharesGiven = options.shares !== undefined && Object.values(options.shares).some((value) => value !== undefined);
  return { budget, shares, sharesGiven, ...(systemText ? { systemText } : {}), toolsTokens, systemFraming, fixedTokens, windowMax };
}

/**
 * Splits what the current turn leaves into section caps (`floor(rest × share)`). Without shares
 * given, the shares follow the kind of turn `turnText` is (`classifyTurn`: a question about earlier
 * turns, a follow-up, a statement; {@link TURN_SHARES}). The window gets
 * the rest plus whatever the sections leave unused — except that for a question about earlier
 * turns recall first takes what memories and summary leave (`recallReach`, {@link RECALL_TAKES_UNUSED}). Without a system prompt the framing of the
 * system message the sections would need is reserved up front, so adding them never overflows.
 * Stored system messages (`storedSystemTokens`, merged into the leading system message) are a
 * fixed cost like the system prompt.
 * @throws {BudgetTooSmallError} when the current turn or the stored system messages do not fit beside the fixed costs.
 */
export function capSections(plan: BudgetPlan, options: { currentTokens: number; hasCurrent: boolean; storedSystemTokens?: number; turnText?: string }): SectionCaps {
  const framing = plan.systemText ? 0 : plan.systemFraming;
  const storedSystem = options.storedSystemTokens ?? 0;
  if (storedSystem > 0 && storedSystem + framing + (options.hasCurrent ? options.currentTokens : 0) > plan.windowMax) {
    throw new BudgetTooSmallError({ requiredTokens: plan.fixedTokens + storedSystem + options.currentTokens, availableTokens: plan.budget.available, what: 'the system prompt, the stored system messages, tools and the current user turn' });
  }
  if (options.hasCurrent && options.currentTokens + framing > plan.windowMax) {
    throw new BudgetTooSmallError({ requiredTokens: plan.fixedTokens + options.currentTokens, availableTokens: plan.budget.available, what: 'the system prompt, tools and the current user turn' });
  }
  const rest = plan.windowMax - options.currentTokens - framing - storedSystem;
  const kind = plan.sharesGiven ? undefined : classifyTurn(options.turnText ?? '');
  const shares = kind === undefined ? { ...plan.shares, basis: 'given' as const } : { ...TURN_SHARES[kind], basis: kind };
  const caps = { memories: Math.floor(rest * shares.memories), summary: Math.floor(rest * shares.summary), recall: Math.floor(rest * shares.recall) };
  const reach = kind !== undefined && RECALL_TAKES_UNUSED[kind] ? { recallReach: caps.recall + caps.memories + caps.summary } : {};
  return { rest, ...caps, shares, ...reach };
}
