import { capSections, countMessageTokens, planBudget, type BudgetOptions, type MessageInput, type Tokenizer, type ToolDefinition } from '../../src/index.js';

/**
 * Throws the `BudgetTooSmallError` that `assemble` would throw, before the middleware stores
 * anything: the fixed parts of the prompt (reply priming, tool definitions, the system prompt with
 * its framing) and the current user turn (when the turns about to be stored end with a user
 * message) must fit the budget. It runs assembly's own budget planner (`planBudget`, `capSections`),
 * so a call that passes here does not fail there on the fixed parts, and a call that fails here
 * would have stored a user turn and then failed.
 * @throws {BudgetTooSmallError} when the fixed parts, or the fixed parts and the current turn, exceed the budget.
 * @throws {ValidationError} (`invalid_budget`) for a malformed budget.
 */
export function checkFixedPartsFit(options: { tokenizer: Tokenizer; budget: BudgetOptions; system?: string; tools?: readonly ToolDefinition[]; turns: readonly MessageInput[] }): void {
  const plan = planBudget({ budget: options.budget, tokenizer: options.tokenizer, system: options.system, tools: options.tools });
  const last = options.turns.at(-1);
  if (last?.role === 'user') capSections(plan, { currentTokens: countMessageTokens(options.tokenizer, last), hasCurrent: true });
}
