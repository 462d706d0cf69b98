import { type ContextManager, type ContextMessage } from '../../src/index.js';

/**
 * The part of `ContextManager` this integration calls. A `Pick`, so a manager from a second
 * installed copy of the package (or a test double) fits structurally.
 */
export type ContextManagerLike = Pick<ContextManager, 'store' | 'append' | 'assemble' | 'listMessages' | 'getTokenizer'>;

/** A message of an assembled context: `id` is absent on the synthetic system message. */
export type AssembledMessage = ContextMessage;
