import type { BudgetOptions } from '../../src/index.js';
import type { ContextManager, ContextMessage } from '../../src/index.js';

/**
 * The part of {@link ContextManager} the LangChain adapters call. Any object of that shape works
 * (a wrapper that logs or meters calls, for instance).
 */
export type ManagerLike = Pick<ContextManager, 'append' | 'assemble' | 'listMessages' | 'deleteConversation'>;

/** Token budget of an assembled prompt (tokens): `{ maxTokens | model, reserveOutput? }`. */
export type AssembleBudget = BudgetOptions;

/** One message of an assembled prompt; `id` is absent on the synthetic leading system message. */
export type AssembledMessage = ContextMessage;
