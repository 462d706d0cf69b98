import { BudgetTooSmallError, countMessageTokens, countToolTokens, REPLY_PRIMING_TOKENS, resolveBudget, TOKENS_PER_MESSAGE, type BudgetOptions, type MessageInput, type Tokenizer, type ToolDefinition } from '../../src/index.js';

/**
 * Throws the `BudgetTooSmallError` that `assemble` would throw, before the middleware stores
 * anything: the fixed parts of the prompt (reply priming, tool definitions, the system prompt with
 * its framing) and the current user turn (when the turns about to be stored end with a user
 * message) must fit in `budget.available`. The arithmetic is `ContextManager.assemble`'s (same
 * constants and counters from `src/tokens`), so a call that passes here does not fail there on the
 * fixed parts, and a call that fails here would have stored a user turn and then failed.
 * @throws {BudgetTooSmallError} when the fixed parts, or the fixed parts and the current turn, exceed the budget.
 * @throws {ValidationError} (`invalid_budget`) for a malformed budget.
 */
export function checkFixedPartsFit(options: { tokenizer: Tokenizer; budget: BudgetOptions; system?: string; tools?: readonly ToolDefinition[]; turns: readonly MessageInput[] }): void {
  const { tokenizer } = options;
  const budget = resolveBudget(options.budget);
  const systemText = options.system !== undefined && options.system.length > 0 ? options.system : undefined;
  const systemFraming = TOKENS_PER_MESSAGE + tokenizer.count('system');
  const toolsTokens = options.tools && options.tools.length > 0 ? countToolTokens(tokenizer, options.tools) : 0;
  const fixedTokens = REPLY_PRIMING_TOKENS + toolsTokens + (systemText ? systemFraming + tokenizer.count(systemText) : 0);
  if (fixedTokens >= budget.available) {
    throw new BudgetTooSmallError({ requiredTokens: fixedTokens, availableTokens: budget.available, what: 'the system prompt and tool definitions' });
  }
  const last = options.turns.at(-1);
  if (last?.role !== 'user') return;
  const currentTokens = countMessageTokens(tokenizer, last);
  if (currentTokens + (systemText ? 0 : systemFraming) > budget.available - fixedTokens) {
    throw new BudgetTooSmallError({ requiredTokens: fixedTokens + currentTokens, availableTokens: budget.available, what: 'the system prompt, tools and the current user turn' });
  }
}
